/**
 * Queries and multi-queries over one namespace. All sub-queries of a multi-query run
 * synchronously against the same in-memory table, so they read one snapshot. A query with
 * neither rank_by nor aggregate_by returns documents in id order (like ["id", "asc"]).
 */
import { HevError, invalid, unsupported } from '../../wire/errors.ts';
import { parseAggregate, runAggregate } from './aggregate.ts';
import type { EngineContext } from './engine-context.ts';
import { compileFilter, type Predicate } from './filters.ts';
import { parseProjection, renderRows } from './projection.ts';
import type { NsState } from './namespace-cache.ts';
import { parseRankBy, rank, type RankPlan, type Ranked } from './rank.ts';
import { tableSource } from './sources.ts';
import { NumericTopK, TopK } from './topk.ts';
import { describeValue } from './values.ts';

export const MAX_LIMIT = 10_000;
const DEFAULT_TOP_K = 10;
const MAX_SUB_QUERIES = 16;

const QUERY_KEYS = new Set([
  'rank_by',
  'top_k',
  'limit',
  'filters',
  'include_attributes',
  'exclude_attributes',
  'aggregate_by',
  'group_by',
  'consistency',
  'vector_encoding',
  'distance_metric',
]);
const UNSUPPORTED_KEYS: Record<string, string> = {
  compute_attributes: 'compute_attributes',
  rerank_by: 'rerank_by',
  highlight: 'Highlight',
  highlights: 'Highlight',
  explain: 'explain',
};

interface Limit {
  readonly total: number;
  readonly per: { readonly attributes: readonly string[]; readonly limit: number } | undefined;
}

type Encoding = 'float' | 'base64';

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function count(raw: unknown, what: string, max: number): number {
  if (typeof raw !== 'number' || !Number.isInteger(raw) || raw < 0 || raw > max) {
    throw invalid(`${what} must be an integer between 0 and ${max}, got ${describeValue(raw)}`);
  }
  return raw;
}

function parseLimit(q: Record<string, unknown>, fallback: number, state: NsState): Limit {
  if (q.top_k !== undefined && q.limit !== undefined)
    throw invalid('specify either top_k or limit, not both');
  if (q.top_k !== undefined) return { total: count(q.top_k, 'top_k', MAX_LIMIT), per: undefined };
  const l = q.limit;
  if (l === undefined || l === null) return { total: fallback, per: undefined };
  if (typeof l === 'number') return { total: count(l, 'limit', MAX_LIMIT), per: undefined };
  if (!isObject(l)) throw invalid('limit must be a number or {"total": n, "per": {...}}');
  const total = count(l.total, 'limit.total', MAX_LIMIT);
  if (l.per === undefined || l.per === null) return { total, per: undefined };
  const per = l.per;
  if (!isObject(per) || !Array.isArray(per.attributes) || per.attributes.length === 0) {
    throw invalid('limit.per must be {"attributes": [names], "limit": n}');
  }
  for (const a of per.attributes) {
    if (typeof a !== 'string' || (a !== 'id' && !state.schema.attrs.has(a))) {
      throw invalid(`limit.per: unknown attribute ${describeValue(a)}`);
    }
  }
  return {
    total,
    per: { attributes: per.attributes as string[], limit: count(per.limit, 'limit.per.limit', MAX_LIMIT) },
  };
}

function checkConsistency(raw: unknown): void {
  if (raw === undefined || raw === null) return;
  if (!isObject(raw) || (raw.level !== 'strong' && raw.level !== 'eventual')) {
    throw invalid('consistency must be {"level": "strong"} or {"level": "eventual"}');
  }
}

function parseEncoding(raw: unknown): Encoding {
  if (raw === undefined || raw === null || raw === 'float') return 'float';
  if (raw === 'base64') return 'base64';
  throw invalid(`vector_encoding must be "float" or "base64", got ${describeValue(raw)}`);
}

export interface SubResult {
  readonly body: Record<string, unknown>;
  readonly scanned: number;
  readonly returnedBytes: number;
}

function select(ranked: Ranked, limit: Limit, state: NsState): number[] {
  const { candidates, before } = ranked;
  if (limit.per === undefined) {
    if (ranked.key !== undefined) {
      const { values, dir, tie } = ranked.key;
      const top = new NumericTopK(limit.total, dir, tie);
      for (const s of candidates) top.offer(s, values[s] as number);
      return top.sorted();
    }
    const top = new TopK(limit.total, before);
    for (const s of candidates) top.offer(s);
    return top.sorted();
  }
  const table = state.table;
  const cols = limit.per.attributes.map((a) => (a === 'id' ? undefined : table.columns.get(a)));
  const seen = new Map<string, number>();
  const out: number[] = [];
  for (const s of candidates.slice().sort(before)) {
    if (out.length >= limit.total) break;
    const key = JSON.stringify(
      cols.map((c, i) => String(limit.per?.attributes[i] === 'id' ? table.ids[s] : c?.[s])),
    );
    const n = seen.get(key) ?? 0;
    if (n >= limit.per.limit) continue;
    seen.set(key, n + 1);
    out.push(s);
  }
  return out;
}

