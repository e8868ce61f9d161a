/**
 * The `CacheStore` port: what the read cache (cache/layer.ts) needs from a cache backend, and all
 * it needs. Adapters: `memory` (embedded default, one process), `redis` (ioredis) and `aerospike`
 * (the official client), all held to one contract suite (cache/contract.ts).
 *
 * Entries live in *sets* (one per Index: Aerospike's set, a Redis key prefix, a map in memory).
 * A set has a byte cap, enforced by the store across every gateway replica sharing it, measured as
 * stored (key + value). Counters (the consistency epochs) live outside the sets' byte accounting
 * and never expire by TTL. Every call may fail (network, timeout, server refusing writes): the
 * cache layer treats a failure as a miss and never fails a request because of it (fail-open).
 */

export type CacheBackend = 'memory' | 'redis' | 'aerospike';

export interface CacheEntry {
  /** The set (one per Index); a short safe name. */
  readonly set: string;
  /** The entry's key inside the set (the layer hashes request bodies into it). */
  readonly key: string;
  readonly value: Buffer;
  /** Time to live, ms (> 0). */
  readonly ttlMs: number;
}

/**
 * `stored`; `too-large`: the value exceeds what the backend can hold in one record, or the set's
 * whole cap (not stored, never truncated); `refused`: the backend declined the write (full, stop-writes).
 */
export type SetResult = 'stored' | 'too-large' | 'refused';

/**
 * Bytes as stored for one entry, the unit of `SetUsage.bytes` and of the cap in every adapter: the
 * key's UTF-8 length plus the value's length. Backend overhead (prefixes, record headers, TTL
 * fields) is left out so that figures and caps mean the same on every backend.
 */
export function entryBytes(key: string, value: Buffer): number {
  return Buffer.byteLength(key, 'utf8') + value.length;
}

export interface SetUsage {
  readonly entries: number;
  /** Bytes as stored for the set's entries (the sum of their `entryBytes`). */
  readonly bytes: number;
}

export interface CacheStore {
  readonly backend: CacheBackend;
  /**
   * True for a store inside this process (memory): it answers within the same turn of the event
   * loop, so its calls need no time budget.
   */
  readonly inProcess?: boolean;
  /** The value, or undefined when absent or expired. */
  get(set: string, key: string): Promise<Buffer | undefined>;
  /**
   * Stores the entry with its TTL, first evicting the set's least recently used entries when it
   * would exceed `capBytes`; the set never holds more than `capBytes`.
   */
  set(entry: CacheEntry, capBytes: number): Promise<SetResult>;
  delete(set: string, key: string): Promise<void>;
  /** Atomically adds 1 to a counter (absent = 0) and returns the new value. */
  increment(counter: string): Promise<number>;
  /** A counter's value (absent = 0). */
  counter(counter: string): Promise<number>;
  usage(set: string): Promise<SetUsage>;
  /** Resolves when the backend answers. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
