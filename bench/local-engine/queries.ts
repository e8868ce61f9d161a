/**
 * Query latency: each store query (JSON body in, serialized answer out, as over HTTP) is paired
 * with its baseline on the same input, interleaved. Answers are compared with the baseline's so a
 * fast wrong answer cannot pass unnoticed (reported, not asserted: this is a benchmark).
 */
import type { LocalStore } from '../../src/stores/local/index.ts';
import { Payload } from '../../src/wire/payload.ts';
import { interleaved } from '../lib/interleave.ts';
import { ratio, round, summarize, type LatencySummary } from '../lib/stats.ts';

export interface QueryFigures {
  readonly queries: number;
  readonly store: LatencySummary;
  readonly baseline: LatencySummary;
  /** store p50 / baseline p50 (below 1: the store is faster). */
  readonly p50RatioVsBaseline: number;
  /** How the store's answers compare with the baseline's (meaning depends on the query kind). */
  readonly agreement: number;
}

export interface QueryPlan<T> {
  readonly ns: string;
  readonly count: number;
  readonly warmup: number;
  /** The request body of query i. */
  readonly body: (i: number) => string;
  readonly baseline: (i: number) => T;
  /** 0..1: how well the store's answer to query i matches the baseline's. */
  readonly agree: (storeAnswer: unknown, baselineAnswer: T) => number;
}

export async function storeQuery(store: LocalStore, ns: string, body: Buffer): Promise<unknown> {
  const result = await store.query(ns, Payload.fromBytes(body));
  result.bytes();
  return result.value();
}

export function rowIds(answer: unknown): number[] {
  const rows = (answer as { rows?: { id: number | bigint | string }[] }).rows ?? [];
  return rows.map((r) => Number(r.id));
}

/** |a ∩ b| / |b| (1 when both are empty). */
export function overlap(a: readonly number[], b: readonly number[]): number {
  if (b.length === 0) return a.length === 0 ? 1 : 0;
  const set = new Set(a);
  return b.filter((x) => set.has(x)).length / b.length;
}

export async function measureQueries<T>(store: LocalStore, plan: QueryPlan<T>): Promise<QueryFigures> {
  const total = plan.warmup + plan.count;
  const bodies = Array.from({ length: total }, (_, i) => Buffer.from(plan.body(i), 'utf8'));
  const storeAnswers: unknown[] = [];
  const baseAnswers: T[] = [];
  const times = await interleaved(
    plan.count,
    plan.warmup,
    async (i) => {
      storeAnswers[i] = await storeQuery(store, plan.ns, bodies[i] as Buffer);
    },
    (i) => {
      baseAnswers[i] = plan.baseline(i);
    },
  );
  let agreement = 0;
  for (let i = 0; i < plan.count; i++) agreement += plan.agree(storeAnswers[i], baseAnswers[i] as T);
  const s = summarize(times.a);
  const b = summarize(times.b);
  return {
    queries: plan.count,
    store: s,
    baseline: b,
    p50RatioVsBaseline: ratio(s.p50Ms, b.p50Ms),
    agreement: round(agreement / Math.max(1, plan.count), 4),
  };
}
