/**
 * Summary statistics for benchmark samples. Percentiles use the nearest-rank method on sorted
 * samples, so every reported figure is a latency that was actually observed.
 */

export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] as number;
}

export function median(samples: readonly number[]): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

export interface LatencySummary {
  readonly n: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly meanMs: number;
}

export function summarize(samplesMs: readonly number[]): LatencySummary {
  const sum = samplesMs.reduce((a, b) => a + b, 0);
  return {
    n: samplesMs.length,
    p50Ms: round(percentile(samplesMs, 50), 3),
    p99Ms: round(percentile(samplesMs, 99), 3),
    meanMs: round(sum / Math.max(1, samplesMs.length), 3),
  };
}

export function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** A ratio rounded for reports; NaN when the denominator is not positive. */
export function ratio(a: number, b: number): number {
  return b > 0 ? round(a / b, 3) : Number.NaN;
}
