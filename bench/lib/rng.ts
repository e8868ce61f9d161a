/**
 * A seeded PRNG (mulberry32) so every run measures the same data and the same queries; only the
 * machine's noise changes between runs.
 */

export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Integer in [0, n). */
  int(n: number): number;
  /** Index in [0, n) with Zipf-like weight 1/(i+1)^s: a few values are common, most are rare. */
  zipf(n: number, s?: number): number;
  pick<T>(items: readonly T[]): T;
}

export function createRng(seed: number): Rng {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const zipfTables = new Map<string, Float64Array>();
  const zipf = (n: number, s = 1): number => {
    const key = `${n}:${s}`;
    let cdf = zipfTables.get(key);
    if (cdf === undefined) {
      cdf = new Float64Array(n);
      let total = 0;
      for (let i = 0; i < n; i++) cdf[i] = total += 1 / (i + 1) ** s;
      for (let i = 0; i < n; i++) cdf[i] = (cdf[i] as number) / total;
      zipfTables.set(key, cdf);
    }
    const u = next();
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((cdf[mid] as number) < u) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  return {
    next,
    int: (n) => Math.floor(next() * n),
    zipf,
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T,
  };
}
