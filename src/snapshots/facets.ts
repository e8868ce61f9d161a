/**
 * Facet counts of one Index through its dispatch (so a sharded Index is counted on every shard and
 * merged exactly by the shards layer). The grouped path asks, per field,
 * `aggregate_by {count: ["Count"]}` + `group_by [field]`, paging past turbopuffer's cap on groups
 * per answer (10,000, sorted by key) with a `[field, "Gt", last key]` filter; the null/missing
 * group is counted with `[field, "Eq", null]` when paging cut it off. Array attributes are grouped
 * with `ForEachUnique` (one group per distinct element; an empty or missing array is the null
 * group) and cannot be paged that way, so past the cap they are counted by the scan. The scan path
 * (a store that cannot group, or `mode: scan`) reads all rows through the scan engine and counts in
 * memory, every field in one pass (scan-counts.ts). Values are sorted by count descending, then value ascending;
 * the null/missing bucket is `{"value": null}`.
 */
import { compareValues } from '../shards/values.ts';
import type { Dispatch } from '../stores/operations.ts';
import { isHevError } from '../wire/errors.ts';
import { Payload } from '../wire/payload.ts';
import { scanCounts, type Tally } from './scan-counts.ts';
import type { ScanTarget } from '../scan/engine.ts';

export type CountMode = 'auto' | 'grouped' | 'scan';

export interface FacetValue {
  readonly value: unknown;
  readonly count: number;
}

export interface FacetCounts {
  readonly facets: Record<string, FacetValue[]>;
  /** Exact number of rows counted. */
  readonly rowCount: number;
  readonly method: 'grouped' | 'scan';
}

export interface CountOptions {
  readonly mode?: CountMode | undefined;
  /** Groups (or rows) per answer; turbopuffer's maximum is 10,000. */
  readonly pageSize?: number;
  readonly signal?: AbortSignal | undefined;
}

const MAX_PAGE = 10_000;
const STRONG = { level: 'strong' } as const;

/** The grouped path cannot answer this field (array past the cap); the scan can. */
class NeedsScan extends Error {}

type Query = (body: Record<string, unknown>) => Promise<Record<string, unknown>>;

function queryOf(dispatch: Dispatch, index: string, signal: AbortSignal | undefined): Query {
  return async (body) => {
    const answer = await dispatch({ op: 'query', ns: index, body: Payload.fromValue(body) }, { signal });
    return (answer.value() ?? {}) as Record<string, unknown>;
  };
}

async function countWhere(query: Query, filters: unknown[] | undefined): Promise<number> {
  const answer = await query({
    aggregate_by: { count: ['Count'] },
    consistency: STRONG,
    ...(filters === undefined ? {} : { filters }),
  });
  return Number((answer.aggregations as Record<string, unknown> | undefined)?.count ?? 0);
}

async function groupedField(query: Query, field: string, isArray: boolean, pageSize: number) {
  const label = field === 'count' ? 'count_' : 'count';
  const groupKey = isArray ? { [field]: ['ForEachUnique', field] } : field;
  const tally: Tally = new Map();
  let after: unknown;
  let pages = 0;
  for (;;) {
    const answer = await query({
      aggregate_by: { [label]: ['Count'] },
      group_by: [groupKey],
      top_k: pageSize,
      consistency: STRONG,
      ...(after === undefined ? {} : { filters: [field, 'Gt', after] }),
    });
    const groups = (answer.aggregation_groups ?? []) as Record<string, unknown>[];
    pages++;
    for (const g of groups) tally.set(g[field] ?? null, Number(g[label] ?? 0));
    if (groups.length < pageSize) break;
    if (isArray) throw new NeedsScan(`${field}: more than ${pageSize} distinct array elements`);
    const last = [...groups].reverse().find((g) => g[field] !== null && g[field] !== undefined);
    if (last === undefined) break;
    after = last[field];
  }
  if (pages > 1 && !tally.has(null)) {
    const nulls = await countWhere(query, [field, 'Eq', null]);
    if (nulls > 0) tally.set(null, nulls);
  }
  return tally;
}

/** Count descending, then value ascending; the null bucket after real values of the same count. */
export function sortFacet(tally: Tally): FacetValue[] {
  return [...tally]
    .map(([value, count]) => ({ value, count }))
    .sort((a, b) => {
      if (a.count !== b.count) return b.count - a.count;
      if (a.value === null) return b.value === null ? 0 : 1;
      if (b.value === null) return -1;
      return compareValues(a.value, b.value);
    });
}

/** `[]string` and the like (not vectors, `[N]f32`). */
function arrayFields(schema: unknown): Set<string> {
  const out = new Set<string>();
  if (typeof schema !== 'object' || schema === null) return out;
  for (const [name, config] of Object.entries(schema)) {
    const type = typeof config === 'string' ? config : (config as { type?: unknown } | null)?.type;
    if (typeof type === 'string' && type.startsWith('[]')) out.add(name);
  }
  return out;
}

/** The attribute names of a metadata schema; undefined when there is no schema to go by. */
function schemaFields(schema: unknown): Set<string> | undefined {
  return typeof schema === 'object' && schema !== null ? new Set(Object.keys(schema)) : undefined;
}

async function grouped(query: Query, fields: readonly string[], schema: unknown, pageSize: number) {
  const arrays = arrayFields(schema);
  const known = schemaFields(schema);
  const rowCount = await countWhere(query, undefined);
  const facets: Record<string, FacetValue[]> = {};
  for (const field of fields) {
    // A field no document has (not in the schema) is missing on every row.
    facets[field] =
      known !== undefined && !known.has(field)
        ? sortFacet(new Map(rowCount > 0 ? [[null, rowCount]] : []))
        : sortFacet(await groupedField(query, field, arrays.has(field), pageSize));
  }
  return { facets, rowCount, method: 'grouped' as const };
}

/** The store refused the query shape (it cannot group): a 4xx other than 404/429. */
function cannotGroup(err: unknown): boolean {
  if (err instanceof NeedsScan) return true;
  return isHevError(err) && err.status >= 400 && err.status < 500 && err.status !== 404 && err.status !== 429;
}

/**
 * Counts `fields` of the Index `index` (the name its dispatch knows). `schema` is the metadata's
 * schema (array attributes are grouped per element).
 */
export async function countFacets(
  target: ScanTarget,
  fields: readonly string[],
  schema: unknown,
  options: CountOptions = {},
): Promise<FacetCounts> {
  const pageSize = Math.min(options.pageSize ?? MAX_PAGE, MAX_PAGE);
  const query = queryOf(target.dispatch, target.entry.name, options.signal);
  const mode = options.mode ?? 'auto';
  const scan = async (): Promise<FacetCounts> => {
    const known = schemaFields(schema);
    const readable = known === undefined ? fields : fields.filter((f) => known.has(f));
    const arrays = arrayFields(schema);
    const { tallies, rows } = await scanCounts(target, fields, readable, arrays, pageSize, options.signal);
    const facets: Record<string, FacetValue[]> = {};
    for (const field of fields) facets[field] = sortFacet(tallies.get(field) ?? new Map());
    return { facets, rowCount: rows, method: 'scan' };
  };
  if (mode === 'scan') return scan();
  try {
    return await grouped(query, fields, schema, pageSize);
  } catch (err) {
    if (mode === 'auto' && cannotGroup(err)) return scan();
    throw err;
  }
}
