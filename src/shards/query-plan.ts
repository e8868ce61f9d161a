/**
 * How a query against a sharded Index is asked of each shard, and how the answers must be merged
 * (pure). Every shard gets the same request: the user's limit unchanged (any shard may hold the
 * whole top), plus whatever attributes the merge needs to order rows or re-apply `limit.per`;
 * those extra attributes are stripped again after the merge.
 */
import { invalid, unsupported } from '../wire/errors.ts';
import { isRecord } from '../wire/guards.ts';
import type { Direction } from './values.ts';

/**
 * What a shard applies when a query names no `top_k`/`limit`, so the merge caps the same way:
 * 10 rows for ranked queries, and every group (up to the 10,000 maximum) for group_by. These are
 * the local engine's defaults; turbopuffer documents neither (see docs/adr/sharding.md).
 */
export const DEFAULT_QUERY_LIMIT = 10;
export const DEFAULT_GROUP_LIMIT = 10_000;

export interface OrderKey {
  readonly attr: string;
  readonly direction: Direction;
}

export type RowOrder =
  /** By `$dist`: ascending for vector distances, descending for scores (BM25 and friends). */
  | { readonly kind: 'dist'; readonly direction: Direction }
  | { readonly kind: 'attributes'; readonly keys: readonly OrderKey[] };

export interface PerLimit {
  readonly attributes: readonly string[];
  readonly limit: number;
}

export interface RowsPlan {
  readonly kind: 'rows';
  readonly order: RowOrder;
  readonly total: number;
  readonly per: PerLimit | undefined;
  /** Attributes added to the shard request only for the merge; removed from merged rows. */
  readonly strip: readonly string[];
}

export interface AggregatePlan {
  readonly kind: 'aggregate';
  readonly labels: readonly string[];
}

export interface GroupsPlan {
  readonly kind: 'groups';
  readonly labels: readonly string[];
  /** Output names of the group key, in group_by order. */
  readonly keys: readonly string[];
  readonly total: number;
}

export type SubQueryPlan = RowsPlan | AggregatePlan | GroupsPlan;

export interface QueryPlan {
  readonly multi: boolean;
  readonly queries: readonly SubQueryPlan[];
}

export interface PlannedQuery {
  /** The body every shard receives. */
  readonly shardRequest: Record<string, unknown>;
  readonly plan: QueryPlan;
}

const isDirection = (v: unknown): v is Direction => v === 'asc' || v === 'desc';

function isOrderPair(v: unknown): v is [string, Direction] {
  return Array.isArray(v) && v.length === 2 && typeof v[0] === 'string' && isDirection(v[1]);
}

/** Classifies rank_by; anything unrecognized is treated as a score (the store validates it). */
export function rowOrderOf(rankBy: unknown): RowOrder {
  if (rankBy === undefined) return { kind: 'attributes', keys: [{ attr: 'id', direction: 'asc' }] };
  if (isOrderPair(rankBy)) return { kind: 'attributes', keys: [{ attr: rankBy[0], direction: rankBy[1] }] };
  if (Array.isArray(rankBy) && rankBy.length > 0 && rankBy.every(isOrderPair)) {
    return { kind: 'attributes', keys: rankBy.map(([attr, direction]) => ({ attr, direction })) };
  }
  if (Array.isArray(rankBy) && (rankBy[1] === 'ANN' || rankBy[1] === 'kNN'))
    return { kind: 'dist', direction: 'asc' };
  // BM25, SparseKNN (dot product), Sum/Max/Product/Saturate/Decay/Dist/Attribute and
  // filters-as-clauses: a score, higher first.
  return { kind: 'dist', direction: 'desc' };
}

function totalOf(query: Record<string, unknown>, fallback: number): number {
  const { top_k: topK, limit } = query;
  if (typeof topK === 'number') return topK;
  if (typeof limit === 'number') return limit;
  if (isRecord(limit) && typeof limit.total === 'number') return limit.total;
  return fallback;
}

function perOf(query: Record<string, unknown>): PerLimit | undefined {
  const limit = query.limit;
  if (!isRecord(limit) || !isRecord(limit.per)) return undefined;
  const { attributes, limit: perLimit } = limit.per;
  if (
    !Array.isArray(attributes) ||
    !attributes.every((a) => typeof a === 'string') ||
    typeof perLimit !== 'number'
  ) {
    return undefined; // malformed: every shard rejects it the same way
  }
  return { attributes, limit: perLimit };
}

