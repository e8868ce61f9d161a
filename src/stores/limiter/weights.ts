/**
 * How many concurrency slots a request costs, counted the way turbopuffer counts them against its
 * per-namespace limit (16 slots per unpinned namespace; an aggregation takes 4, an exact kNN 2,
 * anything else 1; each sub-query of a multi-query counts).
 */
import { isRecord } from '../../wire/guards.ts';
import type { Payload } from '../../wire/payload.ts';

export interface LimiterWeights {
  /** A query with `aggregate_by`. */
  readonly aggregate: number;
  /** A query ranked by `["<vector attr>", "kNN", …]`. */
  readonly knn: number;
  /** Any other query. */
  readonly query: number;
  /** Writes, metadata, schema, delete, cache hint. */
  readonly other: number;
}

export const DEFAULT_WEIGHTS: LimiterWeights = { aggregate: 4, knn: 2, query: 1, other: 1 };

/** The weight of one (sub-)query given as a parsed value. */
export function singleQueryWeight(query: unknown, weights: LimiterWeights): number {
  if (!isRecord(query)) return weights.query;
  if (query.aggregate_by !== undefined && query.aggregate_by !== null) return weights.aggregate;
  const rankBy = query.rank_by;
  if (Array.isArray(rankBy) && rankBy[1] === 'kNN') return weights.knn;
  return weights.query;
}

/** The weight of a query body (single or multi-query), capped at `cap` so it can always run. */
export function queryWeight(body: unknown, weights: LimiterWeights, cap: number): number {
  const queries = isRecord(body) ? body.queries : undefined;
  const total = Array.isArray(queries)
    ? queries.reduce<number>((sum, q) => sum + singleQueryWeight(q, weights), 0)
    : singleQueryWeight(body, weights);
  return Math.max(1, Math.min(total, cap));
}

const MARKERS = ['"aggregate_by"', '"kNN"', '"queries"'].map((m) => Buffer.from(m));

/**
 * The weight of a query payload without re-serializing it. A parsed payload is inspected directly;
 * raw bytes are first scanned for the three markers that can raise the weight, and only parsed
 * (the parse is cached in the Payload for later readers) when one appears. A body that does not
 * parse costs the plain query weight: it is the upstream's job to reject it.
 */
export function payloadQueryWeight(payload: Payload, weights: LimiterWeights, cap: number): number {
  if (payload.isRaw) {
    const bytes = payload.bytes();
    if (!MARKERS.some((marker) => bytes.includes(marker))) return Math.max(1, Math.min(weights.query, cap));
  }
  let value: unknown;
  try {
    value = payload.value();
  } catch {
    return Math.max(1, Math.min(weights.query, cap));
  }
  return queryWeight(value, weights, cap);
}
