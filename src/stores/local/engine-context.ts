import type { NamespaceCache } from './namespace-cache.ts';
import type { Storage } from './storage.ts';

export interface WriteLimits {
  /** Rows one patch_by_filter may patch (turbopuffer: 50,000). */
  readonly patchByFilterMax: number;
  /** Rows one delete_by_filter may delete (turbopuffer: 5,000,000). */
  readonly deleteByFilterMax: number;
}

export const DEFAULT_LIMITS: WriteLimits = { patchByFilterMax: 50_000, deleteByFilterMax: 5_000_000 };

/** What the engine's operations share; owned by the LocalStore. */
export interface EngineContext {
  readonly storage: Storage;
  readonly namespaces: NamespaceCache;
  readonly clock: () => number;
  readonly limits: WriteLimits;
}
