/**
 * rank_by: parsing into a plan and executing it over a table. Vector ranking (ANN and kNN) is an
 * exact scan, so ANN recall is 100%. Scores: BM25 (higher first), the Sum/Max/Product
 * combinators and filters as clauses (1 when matching); documents scoring 0 are dropped. Order by
 * one or several attributes puts nulls first ascending and last descending. Ties are broken by
 * id ascending so results are deterministic.
 */
import { invalid, unsupported } from '../../wire/errors.ts';
import { compileFilter, parseLastAsPrefix, type FilterSource, type Predicate } from './filters.ts';
import { compareIds, type DocId } from './ids.ts';
import type { Table } from './table.ts';
import { tokenizeQuery } from './tokenizer.ts';
import { compareScalars, describeValue } from './values.ts';
import { norm, parseVector, type DistanceMetric } from './vectors.ts';
import type { Scores } from './bm25.ts';
import type { VectorColumn } from './table.ts';

export type Clause =
  | { readonly t: 'bm25'; readonly attr: string; readonly tokens: string[]; readonly lastAsPrefix: boolean }
  | { readonly t: 'sum' | 'max'; readonly clauses: Clause[] }
  | { readonly t: 'product'; readonly weight: number; readonly clause: Clause }
  | { readonly t: 'filter'; readonly pred: Predicate };

export type RankPlan =
  | { readonly kind: 'vector'; readonly attr: string; readonly exact: boolean; readonly query: Float32Array }
  | { readonly kind: 'score'; readonly clause: Clause }
  | { readonly kind: 'order'; readonly keys: readonly { attr: string; desc: boolean }[] };

const MAX_QUERY_CHARS = 8192;
const COMBINATORS = new Set(['Sum', 'Max', 'Product']);
const UNSUPPORTED_RANKERS: Record<string, string> = {
  SparseKNN: 'SparseKNN',
  Attribute: 'rank_by Attribute',
  Saturate: 'rank_by Saturate',
  Decay: 'rank_by Decay',
  Dist: 'rank_by Dist',
  RRF: 'RRF',
};

function bad(raw: unknown, why: string): Error {
  return invalid(`invalid rank_by ${describeValue(raw)}: ${why}`);
}

export function parseRankBy(raw: unknown, source: FilterSource): RankPlan {
  if (!Array.isArray(raw) || raw.length === 0) throw bad(raw, 'expected an array');
  if (Array.isArray(raw[0])) {
    return { kind: 'order', keys: raw.map((k) => orderKey(k, source, raw)) };
  }
  const second = (raw as unknown[])[1];
  if (second === 'asc' || second === 'desc') return { kind: 'order', keys: [orderKey(raw, source, raw)] };
  if (second === 'ANN' || second === 'kNN') return vectorPlan(raw, source);
  return { kind: 'score', clause: parseClause(raw, source) };
}

function orderKey(raw: unknown, source: FilterSource, whole: unknown): { attr: string; desc: boolean } {
  if (
    !Array.isArray(raw) ||
    raw.length !== 2 ||
    typeof raw[0] !== 'string' ||
    (raw[1] !== 'asc' && raw[1] !== 'desc')
  ) {
    throw bad(whole, 'order keys look like ["attr", "asc"|"desc"]');
  }
  const attr = raw[0];
  if (attr !== 'id') {
    const a = source.schema.attrs.get(attr);
    if (a === undefined) throw bad(whole, `unknown attribute \`${attr}\``);
    if (a.type.vector !== undefined || a.type.array)
      throw bad(whole, `cannot order by ${a.type.name} attribute \`${attr}\``);
  }
  return { attr, desc: raw[1] === 'desc' };
}

function vectorPlan(raw: unknown[], source: FilterSource): RankPlan {
  const [attr, kind, q] = raw;
  if (typeof attr !== 'string' || raw.length !== 3)
    throw bad(raw, `expected [attr, "${String(kind)}", vector]`);
  const a = source.schema.attrs.get(attr);
  if (a?.type.vector === undefined) throw bad(raw, `\`${attr}\` is not a vector attribute`);
  if (Array.isArray(q) && q[0] === 'Embed') throw unsupported('Embed (server-side query embedding)');
  if (Array.isArray(q) && Array.isArray(q[0])) throw unsupported('late interaction (multi-vector queries)');
  const query = parseVector(q, attr, a.type.vector.dims, 'f32');
  return { kind: 'vector', attr, exact: kind === 'kNN', query };
}

