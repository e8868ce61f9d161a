/**
 * Splits one turbopuffer write request into the per-shard writes of a sharded Index (pure).
 *
 * - upsert_rows / patch_rows / deletes go row by row to the shard that owns each id;
 *   upsert_columns / patch_columns are split column-wise with every column kept aligned (per-row
 *   arrays, flat number arrays and base64 float32 columns keep their encoding).
 * - upsert_condition / patch_condition / delete_condition travel with each shard's part of their
 *   operation; distance_metric, return_affected_ids, disable_backpressure and the *_allow_partial
 *   flags travel with every part that is sent.
 * - delete_by_filter, patch_by_filter, schema, encryption and sharding are namespace-wide: they go
 *   to EVERY shard, even one that receives no rows, so shards never drift apart (a shard created
 *   later without the schema would infer different types).
 * - A shard with nothing to do is skipped. A request that gives no shard anything to do goes to
 *   shard 0 as-is, so an empty write is answered (or rejected) exactly as an unsharded one.
 * - copy_from_namespace / branch_from_namespace are not split: the gateway resolves their source
 *   Index and the shards layer copies shard by shard (copy-plan.ts); one that arrives here was not
 *   resolved, and unknown fields cannot be routed safely: both are a 400.
 *
 * Every id is validated and duplicates are detected before anything is sent (HEV_DUPLICATE_ID).
 */
import { HevError, invalid } from '../wire/errors.ts';
import { stringifyJson } from '../wire/json.ts';
import { canonicalIdKey, shardOf } from './hash.ts';
import { isRecord } from '../wire/guards.ts';

export type WriteBody = Record<string, unknown>;

export interface WriteSplit {
  /** One entry per shard: the body to send, or undefined when the shard is skipped. */
  readonly parts: readonly (WriteBody | undefined)[];
  /** Position of every id of the request, by canonical key (orders the merged *_ids). */
  readonly idOrder: ReadonlyMap<string, number>;
}

const ROW_OPS = ['upsert_rows', 'patch_rows'] as const;
const COLUMN_OPS = ['upsert_columns', 'patch_columns'] as const;
const CONDITIONS: Readonly<Record<string, readonly string[]>> = {
  upsert_condition: ['upsert_rows', 'upsert_columns'],
  patch_condition: ['patch_rows', 'patch_columns'],
  delete_condition: ['deletes'],
};
const BROADCAST = ['delete_by_filter', 'patch_by_filter', 'schema', 'encryption', 'sharding'];
const RIDE_ALONG = [
  'distance_metric',
  'return_affected_ids',
  'disable_backpressure',
  'delete_by_filter_allow_partial',
  'patch_by_filter_allow_partial',
];
const UNRESOLVED_SOURCES = ['copy_from_namespace', 'branch_from_namespace'];
const KNOWN = new Set<string>([
  ...ROW_OPS,
  ...COLUMN_OPS,
  'deletes',
  ...Object.keys(CONDITIONS),
  ...BROADCAST,
  ...RIDE_ALONG,
]);

function describeId(id: unknown): string {
  return typeof id === 'string' ? JSON.stringify(id) : stringifyJson(id);
}

class IdRegistry {
  readonly order = new Map<string, number>();

  /** Validates the id, rejects a duplicate, and returns its shard. */
  route(id: unknown, where: string, shardCount: number): number {
    if (id === undefined) throw invalid(`${where} has no id`);
    const key = canonicalIdKey(id);
    if (this.order.has(key)) {
      throw new HevError(
        'HEV_DUPLICATE_ID',
        `duplicate document id ${describeId(id)} in one write (${where}): an id may appear only once ` +
          'across upsert_rows, upsert_columns, patch_rows, patch_columns and deletes',
      );
    }
    this.order.set(key, this.order.size);
    return shardOf(id, shardCount);
  }
}

/** A column normalized to per-row cells, remembering how to re-encode a subset. */
interface SplitColumn {
  readonly cells: readonly unknown[];
  readonly encode: (cells: unknown[]) => unknown;
}

