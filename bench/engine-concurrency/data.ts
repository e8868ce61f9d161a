/** The rows of `engine-concurrency`: a category-like attribute, a price and a small vector. */
import { createRng } from '../lib/rng.ts';

export const DIMS = 8;
export const CATEGORIES = Array.from({ length: 24 }, (_, i) => `category-${i}`);

/** One write body of `count` rows starting at id `first`, serialized once. */
export function writeBody(first: number, count: number, seed: number): Buffer {
  const rng = createRng(seed);
  const rows = Array.from({ length: count }, (_, k) => ({
    id: first + k,
    category: CATEGORIES[Math.floor(rng.next() * CATEGORIES.length)],
    price: Math.round(rng.next() * 100_000) / 100,
    vector: Array.from({ length: DIMS }, () => Math.round((rng.next() * 2 - 1) * 1000) / 1000),
  }));
  return Buffer.from(JSON.stringify({ upsert_rows: rows, distance_metric: 'cosine_distance' }));
}

export function groupByBody(): Buffer {
  return Buffer.from(JSON.stringify({ aggregate_by: { n: ['Count'] }, group_by: ['category'] }));
}

export function vectorBodies(count: number, seed: number): Buffer[] {
  const rng = createRng(seed);
  return Array.from({ length: count }, () =>
    Buffer.from(
      JSON.stringify({
        rank_by: ['vector', 'ANN', Array.from({ length: DIMS }, () => rng.next() * 2 - 1)],
        top_k: 10,
      }),
    ),
  );
}