function parseClause(raw: unknown, source: FilterSource): Clause {
  if (!Array.isArray(raw) || raw.length < 2) throw bad(raw, 'expected a ranking clause');
  const [head, second] = raw as unknown[];
  if (typeof head === 'string' && UNSUPPORTED_RANKERS[head] !== undefined)
    throw unsupported(UNSUPPORTED_RANKERS[head]);
  if (typeof second === 'string' && UNSUPPORTED_RANKERS[second] !== undefined)
    throw unsupported(UNSUPPORTED_RANKERS[second]);
  if (second === 'ANN' || second === 'kNN') {
    throw unsupported('combining ANN/kNN with other ranking clauses (use a multi-query)');
  }
  if (typeof head === 'string' && COMBINATORS.has(head) && !(typeof second === 'string')) {
    if (head === 'Product') {
      if (raw.length !== 3) throw bad(raw, 'Product takes a weight and a clause');
      const [w, c] = typeof raw[1] === 'number' ? [raw[1], raw[2]] : [raw[2], raw[1]];
      if (typeof w !== 'number' || !Number.isFinite(w) || w < 0)
        throw bad(raw, 'the Product weight must be a number >= 0');
      return { t: 'product', weight: w, clause: parseClause(c, source) };
    }
    if (!Array.isArray(second) || raw.length !== 2 || second.length === 0)
      throw bad(raw, `${head} takes a list of clauses`);
    return { t: head === 'Sum' ? 'sum' : 'max', clauses: second.map((c) => parseClause(c, source)) };
  }
  if (second === 'BM25') return bm25Clause(raw, source);
  return { t: 'filter', pred: compileFilter(raw, source) };
}

function bm25Clause(raw: unknown[], source: FilterSource): Clause {
  const [attr, , q, opts] = raw;
  if (typeof attr !== 'string' || raw.length < 3 || raw.length > 4)
    throw bad(raw, 'expected [attr, "BM25", query]');
  const a = source.schema.attrs.get(attr);
  if (a?.fts === undefined) throw bad(raw, `\`${attr}\` does not have full_text_search enabled`);
  const preTokenized = a.fts.tokenizer === 'pre_tokenized_array';
  if (preTokenized && !(Array.isArray(q) && q.every((t) => typeof t === 'string'))) {
    throw invalid(`for rank_by field "${attr}", expecting []string`);
  }
  if (!preTokenized && typeof q !== 'string') throw invalid(`for rank_by field "${attr}", expecting string`);
  const text = typeof q === 'string' ? q : (q as string[]).join(' ');
  if (text.length > MAX_QUERY_CHARS) throw bad(raw, `the query is longer than ${MAX_QUERY_CHARS} characters`);
  const lastAsPrefix = parseLastAsPrefix(attr, opts, true);
  return { t: 'bm25', attr, tokens: tokenizeQuery(q as string | string[], a.fts), lastAsPrefix };
}

/** Scores of every slot with a non-zero score for the clause. */
export function scoreClause(clause: Clause, table: Table): Scores {
  const capacity = table.capacity;
  switch (clause.t) {
    case 'bm25': {
      const index = table.fts.get(clause.attr);
      return index === undefined
        ? { slots: new Int32Array(0), score: new Float64Array(capacity) }
        : index.score(clause.tokens, clause.lastAsPrefix, capacity);
    }
    case 'filter': {
      const score = new Float64Array(capacity);
      const slots = new Int32Array(capacity);
      let k = 0;
      for (let s = 0; s < capacity; s++) {
        if (table.ids[s] !== undefined && clause.pred(s)) {
          slots[k++] = s;
          score[s] = 1;
        }
      }
      return { slots: slots.subarray(0, k), score };
    }
    case 'product': {
      const inner = scoreClause(clause.clause, table);
      for (const s of inner.slots) inner.score[s] = (inner.score[s] as number) * clause.weight;
      return inner;
    }
    case 'sum':
    case 'max': {
      const score = new Float64Array(capacity);
      const seen = new Uint8Array(capacity);
      const slots = new Int32Array(capacity);
      let k = 0;
      for (const c of clause.clauses) {
        const part = scoreClause(c, table);
        for (const s of part.slots) {
          const v = part.score[s] as number;
          if (seen[s] === 0) {
            seen[s] = 1;
            slots[k++] = s;
            score[s] = v;
          } else score[s] = clause.t === 'sum' ? (score[s] as number) + v : Math.max(score[s] as number, v);
        }
      }
      return { slots: slots.subarray(0, k), score };
    }
  }
}

export interface Ranked {
  /** Candidate slots in rank order, before limits. */
  readonly before: (a: number, b: number) => number;
  readonly candidates: Int32Array;
  readonly dist: ((slot: number) => number) | undefined;
  /** For distance/score rankings: the per-slot key and direction (1 = smaller first). */
  readonly key?: {
    readonly values: Float64Array;
    readonly dir: 1 | -1;
    readonly tie: (a: number, b: number) => number;
  };
  readonly scanned: number;
}

function byId(table: Table): (a: number, b: number) => number {
  return (a, b) => compareIds(table.ids[a] as DocId, table.ids[b] as DocId);
}