export function runQuery(state: NsState, q: Record<string, unknown>, encoding: Encoding): SubResult {
  for (const key of Object.keys(q)) {
    const feature = UNSUPPORTED_KEYS[key];
    if (feature !== undefined) throw unsupported(feature);
    if (!QUERY_KEYS.has(key)) throw invalid(`unknown field \`${key}\` in query`);
  }
  if (
    q.distance_metric !== undefined &&
    q.distance_metric !== null &&
    q.distance_metric !== state.schema.distanceMetric
  ) {
    throw invalid(
      `distance_metric ${describeValue(q.distance_metric)} does not match this namespace's ${state.schema.distanceMetric ?? 'none'}`,
    );
  }
  const table = state.table;
  const source = tableSource(table, state.schema);
  const hasFilter = q.filters !== undefined && q.filters !== null;
  const pred: Predicate | undefined = hasFilter ? compileFilter(q.filters, source) : undefined;
  if (q.aggregate_by !== undefined && q.aggregate_by !== null) {
    if (q.rank_by !== undefined && q.rank_by !== null)
      throw invalid('aggregate_by cannot be combined with rank_by');
    if (
      q.include_attributes !== undefined &&
      q.include_attributes !== false &&
      q.include_attributes !== null
    ) {
      throw invalid('aggregate_by cannot be combined with include_attributes');
    }
    const plan = parseAggregate(q.aggregate_by, q.group_by, state.schema);
    const limit = parseLimit(q, MAX_LIMIT, state);
    const out = runAggregate(plan, table, pred, limit.total);
    const { scanned, ...body } = out;
    return {
      body,
      scanned,
      returnedBytes: JSON.stringify(body, (_k, v: unknown) => (typeof v === 'bigint' ? 0 : v)).length,
    };
  }
  if (q.group_by !== undefined && q.group_by !== null) throw invalid('group_by needs aggregate_by');
  const plan: RankPlan | undefined =
    q.rank_by === undefined || q.rank_by === null ? undefined : parseRankBy(q.rank_by, source);
  if (plan?.kind === 'vector' && plan.exact && !hasFilter) {
    throw invalid('kNN requires filters; use ANN for unfiltered vector search');
  }
  const projection = parseProjection(q.include_attributes, q.exclude_attributes, state.schema);
  const limit = parseLimit(q, DEFAULT_TOP_K, state);
  const ranked = rank(plan, table, pred, state.schema.distanceMetric);
  const slots = select(ranked, limit, state);
  const rendered = renderRows(slots, table, projection, ranked.dist, encoding);
  return { body: { rows: rendered.rows }, scanned: ranked.scanned, returnedBytes: rendered.bytes };
}

export function executeQuery(ctx: EngineContext, ns: string, body: unknown): Record<string, unknown> {
  const started = performance.now();
  if (!isObject(body)) throw new HevError('HEV_UNPROCESSABLE', 'query body must be a JSON object');
  const { state, hot } = ctx.namespaces.load(ns);
  const execStarted = performance.now();
  let results: SubResult[];
  let multi = false;
  if (body.queries !== undefined) {
    multi = true;
    const queries = body.queries;
    for (const key of Object.keys(body)) {
      if (key === 'rerank_by') throw unsupported('rerank_by');
      if (key !== 'queries' && key !== 'consistency' && key !== 'vector_encoding') {
        throw invalid(`\`${key}\` cannot be combined with \`queries\`; put it in each sub-query`);
      }
    }
    if (!Array.isArray(queries) || queries.length === 0 || queries.length > MAX_SUB_QUERIES) {
      throw invalid(`queries must be an array of 1 to ${MAX_SUB_QUERIES} queries`);
    }
    checkConsistency(body.consistency);
    const encoding = parseEncoding(body.vector_encoding);
    results = queries.map((q, i) => {
      if (!isObject(q)) throw invalid(`queries[${i}] must be an object`);
      if (q.consistency !== undefined || q.vector_encoding !== undefined) {
        throw invalid(
          `queries[${i}]: consistency and vector_encoding are only allowed at the root of a multi-query`,
        );
      }
      return runQuery(state, q, encoding);
    });
  } else {
    const { consistency, vector_encoding, ...rest } = body;
    checkConsistency(consistency);
    results = [runQuery(state, rest, parseEncoding(vector_encoding))];
  }
  const now = performance.now();
  const scanned = results.reduce((n, r) => n + r.scanned, 0);
  const returned = results.reduce((n, r) => n + r.returnedBytes, 0);
  const tail = {
    billing: {
      billable_logical_bytes_queried: state.table.logicalBytes * results.length,
      billable_logical_bytes_returned: returned,
    },
    performance: {
      cache_hit_ratio: hot ? 1 : 0,
      cache_temperature: hot ? 'hot' : 'cold',
      server_total_ms: round(now - started),
      query_execution_ms: round(now - execStarted),
      exhaustive_search_count: scanned,
      approx_namespace_size: state.table.size,
    },
  };
  if (multi) return { results: results.map((r) => r.body), ...tail };
  return { ...(results[0] as SubResult).body, ...tail };
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