function splitColumn(op: string, name: string, value: unknown, rows: number): SplitColumn {
  if (Array.isArray(value)) {
    if (value.length === rows) return { cells: value, encode: (cells) => cells };
    const dims = rows === 0 ? 0 : value.length / rows;
    if (Number.isInteger(dims) && dims > 1 && value.every((v) => typeof v === 'number')) {
      // A flat array of rows × dims numbers (the SDK's flat vector column form).
      const cells = Array.from({ length: rows }, (_, i) => value.slice(i * dims, (i + 1) * dims));
      return { cells, encode: (parts) => (parts as number[][]).flat() };
    }
    throw invalid(
      `${op}.${name} has ${value.length} values but ${op}.id has ${rows}: every column needs one value per id`,
    );
  }
  if (typeof value === 'string') {
    // A whole column of little-endian float32 vectors as one base64 string.
    const bytes = Buffer.from(value, 'base64');
    const width = rows === 0 ? 0 : bytes.length / rows;
    if (!Number.isInteger(width) || width === 0 || width % 4 !== 0) {
      throw invalid(
        `${op}.${name} is a base64 column whose ${bytes.length} bytes do not divide into ${rows} float32 vectors`,
      );
    }
    const cells = Array.from({ length: rows }, (_, i) => bytes.subarray(i * width, (i + 1) * width));
    return { cells, encode: (parts) => Buffer.concat(parts as Buffer[]).toString('base64') };
  }
  throw invalid(`${op}.${name} must be an array of values (or a base64 vector column)`);
}

function splitColumns(
  op: string,
  value: unknown,
  shardCount: number,
  ids: IdRegistry,
): (WriteBody | undefined)[] {
  if (!isRecord(value)) throw invalid(`${op} must be an object mapping column names to arrays`);
  const idColumn = value.id;
  if (!Array.isArray(idColumn)) throw invalid(`${op}.id must be an array of document ids`);
  const rows = idColumn.length;
  const columns = Object.entries(value)
    .filter(([name]) => name !== 'id')
    .map(([name, col]) => [name, splitColumn(op, name, col, rows)] as const);
  const members: number[][] = Array.from({ length: shardCount }, () => []);
  idColumn.forEach((id, i) => members[ids.route(id, `${op}.id[${i}]`, shardCount)]?.push(i));
  return members.map((rowsOfShard) => {
    if (rowsOfShard.length === 0) return undefined;
    const part: WriteBody = { id: rowsOfShard.map((i) => idColumn[i]) };
    for (const [name, col] of columns) part[name] = col.encode(rowsOfShard.map((i) => col.cells[i]));
    return part;
  });
}

/** Splits a parsed write body for `shardCount` shards. Throws HevError (400) on bad input. */
export function splitWrite(request: unknown, shardCount: number): WriteSplit {
  if (!isRecord(request)) throw invalid('the write body must be a JSON object');
  for (const key of Object.keys(request)) {
    if (UNRESOLVED_SOURCES.includes(key)) {
      throw invalid(
        `${key} reached the shards without a resolved source Index: a sharded Index copies shard by shard ` +
          'from a declared Index with the same shard count (send the copy through the gateway)',
      );
    }
    if (!KNOWN.has(key))
      throw invalid(
        `unknown write field ${JSON.stringify(key)} cannot be routed to the shards of a sharded Index`,
      );
  }
  const ids = new IdRegistry();
  const ops: WriteBody[] = Array.from({ length: shardCount }, () => ({}));

  for (const op of ROW_OPS) {
    const rows = request[op];
    if (rows === undefined) continue;
    if (!Array.isArray(rows)) throw invalid(`${op} must be an array of row objects`);
    rows.forEach((row, i) => {
      if (!isRecord(row)) throw invalid(`${op}[${i}] must be an object with an id`);
      const part = ops[ids.route(row.id, `${op}[${i}]`, shardCount)] as WriteBody;
      ((part[op] ??= []) as unknown[]).push(row);
    });
  }
  for (const op of COLUMN_OPS) {
    if (request[op] === undefined) continue;
    splitColumns(op, request[op], shardCount, ids).forEach((cols, s) => {
      if (cols !== undefined) (ops[s] as WriteBody)[op] = cols;
    });
  }
  if (request.deletes !== undefined) {
    const deletes = request.deletes;
    if (!Array.isArray(deletes)) throw invalid('deletes must be an array of document ids');
    deletes.forEach((id, i) => {
      const part = ops[ids.route(id, `deletes[${i}]`, shardCount)] as WriteBody;
      ((part.deletes ??= []) as unknown[]).push(id);
    });
  }

  const broadcast = BROADCAST.some((key) => request[key] !== undefined);
  const parts: (WriteBody | undefined)[] = ops.map((own): WriteBody | undefined => {
    if (!broadcast && Object.keys(own).length === 0) return undefined;
    const part: WriteBody = { ...own };
    for (const key of [...BROADCAST, ...RIDE_ALONG]) if (request[key] !== undefined) part[key] = request[key];
    for (const [condition, targets] of Object.entries(CONDITIONS)) {
      if (request[condition] === undefined) continue;
      const opInRequest = targets.some((t) => request[t] !== undefined);
      // A condition whose operation is absent is forwarded anyway, so the store validates it.
      if (!opInRequest || targets.some((t) => part[t] !== undefined)) part[condition] = request[condition];
    }
    return part;
  });
  if (!parts.some((p) => p !== undefined)) parts[0] = { ...request };
  return { parts, idOrder: ids.order };
}