/** Slots of live documents passing `pred`, in slot order (typed: pushing 100k numbers is slow). */
function liveSlots(table: Table, pred: Predicate | undefined): Int32Array {
  const ids = table.ids;
  const n = ids.length;
  const out = new Int32Array(n);
  let k = 0;
  for (let s = 0; s < n; s++) if (ids[s] !== undefined && (pred === undefined || pred(s))) out[k++] = s;
  return out.subarray(0, k);
}

export function rank(
  plan: RankPlan | undefined,
  table: Table,
  pred: Predicate | undefined,
  metric: DistanceMetric | undefined,
): Ranked {
  const idOrder = byId(table);
  if (plan === undefined) {
    const candidates = liveSlots(table, pred);
    return { before: idOrder, candidates, dist: undefined, scanned: table.size };
  }
  if (plan.kind === 'vector') {
    const col = table.vectors.get(plan.attr);
    const dist = new Float64Array(table.capacity);
    const candidates = liveSlots(table, pred);
    if (col !== undefined) scanVectors(metric ?? 'cosine_distance', col, plan.query, candidates, dist);
    return {
      before: (a, b) => (dist[a] as number) - (dist[b] as number) || idOrder(a, b),
      candidates,
      dist: (s) => dist[s] as number,
      key: { values: dist, dir: 1, tie: idOrder },
      scanned: candidates.length,
    };
  }
  if (plan.kind === 'score') {
    const { slots, score } = scoreClause(plan.clause, table);
    const candidates = new Int32Array(slots.length);
    let k = 0;
    for (const s of slots)
      if ((score[s] as number) > 0 && (pred === undefined || pred(s))) candidates[k++] = s;
    return {
      before: (a, b) => (score[b] as number) - (score[a] as number) || idOrder(a, b),
      candidates: candidates.subarray(0, k),
      dist: (s) => score[s] as number,
      key: { values: score, dir: -1, tie: idOrder },
      scanned: slots.length,
    };
  }
  const getters = plan.keys.map(({ attr, desc }) => {
    const col = attr === 'id' ? undefined : table.columns.get(attr);
    const get = attr === 'id' ? (s: number) => table.ids[s] : (s: number) => col?.[s];
    return { get, sign: desc ? -1 : 1 };
  });
  const candidates = liveSlots(table, pred);
  return {
    before: (a, b) => {
      for (const { get, sign } of getters) {
        const x = get(a);
        const y = get(b);
        if (x === y) continue;
        // Nulls sort first ascending and last descending: they are the smallest value.
        const c = x === undefined ? -1 : y === undefined ? 1 : compareScalars(x, y);
        if (c !== 0) return c * sign;
      }
      return idOrder(a, b);
    },
    candidates,
    dist: undefined,
    scanned: table.size,
  };
}

/**
 * The exact scan: one pass over the candidates' rows of the contiguous vector matrix. The inner
 * loops are unrolled by four (independent accumulators), which roughly halves scan time in V8.
 */
function scanVectors(
  metric: DistanceMetric,
  col: VectorColumn,
  q: Float32Array,
  slots: Int32Array,
  dist: Float64Array,
): void {
  const data = col.data;
  const dims = col.dims;
  const tail = dims - (dims % 4);
  const n = slots.length;
  if (metric === 'euclidean_squared') {
    for (let j = 0; j < n; j++) {
      const s = slots[j] as number;
      let off = s * dims;
      let a = 0;
      let b = 0;
      let c = 0;
      let d = 0;
      for (let i = 0; i < tail; i += 4, off += 4) {
        const x0 = (data[off] as number) - (q[i] as number);
        const x1 = (data[off + 1] as number) - (q[i + 1] as number);
        const x2 = (data[off + 2] as number) - (q[i + 2] as number);
        const x3 = (data[off + 3] as number) - (q[i + 3] as number);
        a += x0 * x0;
        b += x1 * x1;
        c += x2 * x2;
        d += x3 * x3;
      }
      for (let i = tail; i < dims; i++, off++) {
        const x = (data[off] as number) - (q[i] as number);
        a += x * x;
      }
      dist[s] = a + b + c + d;
    }
    return;
  }
  const qn = norm(q);
  const norms = col.norms;
  for (let j = 0; j < n; j++) {
    const s = slots[j] as number;
    let off = s * dims;
    let a = 0;
    let b = 0;
    let c = 0;
    let d = 0;
    for (let i = 0; i < tail; i += 4, off += 4) {
      a += (data[off] as number) * (q[i] as number);
      b += (data[off + 1] as number) * (q[i + 1] as number);
      c += (data[off + 2] as number) * (q[i + 2] as number);
      d += (data[off + 3] as number) * (q[i + 3] as number);
    }
    for (let i = tail; i < dims; i++, off++) a += (data[off] as number) * (q[i] as number);
    const rn = norms[s] as number;
    dist[s] = rn === 0 || qn === 0 ? 1 : Math.min(2, Math.max(0, 1 - (a + b + c + d) / (rn * qn)));
  }
}
