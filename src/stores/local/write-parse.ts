/**
 * The shape of a write request: checks every field's form and turns rows and columns into one
 * list of raw rows per operation. Types, ids and schemas are checked later (write-plan.ts),
 * still before anything is stored.
 */
import { HevError, invalid, unsupported } from '../../wire/errors.ts';
import { isDistanceMetric, type DistanceMetric } from './vectors.ts';
import { DOCUMENT_FIELDS, SOURCE_FIELDS, WRITE_OPTION_FIELDS } from '../../wire/write-fields.ts';

export interface RawRow {
  readonly id: unknown;
  /** Every key except `id`, values as sent (null kept: it means "set to null" in patches). */
  readonly attrs: ReadonlyMap<string, unknown>;
}

export interface ParsedWrite {
  readonly upserts: RawRow[] | undefined;
  readonly patches: RawRow[] | undefined;
  readonly deletes: unknown[] | undefined;
  readonly upsertCondition: unknown;
  readonly patchCondition: unknown;
  readonly deleteCondition: unknown;
  readonly deleteByFilter: { readonly filter: unknown; readonly allowPartial: boolean } | undefined;
  readonly patchByFilter:
    | {
        readonly filter: unknown;
        readonly patch: ReadonlyMap<string, unknown>;
        readonly allowPartial: boolean;
      }
    | undefined;
  readonly returnAffectedIds: boolean;
  readonly distanceMetric: DistanceMetric | undefined;
  readonly schema: Readonly<Record<string, unknown>> | undefined;
}

const KNOWN = new Set<string>([...DOCUMENT_FIELDS, ...WRITE_OPTION_FIELDS, ...SOURCE_FIELDS]);

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function flag(body: Record<string, unknown>, key: string): boolean {
  const v = body[key];
  if (v === undefined || v === null) return false;
  if (typeof v !== 'boolean') throw invalid(`\`${key}\` must be a boolean`);
  return v;
}

function rowsOf(raw: unknown, key: string): RawRow[] {
  if (!Array.isArray(raw)) throw new HevError('HEV_UNPROCESSABLE', `\`${key}\` must be an array of objects`);
  return raw.map((row, i) => {
    if (!isObject(row)) throw new HevError('HEV_UNPROCESSABLE', `\`${key}[${i}]\` must be an object`);
    const attrs = new Map(Object.entries(row));
    attrs.delete('id');
    return { id: row.id, attrs };
  });
}

function columnsOf(raw: unknown, key: string): RawRow[] {
  if (!isObject(raw)) throw new HevError('HEV_UNPROCESSABLE', `\`${key}\` must be an object of columns`);
  const ids = raw.id;
  if (!Array.isArray(ids)) throw invalid(`\`${key}\` needs an \`id\` column (an array)`);
  const columns = Object.entries(raw).filter(([name]) => name !== 'id');
  for (const [name, col] of columns) {
    if (!Array.isArray(col)) throw invalid(`column \`${name}\` of \`${key}\` must be an array`);
    if (col.length !== ids.length) {
      throw invalid(
        `column \`${name}\` of \`${key}\` has ${col.length} values but \`id\` has ${ids.length}; all columns must have the same length`,
      );
    }
  }
  return ids.map((id, i) => ({
    id,
    attrs: new Map(columns.map(([name, col]) => [name, (col as unknown[])[i]])),
  }));
}

function concat(a: RawRow[] | undefined, b: RawRow[] | undefined): RawRow[] | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return [...a, ...b];
}

export function parseWrite(body: unknown): ParsedWrite {
  if (!isObject(body)) throw new HevError('HEV_UNPROCESSABLE', 'write request body must be a JSON object');
  for (const key of Object.keys(body)) {
    if (!KNOWN.has(key)) throw invalid(`unknown field \`${key}\` in write request`);
  }
  if (body.sharding !== undefined && body.sharding !== null) throw unsupported('sharding (num_shards)');
  if (body.encryption !== undefined && body.encryption !== null) {
    const mode = isObject(body.encryption) ? body.encryption.mode : undefined;
    if (mode === 'customer-managed' || (isObject(body.encryption) && 'cmek' in body.encryption)) {
      throw unsupported('customer-managed encryption');
    }
    if (mode !== 'default' && !(isObject(body.encryption) && body.encryption.sse === true)) {
      throw invalid('`encryption` must be {"mode": "default"}');
    }
  }
  flag(body, 'disable_backpressure');
  const opt = (key: string) => (body[key] === null ? undefined : body[key]);
  const upserts = concat(
    opt('upsert_rows') === undefined ? undefined : rowsOf(body.upsert_rows, 'upsert_rows'),
    opt('upsert_columns') === undefined ? undefined : columnsOf(body.upsert_columns, 'upsert_columns'),
  );
  const patches = concat(
    opt('patch_rows') === undefined ? undefined : rowsOf(body.patch_rows, 'patch_rows'),
    opt('patch_columns') === undefined ? undefined : columnsOf(body.patch_columns, 'patch_columns'),
  );
  let deletes: unknown[] | undefined;
  if (opt('deletes') !== undefined) {
    if (!Array.isArray(body.deletes))
      throw new HevError('HEV_UNPROCESSABLE', '`deletes` must be an array of ids');
    deletes = body.deletes;
  }
  let patchByFilter: ParsedWrite['patchByFilter'];
  if (opt('patch_by_filter') !== undefined) {
    const p = body.patch_by_filter;
    if (!isObject(p) || p.filters === undefined || !isObject(p.patch)) {
      throw invalid('`patch_by_filter` must be {"filters": <filter>, "patch": {attribute: value}}');
    }
    if ('id' in p.patch) throw invalid('`patch_by_filter.patch` cannot change `id`');
    patchByFilter = {
      filter: p.filters,
      patch: new Map(Object.entries(p.patch)),
      allowPartial: flag(body, 'patch_by_filter_allow_partial'),
    };
  }
  const deleteByFilter =
    opt('delete_by_filter') === undefined
      ? undefined
      : { filter: body.delete_by_filter, allowPartial: flag(body, 'delete_by_filter_allow_partial') };
  let distanceMetric: DistanceMetric | undefined;
  if (opt('distance_metric') !== undefined) {
    if (!isDistanceMetric(body.distance_metric)) {
      throw invalid(
        `invalid distance_metric ${JSON.stringify(body.distance_metric)}: expected cosine_distance or euclidean_squared`,
      );
    }
    distanceMetric = body.distance_metric;
  }
  let schema: Record<string, unknown> | undefined;
  if (opt('schema') !== undefined) {
    if (!isObject(body.schema)) throw new HevError('HEV_UNPROCESSABLE', '`schema` must be an object');
    schema = body.schema;
  }
  for (const [key, op] of [
    ['upsert_condition', upserts],
    ['patch_condition', patches],
    ['delete_condition', deletes],
  ] as const) {
    if (opt(key) !== undefined && op === undefined)
      throw invalid(`\`${key}\` needs the matching operation in the same request`);
  }
  return {
    upserts,
    patches,
    deletes,
    upsertCondition: opt('upsert_condition'),
    patchCondition: opt('patch_condition'),
    deleteCondition: opt('delete_condition'),
    deleteByFilter,
    patchByFilter,
    returnAffectedIds: flag(body, 'return_affected_ids'),
    distanceMetric,
    schema,
  };
}

export function hasOperations(w: ParsedWrite): boolean {
  return (
    w.upserts !== undefined ||
    w.patches !== undefined ||
    w.deletes !== undefined ||
    w.deleteByFilter !== undefined ||
    w.patchByFilter !== undefined
  );
}
