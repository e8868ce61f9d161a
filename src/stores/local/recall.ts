/**
 * `POST /v1/namespaces/:ns/_debug/recall` on the local engine, computed for real: query vectors
 * are sampled from the namespace's own documents (or given in `queries`/`rank_by`), each is run
 * through the engine's ANN search (the `/query` code path) and, independently, through a plain
 * reference scan of every document (the exhaustive ground truth), and recall is the share of the
 * ground truth's ids that the ANN search returned. The engine's ANN is an exact scan, so 1.0 is
 * the expected figure — but it is measured, not assumed: a search bug shows up as recall < 1.
 *
 * Rules where turbopuffer documents none: a query whose ground truth is empty (a filter nothing
 * matches) has recall 1; with fewer documents than `num`, sampled documents repeat so that exactly
 * `num` queries run (a sharded Index then averages shards with equal weights).
 */
import { invalid, unsupported } from '../../wire/errors.ts';
import { isRecord } from '../../wire/guards.ts';
import { stringifyJson } from '../../wire/json.ts';
import type { EngineContext } from './engine-context.ts';
import { compileFilter } from './filters.ts';
import { compareIds, type DocId } from './ids.ts';
import type { NsState } from './namespace-cache.ts';
import { renderRows } from './projection.ts';
import { MAX_LIMIT, runQuery } from './query.ts';
import { tableSource } from './sources.ts';
import { describeValue } from './values.ts';
import { distanceAt, norm, parseVector } from './vectors.ts';

const DEFAULT_NUM = 25;
const MAX_NUM = 1000;
const DEFAULT_TOP_K = 10;
const FIELDS = new Set(['num', 'top_k', 'filters', 'include_ground_truth', 'rank_by', 'queries']);

export interface RecallRequest {
  readonly attr: string;
  readonly topK: number;
  readonly filters: unknown;
  readonly groundTruth: boolean;
  /** Explicit query vectors, or the number to sample. */
  readonly queries: readonly Float32Array[] | number;
}

function positive(raw: unknown, what: string, fallback: number, max: number): number {
  if (raw === undefined || raw === null) return fallback;
  if (typeof raw !== 'number' || !Number.isInteger(raw) || raw < 1 || raw > max) {
    throw invalid(`${what} must be an integer between 1 and ${max}, got ${describeValue(raw)}`);
  }
  return raw;
}

/** The vector attribute searched: `rank_by`'s, else `vector`, else the only vector attribute. */
function vectorAttribute(state: NsState, named: unknown): string {
  const vectors = [...state.schema.attrs].filter(([, a]) => a.type.vector !== undefined).map(([n]) => n);
  if (named !== undefined) {
    if (typeof named !== 'string' || !vectors.includes(named)) {
      throw invalid(`recall rank_by: ${describeValue(named)} is not a vector attribute of this namespace`);
    }
    return named;
  }
  if (vectors.includes('vector')) return 'vector';
  if (vectors.length === 1) return vectors[0] as string;
  if (vectors.length === 0) throw invalid('recall needs a vector attribute; this namespace has none');
  throw invalid(
    `recall: this namespace has several vector attributes (${vectors.join(', ')}); name one in rank_by`,
  );
}

export function parseRecall(body: unknown, state: NsState): RecallRequest {
  if (!isRecord(body)) throw invalid(`recall body must be a JSON object, got ${describeValue(body)}`);
  for (const key of Object.keys(body)) {
    if (!FIELDS.has(key)) throw invalid(`unknown field \`${key}\` in recall request`);
  }
  if (body.include_ground_truth !== undefined && typeof body.include_ground_truth !== 'boolean') {
    throw invalid(`include_ground_truth must be a boolean, got ${describeValue(body.include_ground_truth)}`);
  }
  const topK = positive(body.top_k, 'top_k', DEFAULT_TOP_K, MAX_LIMIT);
  const num = positive(body.num, 'num', DEFAULT_NUM, MAX_NUM);
  const base = { topK, filters: body.filters, groundTruth: body.include_ground_truth === true };
  const rankBy = body.rank_by;
  if (rankBy !== undefined && rankBy !== null) {
    if (body.num !== undefined && body.num !== null && body.num !== 1) {
      throw invalid(`num must be null or 1 when rank_by is given, got ${describeValue(body.num)}`);
    }
    if (body.queries !== undefined) throw invalid('give either rank_by or queries, not both');
    if (!Array.isArray(rankBy) || (rankBy[1] !== 'ANN' && rankBy[1] !== 'kNN') || rankBy.length !== 3) {
      throw unsupported(
        `recall of rank_by ${describeValue(rankBy)} (recall is measured for vector search, [attr, "ANN", vector])`,
      );
    }
    const attr = vectorAttribute(state, rankBy[0]);
    return { ...base, attr, queries: [queryVector(rankBy[2], attr, state)] };
  }
  const attr = vectorAttribute(state, undefined);
  if (body.queries === undefined || body.queries === null) return { ...base, attr, queries: num };
  if (!Array.isArray(body.queries) || body.queries.length === 0 || body.queries.length > MAX_NUM) {
    throw invalid(`queries must be a list of 1 to ${MAX_NUM} query vectors`);
  }
  return { ...base, attr, queries: body.queries.map((q) => queryVector(q, attr, state)) };
}

