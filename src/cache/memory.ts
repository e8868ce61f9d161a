/**
 * The `memory` CacheStore: the embedded default, one process. Each set is a Map in least recently
 * used order (a read moves the entry to the end; eviction takes from the front), with its own byte
 * count. Bytes as stored, per entry, are `entryBytes`: the key's UTF-8 length + the value's length
 * (the set name, TTL and JavaScript object overhead are not counted). Expired entries are dropped when read, when they reach the front of
 * the eviction order, and when the set's usage is read; until then they count towards the cap, so
 * the cap holds as an upper bound. Counters are plain numbers outside the sets.
 */
import { entryBytes, type CacheEntry, type CacheStore, type SetResult, type SetUsage } from './port.ts';

export interface MemoryCacheOptions {
  /** Milliseconds since the epoch; the tests of this file move it by hand. */
  readonly now?: () => number;
}

interface Slot {
  readonly value: Buffer;
  readonly bytes: number;
  readonly expiresAt: number;
}

interface MemorySet {
  /** Least recently used first. */
  readonly entries: Map<string, Slot>;
  bytes: number;
}

export function createMemoryCache(options: MemoryCacheOptions = {}): CacheStore {
  const now = options.now ?? Date.now;
  const sets = new Map<string, MemorySet>();
  const counters = new Map<string, number>();
  let closed = false;

  const open = () => {
    if (closed) throw new Error('the memory cache is closed');
  };
  const remove = (set: MemorySet, key: string) => {
    const slot = set.entries.get(key);
    if (slot === undefined) return;
    set.entries.delete(key);
    set.bytes -= slot.bytes;
  };
  const sweep = (set: MemorySet) => {
    const t = now();
    for (const [key, slot] of set.entries) if (slot.expiresAt <= t) remove(set, key);
  };

  return {
    backend: 'memory',
    inProcess: true,

    async get(setName, key) {
      open();
      const set = sets.get(setName);
      const slot = set?.entries.get(key);
      if (set === undefined || slot === undefined) return undefined;
      set.entries.delete(key);
      if (slot.expiresAt <= now()) {
        set.bytes -= slot.bytes;
        return undefined;
      }
      set.entries.set(key, slot);
      return slot.value;
    },

    async set(entry: CacheEntry, capBytes: number): Promise<SetResult> {
      open();
      const bytes = entryBytes(entry.key, entry.value);
      let set = sets.get(entry.set);
      if (bytes > capBytes) {
        // Not stored; an older value under the key would now be stale, so it goes too.
        if (set !== undefined) remove(set, entry.key);
        return 'too-large';
      }
      if (set === undefined) {
        set = { entries: new Map(), bytes: 0 };
        sets.set(entry.set, set);
      }
      remove(set, entry.key);
      for (const [key] of set.entries) {
        if (set.bytes + bytes <= capBytes) break;
        remove(set, key);
      }
      // A copy: the caller's buffer may be reused or changed after this call.
      set.entries.set(entry.key, { value: Buffer.from(entry.value), bytes, expiresAt: now() + entry.ttlMs });
      set.bytes += bytes;
      return 'stored';
    },

    async delete(setName, key) {
      open();
      const set = sets.get(setName);
      if (set !== undefined) remove(set, key);
    },

    async increment(counter) {
      open();
      const value = (counters.get(counter) ?? 0) + 1;
      counters.set(counter, value);
      return value;
    },

    async counter(counter) {
      open();
      return counters.get(counter) ?? 0;
    },

    async usage(setName): Promise<SetUsage> {
      open();
      const set = sets.get(setName);
      if (set === undefined) return { entries: 0, bytes: 0 };
      sweep(set);
      return { entries: set.entries.size, bytes: set.bytes };
    },

    async ping() {
      open();
    },

    async close() {
      closed = true;
      sets.clear();
      counters.clear();
    },
  };
}
