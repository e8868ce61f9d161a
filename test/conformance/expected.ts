/**
 * Independent expectations for vector cases: deterministic vectors, brute-force distances and the
 * base64 float32 codec. Vector components are multiples of 1/256 in [-1, 1], so they are exact in
 * float32 and in decimal JSON: a stored vector must come back bit-for-bit.
 */
import { expect } from 'vitest';
import type { DistanceMetric } from '@turbopuffer/turbopuffer';

/** mulberry32: a tiny seeded PRNG, so fixtures are the same on every run. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomVectors(count: number, dims: number, seed: number): number[][] {
  const next = seededRandom(seed);
  return Array.from({ length: count }, () =>
    Array.from({ length: dims }, () => {
      const v = Math.round(next() * 512 - 256) / 256;
      return v === 0 ? 1 / 256 : v; // no zero vectors: cosine distance is undefined for them
    }),
  );
}

export function distance(metric: DistanceMetric, a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length) throw new Error('dimension mismatch');
  if (metric === 'euclidean_squared') {
    return a.reduce((sum, x, i) => sum + (x - (b[i] ?? 0)) ** 2, 0);
  }
  let dot = 0;
  let na = 0;
  let nb = 0;
  a.forEach((x, i) => {
    const y = b[i] ?? 0;
    dot += x * y;
    na += x * x;
    nb += y * y;
  });
  return 1 - dot / (Math.sqrt(na) * Math.sqrt(nb));
}

export interface Ranked {
  readonly id: number;
  readonly dist: number;
}

/** Exact nearest neighbours of `query` among `docs` (index = id), closest first. */
export function bruteForce(
  metric: DistanceMetric,
  docs: ReadonlyMap<number, readonly number[]>,
  query: readonly number[],
  k: number,
): Ranked[] {
  const ranked = [...docs].map(([id, vec]) => ({ id, dist: distance(metric, vec, query) }));
  ranked.sort((x, y) => x.dist - y.dist);
  const top = ranked.slice(0, k);
  // Guard the fixture, not the engine: near-ties would make the expected order ambiguous.
  for (let i = 1; i < Math.min(ranked.length, k + 1); i++) {
    const gap = (ranked[i]?.dist ?? 0) - (ranked[i - 1]?.dist ?? 0);
    expect(gap, `fixture has a near-tie at rank ${i}; pick another query`).toBeGreaterThan(1e-4);
  }
  return top;
}

export function encodeF32(vec: readonly number[]): string {
  const buf = Buffer.alloc(vec.length * 4);
  vec.forEach((v, i) => buf.writeFloatLE(v, i * 4));
  return buf.toString('base64');
}

export function decodeF32(b64: string): number[] {
  const buf = Buffer.from(b64, 'base64');
  expect(buf.length % 4, 'base64 vector is a whole number of float32s').toBe(0);
  return Array.from({ length: buf.length / 4 }, (_, i) => buf.readFloatLE(i * 4));
}