function queryVector(raw: unknown, attr: string, state: NsState): Float32Array {
  const dims = state.schema.attrs.get(attr)?.type.vector?.dims;
  return parseVector(raw, attr, dims, 'f32');
}

/** `n` vectors of distinct random documents (repeating only when there are fewer than `n`). */
function sampleVectors(state: NsState, attr: string, n: number): Float32Array[] {
  const table = state.table;
  const col = table.vectors.get(attr);
  const live: number[] = [];
  for (let s = 0; s < table.capacity; s++) if (table.ids[s] !== undefined) live.push(s);
  if (col === undefined || live.length === 0) {
    throw invalid("recall samples its queries from the namespace's documents, and this namespace has none");
  }
  const out: Float32Array[] = [];
  for (let i = 0; i < n; i++) {
    const round = i % live.length;
    if (round === 0) shuffle(live);
    out.push(col.get(live[round] as number));
  }
  return out;
}

function shuffle(slots: number[]): void {
  for (let i = slots.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [slots[i], slots[j]] = [slots[j] as number, slots[i] as number];
  }
}

/** The reference: every live document passing the filter, by exact distance, ties by id. */
function exhaustive(
  state: NsState,
  req: RecallRequest,
  q: Float32Array,
): { slots: number[]; dist: Float64Array } {
  const table = state.table;
  const col = table.vectors.get(req.attr);
  const dist = new Float64Array(table.capacity);
  const pred =
    req.filters === undefined || req.filters === null
      ? undefined
      : compileFilter(req.filters, tableSource(table, state.schema));
  const metric = state.schema.distanceMetric ?? 'cosine_distance';
  const qNorm = norm(q);
  const slots: number[] = [];
  for (let s = 0; s < table.capacity; s++) {
    if (table.ids[s] === undefined || (pred !== undefined && !pred(s))) continue;
    dist[s] =
      col === undefined ? 1 : distanceAt(metric, col.data, s * col.dims, q, col.norms[s] as number, qNorm);
    slots.push(s);
  }
  const byId = (a: number, b: number) => compareIds(table.ids[a] as DocId, table.ids[b] as DocId);
  slots.sort((a, b) => (dist[a] as number) - (dist[b] as number) || byId(a, b));
  return { slots: slots.slice(0, req.topK), dist };
}

/** The ANN search whose recall is measured: rows (`id` first) of the top_k for one query vector. */
export type AnnSearch = (
  state: NsState,
  req: RecallRequest,
  query: Float32Array,
) => readonly Record<string, unknown>[];

/** The engine's own ANN search: the `/query` code path with `[attr, "ANN", vector]`. */
export const engineAnn: AnnSearch = (state, req, query) =>
  runQuery(
    state,
    {
      rank_by: [req.attr, 'ANN', Array.from(query)],
      top_k: req.topK,
      ...(req.filters === undefined ? {} : { filters: req.filters }),
    },
    'float',
  ).body.rows as Record<string, unknown>[];

export function executeRecall(
  ctx: EngineContext,
  ns: string,
  body: unknown,
  search: AnnSearch = engineAnn,
): Record<string, unknown> {
  const { state } = ctx.namespaces.load(ns);
  const req = parseRecall(body, state);
  const queries = typeof req.queries === 'number' ? sampleVectors(state, req.attr, req.queries) : req.queries;
  let recall = 0;
  let annCount = 0;
  let exhaustiveCount = 0;
  const groundTruth: Record<string, unknown>[] = [];
  for (const q of queries) {
    const ann = search(state, req, q);
    const truth = exhaustive(state, req, q);
    const truthRows = renderRows(
      truth.slots,
      state.table,
      { attrs: req.groundTruth ? [req.attr] : [], explicit: req.groundTruth },
      (s) => truth.dist[s] as number,
      'float',
    ).rows;
    const annIds = new Set(ann.map((row) => stringifyJson(row.id)));
    const found = truthRows.filter((row) => annIds.has(stringifyJson(row.id))).length;
    recall += truthRows.length === 0 ? 1 : found / truthRows.length;
    annCount += ann.length;
    exhaustiveCount += truthRows.length;
    if (req.groundTruth) groundTruth.push({ query_vector: Array.from(q), nearest_neighbors: truthRows });
  }
  const n = queries.length;
  return {
    avg_recall: recall / n,
    avg_exhaustive_count: exhaustiveCount / n,
    avg_ann_count: annCount / n,
    ...(req.groundTruth ? { ground_truth: groundTruth } : {}),
  };
}
