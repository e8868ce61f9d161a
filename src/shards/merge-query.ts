/**
 * Merging the shard answers of a planned query into exactly what one unsharded namespace holding
 * all the documents would answer (pure):
 * - rows: all shard rows ordered by `$dist` (vector distances ascending, scores descending) or by
 *   the order attributes (nulls first for asc, last for desc; each compared as its type in the
 *   Index schema orders it), ties broken by id ascending (where
 *   turbopuffer's order is arbitrary anyway); then `limit.per` and `limit.total` are re-applied
 *   and the attributes added for the merge are stripped;
 * - aggregations: Count and Sum are added up;
 * - aggregation_groups: groups with the same key are added up, sorted by key, capped at the limit
 *   (exact: a key among the first `limit` keys overall is among the first `limit` of every shard);
 * - multi-query: each sub-query merged on its own;
 * - billing summed, performance combined (see combine.ts).
 */
import { combinePerformance, sumBlocks } from './combine.ts';
import type { GroupsPlan, QueryPlan, RowOrder, RowsPlan, SubQueryPlan } from './query-plan.ts';
import { isRecord } from '../wire/guards.ts';
import {
  addNumbers,
  compareDirected,
  compareValues,
  isNumeric,
  tupleKey,
  type StringOrder,
} from './values.ts';

type Row = Record<string, unknown>;

/** Attribute name → type name in the Index schema (`string`, `[]datetime`, …). */
export type AttributeTypes = ReadonlyMap<string, string>;

function stringOrderOf(types: AttributeTypes, attr: string): StringOrder {
  const type = types.get(attr);
  return type === 'datetime' || type === '[]datetime' ? 'datetime' : 'text';
}

function rowComparator(order: RowOrder, types: AttributeTypes): (a: Row, b: Row) => number {
  if (order.kind === 'dist') {
    return (a, b) => compareDirected(a.$dist, b.$dist, order.direction) || compareValues(a.id, b.id);
  }
  const keys = order.keys.map((key) => ({ ...key, strings: stringOrderOf(types, key.attr) }));
  return (a, b) => {
    for (const key of keys) {
      const c = compareDirected(a[key.attr], b[key.attr], key.direction, key.strings);
      if (c !== 0) return c;
    }
    return compareValues(a.id, b.id);
  };
}

function mergeRows(plan: RowsPlan, results: readonly Row[], types: AttributeTypes): Row[] {
  const rows = results.flatMap((r) => (Array.isArray(r.rows) ? r.rows.filter(isRecord) : []));
  rows.sort(rowComparator(plan.order, types));
  let kept = rows;
  if (plan.per !== undefined) {
    const { attributes, limit } = plan.per;
    const seen = new Map<string, number>();
    kept = rows.filter((row) => {
      const key = tupleKey(attributes.map((a) => row[a]));
      const n = seen.get(key) ?? 0;
      seen.set(key, n + 1);
      return n < limit;
    });
  }
  kept = kept.slice(0, Math.max(0, plan.total));
  if (plan.strip.length === 0) return kept;
  return kept.map((row) => {
    const copy = { ...row };
    for (const attr of plan.strip) delete copy[attr];
    return copy;
  });
}

/** Adds aggregate values; null (e.g. Sum over no rows) only when every shard says null. */
function addAggregate(prev: unknown, value: unknown): unknown {
  if (isNumeric(prev) && isNumeric(value)) return addNumbers(prev, value);
  if (isNumeric(value)) return value;
  return prev === undefined ? value : prev;
}

function mergeAggregations(labels: readonly string[], results: readonly Row[]): Row {
  const out: Row = {};
  for (const result of results) {
    if (!isRecord(result.aggregations)) continue;
    for (const [label, value] of Object.entries(result.aggregations))
      out[label] = addAggregate(out[label], value);
  }
  for (const label of labels) if (!(label in out)) out[label] = null;
  return out;
}

function mergeGroups(plan: GroupsPlan, results: readonly Row[], types: AttributeTypes): Row[] {
  const groups = new Map<string, Row>();
  for (const result of results) {
    if (!Array.isArray(result.aggregation_groups)) continue;
    for (const group of result.aggregation_groups) {
      if (!isRecord(group)) continue;
      const key = tupleKey(plan.keys.map((k) => group[k]));
      const prev = groups.get(key);
      if (prev === undefined) {
        groups.set(key, { ...group });
        continue;
      }
      for (const label of plan.labels) prev[label] = addAggregate(prev[label], group[label]);
    }
  }
  const sorted = [...groups.values()].sort((a, b) => {
    for (const k of plan.keys) {
      const c = compareValues(a[k], b[k], stringOrderOf(types, k));
      if (c !== 0) return c;
    }
    return 0;
  });
  return sorted.slice(0, Math.max(0, plan.total));
}

function mergeSub(plan: SubQueryPlan, results: readonly Row[], types: AttributeTypes): Row {
  const out: Row = {};
  if (plan.kind === 'rows') {
    if (results.some((r) => r.rows !== undefined)) out.rows = mergeRows(plan, results, types);
  } else if (plan.kind === 'aggregate') {
    out.aggregations = mergeAggregations(plan.labels, results);
  } else {
    out.aggregation_groups = mergeGroups(plan, results, types);
  }
  for (const key of ['rows', 'aggregations', 'aggregation_groups']) {
    // A shape we did not plan for (the store decides): keep the first shard's, never drop it.
    if (!(key in out)) {
      const first = results.find((r) => r[key] !== undefined);
      if (first !== undefined) out[key] = first[key];
    }
  }
  return out;
}

function withBlocks(out: Row, responses: readonly Row[]): Row {
  out.billing = sumBlocks(responses.map((r) => r.billing)) ?? {};
  const performance = combinePerformance(responses.map((r) => r.performance));
  if (performance !== undefined) out.performance = performance;
  for (const response of responses) {
    for (const [key, value] of Object.entries(response)) if (!(key in out)) out[key] = value;
  }
  return out;
}

/**
 * Merges the shard responses (one per shard that exists) of a query planned by `planQuery`;
 * `types` is the Index schema (an attribute it does not name orders its strings as text).
 */
export function mergeQueryResponses(
  plan: QueryPlan,
  responses: readonly unknown[],
  types: AttributeTypes = new Map(),
): Row {
  const bodies = responses.filter(isRecord);
  if (!plan.multi) {
    const [only] = plan.queries;
    if (only === undefined) return withBlocks({}, bodies);
    return withBlocks(mergeSub(only, bodies, types), bodies);
  }
  const results = plan.queries.map((sub, i) =>
    mergeSub(
      sub,
      bodies.map((b) => (Array.isArray(b.results) && isRecord(b.results[i]) ? b.results[i] : {})),
      types,
    ),
  );
  return withBlocks({ results }, bodies);
}
