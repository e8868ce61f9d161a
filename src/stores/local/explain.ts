/**
 * `POST /v2/namespaces/:ns/explain_query` on the local engine: the plan it executes for a query,
 * as text. The query is run first, through the same code as `/query`, so an explain is validated
 * exactly as the query (a bad query is the same 400) and the plan ends with the real counts of that
 * execution (documents examined, rows or groups returned), like SQL's EXPLAIN ANALYZE. The
 * engine has one kind of plan per query shape: every vector search is an exhaustive scan (ANN is
 * exact), BM25 reads the attribute's inverted index, filters are evaluated per document.
 */
import { stringifyJson } from '../../wire/json.ts';
import { isRecord } from '../../wire/guards.ts';
import type { EngineContext } from './engine-context.ts';
import type { NsState } from './namespace-cache.ts';
import { executeQuery } from './query.ts';

const DEFAULT_TOP_K = 10;
/** rank_by heads that take clauses or operands rather than an attribute name. */
const FUNCTIONS = new Set([
  'Sum',
  'Max',
  'Product',
  'Attribute',
  'Saturate',
  'Decay',
  'Dist',
  'Not',
  'And',
  'Or',
]);

export function explainQuery(ctx: EngineContext, ns: string, body: unknown): { plan_text: string } {
  const answer = executeQuery(ctx, ns, body);
  const { state } = ctx.namespaces.load(ns);
  const queries: unknown[] = isRecord(body) && Array.isArray(body.queries) ? body.queries : [body];
  const results: unknown[] = Array.isArray(answer.results) ? answer.results : [answer];
  const lines = [
    `local engine plan for namespace ${JSON.stringify(ns)}: ${state.table.size} documents in memory, read at the latest committed write`,
  ];
  queries.forEach((q, i) => {
    lines.push(queries.length > 1 ? `query ${i + 1} of ${queries.length}:` : 'query:');
    for (const step of describeQuery(q as Record<string, unknown>, state)) lines.push(`  ${step}`);
    lines.push(`  returned: ${describeResult(results[i])}`);
  });
  const examined = isRecord(answer.performance) ? answer.performance.exhaustive_search_count : undefined;
  lines.push(`executed: ${String(examined)} documents examined in total`);
  return { plan_text: lines.join('\n') };
}

function describeQuery(q: Record<string, unknown>, state: NsState): string[] {
  const steps: string[] = [];
  const hasFilter = q.filters !== undefined && q.filters !== null;
  const scope = hasFilter
    ? `the documents matching filter ${compact(q.filters)} (evaluated on each document)`
    : `all ${state.table.size} documents`;
  if (q.aggregate_by !== undefined && q.aggregate_by !== null) {
    const aggregates = Object.entries(q.aggregate_by as Record<string, unknown>)
      .map(([name, fn]) => `${name} = ${compact(fn)}`)
      .join(', ');
    steps.push(`aggregate ${aggregates} in one pass over ${scope}`);
    if (q.group_by !== undefined && q.group_by !== null) {
      steps.push(`group by ${compact(q.group_by)}, groups sorted by key, ${limitText(q, 'groups', 10_000)}`);
    }
    return steps;
  }
  steps.push(...describeRank(q.rank_by, state, scope));
  steps.push(limitText(q, 'rows', DEFAULT_TOP_K));
  steps.push(projectionText(q));
  return steps;
}

function describeRank(rankBy: unknown, state: NsState, scope: string): string[] {
  if (!Array.isArray(rankBy)) return [`scan ${scope}`, 'order by id asc (no rank_by)'];
  const [first, second] = rankBy as unknown[];
  if (second === 'ANN' || second === 'kNN') {
    const attr = String(first);
    const dims = state.schema.attrs.get(attr)?.type.vector?.dims;
    const metric = state.schema.distanceMetric ?? 'cosine_distance';
    return [
      `exhaustive vector scan of ${JSON.stringify(attr)} (${String(dims)} dims, ${metric}) over ${scope}` +
        (second === 'ANN' ? '; ANN is exact here: the engine has no approximate index' : ''),
      'order by $dist asc, ties by id asc',
    ];
  }
  if (Array.isArray(first) || second === 'asc' || second === 'desc') {
    const keys = (Array.isArray(first) ? rankBy : [rankBy]) as unknown[][];
    const order = keys.map((k) => `${String(k[0])} ${String(k[1])}`).join(', ');
    const ties = keys.some((k) => k[0] === 'id') ? '' : ', ties by id asc';
    return [`scan ${scope}`, `order by ${order}${ties}`];
  }
  return [
    `score ${scope} by ${expression(rankBy)}`,
    'drop documents scoring 0; order by score desc ($dist), ties by id asc',
  ];
}

/** A rank_by expression in words: functions as calls, BM25 naming the inverted index it reads. */
function expression(raw: unknown): string {
  if (!Array.isArray(raw)) return compact(raw);
  const [head, second, ...rest] = raw as unknown[];
  if (typeof head === 'string' && FUNCTIONS.has(head)) {
    const args = [second, ...rest].flatMap((a) =>
      Array.isArray(a) && (head === 'Sum' || head === 'Max') && a.every(Array.isArray) ? a : [a],
    );
    return `${head}(${args.map(expression).join(', ')})`;
  }
  if (typeof head === 'string' && second === 'BM25') {
    return `BM25(${head}, ${compact(rest[0])}) via the full-text index of ${JSON.stringify(head)}`;
  }
  if (typeof head === 'string' && typeof second === 'string') {
    return `filter ${compact(raw)} (1 when matching)`;
  }
  return compact(raw);
}

function limitText(q: Record<string, unknown>, what: string, fallback: number): string {
  const limit = q.top_k ?? q.limit;
  if (limit === undefined || limit === null) return `keep the first ${fallback} ${what} (default limit)`;
  if (isRecord(limit)) {
    const per = isRecord(limit.per)
      ? `, at most ${compact(limit.per.limit)} per ${compact(limit.per.attributes)}`
      : '';
    return `keep the first ${compact(limit.total)} ${what}${per}`;
  }
  return `keep the first ${compact(limit)} ${what}`;
}

function projectionText(q: Record<string, unknown>): string {
  if (q.exclude_attributes !== undefined && q.exclude_attributes !== null) {
    return `return id and every attribute except ${compact(q.exclude_attributes)}`;
  }
  const include = q.include_attributes;
  if (include === true) return 'return id and every attribute';
  if (Array.isArray(include)) return `return id and ${compact(include)}`;
  return 'return id only';
}

function describeResult(result: unknown): string {
  if (!isRecord(result)) return 'nothing';
  if (Array.isArray(result.rows)) return `${result.rows.length} rows`;
  if (Array.isArray(result.aggregation_groups)) return `${result.aggregation_groups.length} groups`;
  if (isRecord(result.aggregations)) return `aggregations ${compact(result.aggregations)}`;
  return 'nothing';
}

function compact(value: unknown): string {
  const text = stringifyJson(value);
  return text.length > 200 ? `${text.slice(0, 197)}...` : text;
}