/** Adds `needed` to the projection of a shard request; returns what to strip afterwards. */
function withAttributes(query: Record<string, unknown>, needed: readonly string[]): string[] {
  const { include_attributes: include, exclude_attributes: exclude } = query;
  if (needed.length === 0 || include === true) return [];
  if (include !== undefined && exclude !== undefined) return []; // invalid: the store says so
  if (Array.isArray(exclude)) {
    const strip = needed.filter((a) => exclude.includes(a));
    query.exclude_attributes = exclude.filter((a) => !strip.includes(a as string));
    return strip;
  }
  if (Array.isArray(include)) {
    const strip = needed.filter((a) => !include.includes(a));
    query.include_attributes = [...include, ...strip];
    return strip;
  }
  if (include === undefined || include === false) {
    query.include_attributes = [...needed];
    return [...needed];
  }
  return [];
}

function labelsOf(aggregateBy: unknown): string[] {
  if (!isRecord(aggregateBy)) throw invalid('aggregate_by must be an object mapping labels to functions');
  for (const [label, fn] of Object.entries(aggregateBy)) {
    const name = Array.isArray(fn) ? fn[0] : undefined;
    // Count, Count(attr) and Sum merge by addition; anything else cannot be merged exactly.
    if (name !== 'Count' && name !== 'Sum') {
      throw unsupported(
        `aggregate function ${JSON.stringify(name ?? fn)} (label ${JSON.stringify(label)}) on a sharded Index`,
      );
    }
  }
  return Object.keys(aggregateBy);
}

function groupKeysOf(groupBy: unknown): string[] {
  if (!Array.isArray(groupBy)) throw invalid('group_by must be an array of attribute names');
  return groupBy.flatMap((g): string[] => (typeof g === 'string' ? [g] : isRecord(g) ? Object.keys(g) : []));
}

/** Plans one (sub-)query; `query` is a fresh copy that is rewritten in place for the shards. */
function planOne(query: Record<string, unknown>): SubQueryPlan {
  if (query.aggregate_by !== undefined) {
    const labels = labelsOf(query.aggregate_by);
    if (query.group_by === undefined) return { kind: 'aggregate', labels };
    return {
      kind: 'groups',
      labels,
      keys: groupKeysOf(query.group_by),
      total: totalOf(query, DEFAULT_GROUP_LIMIT),
    };
  }
  const order = rowOrderOf(query.rank_by);
  const per = perOf(query);
  const needed = new Set<string>();
  if (order.kind === 'attributes') for (const k of order.keys) needed.add(k.attr);
  for (const a of per?.attributes ?? []) needed.add(a);
  needed.delete('id');
  const strip = withAttributes(query, [...needed]);
  return { kind: 'rows', order, total: totalOf(query, DEFAULT_QUERY_LIMIT), per, strip };
}

/** The attributes a merge orders by (row order keys and group keys): their types matter. */
export function orderedAttributes(plan: QueryPlan): string[] {
  return plan.queries.flatMap((sub) => {
    if (sub.kind === 'groups') return [...sub.keys];
    if (sub.kind === 'rows' && sub.order.kind === 'attributes') return sub.order.keys.map((k) => k.attr);
    return [];
  });
}

/** Plans a query or multi-query body. Throws HevError (400) for what cannot be merged exactly. */
export function planQuery(request: unknown): PlannedQuery {
  if (!isRecord(request)) throw invalid('the query body must be a JSON object');
  const shardRequest: Record<string, unknown> = { ...request };
  if (request.queries === undefined)
    return { shardRequest, plan: { multi: false, queries: [planOne(shardRequest)] } };
  if (!Array.isArray(request.queries) || !request.queries.every(isRecord)) {
    throw invalid('queries must be an array of query objects');
  }
  if (request.rerank_by !== undefined) unsupportedRerank();
  const subs = request.queries.map((q) => ({ ...q }));
  shardRequest.queries = subs;
  return { shardRequest, plan: { multi: true, queries: subs.map(planOne) } };
}

function unsupportedRerank(): never {
  throw unsupported('rerank_by on a sharded Index (fuse the sub-query results client-side)');
}
