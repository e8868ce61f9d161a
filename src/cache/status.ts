/**
 * The cache's part of an Index's status and of /metrics: `status.cache {entries, bytes, hitRatio}`
 * (occupancy from the shared store, so the same on every replica; the hit ratio is this replica's
 * since it started) and the `CacheDegraded` condition (cache/health.ts).
 */
import type { Condition, IndexEntry } from '../registry/types.ts';
import type { CacheFigures } from '../telemetry/metrics.ts';
import { setName } from './keys.ts';
import type { CacheRuntime } from './runtime.ts';

export interface IndexCacheStatus {
  /** Absent when the store did not answer within its budget. */
  readonly entries?: number;
  readonly bytes?: number;
  /** Absent before the first lookup. */
  readonly hitRatio?: number;
}

export async function indexCacheStatus(runtime: CacheRuntime, entry: IndexEntry): Promise<IndexCacheStatus> {
  const usage = await runtime.usage(entry.name, setName(entry.k8sNamespace, entry.name));
  const hitRatio = runtime.health.hitRatio(entry.name);
  return {
    ...(usage === undefined ? {} : { entries: usage.value.entries, bytes: usage.value.bytes }),
    ...(hitRatio === undefined ? {} : { hitRatio }),
  };
}

export function cacheCondition(runtime: CacheRuntime, entry: IndexEntry): Condition {
  return runtime.health.condition(entry.name);
}

/** The figures of every Index of a snapshot, for the scrape. */
export async function cacheFigures(
  runtime: CacheRuntime,
  entries: readonly IndexEntry[],
): Promise<CacheFigures[]> {
  return Promise.all(
    entries.map(async (entry) => ({
      index: entry.name,
      ...(await indexCacheStatus(runtime, entry)),
      degraded: runtime.health.degraded(entry.name),
    })),
  );
}
