/**
 * The CacheStore contract: one suite every adapter passes (memory, redis, aerospike). A caller
 * supplies a target that opens clients of one backend; shared backends (redis, aerospike) also run
 * the cases where two clients — two gateway replicas — write and read the same sets. Each case uses
 * its own set and counter names, so a backend needs no flushing between cases. TTL cases poll with
 * a generous deadline; nothing here asserts how fast a backend is.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { entryBytes, type CacheStore } from './port.ts';

export interface CacheContractOptions {
  /** Clients opened by one target see the same entries (a backend for several replicas). */
  readonly shared: boolean;
  /** The backend's largest storable entry (entryBytes), when it is small enough to test. */
  readonly maxEntryBytes?: number;
  /** The shortest TTL the backend honours: the TTL case uses it (default 1000 ms). */
  readonly shortTtlMs?: number;
}

export interface CacheContractTarget {
  /** A new client of the backend, ready for calls. */
  open(): Promise<CacheStore>;
  close(): Promise<void>;
}

const HOUR = 3_600_000;
const EXPIRY_DEADLINE_MS = 15_000;

export function defineCacheContract(
  name: string,
  options: CacheContractOptions,
  makeTarget: () => Promise<CacheContractTarget>,
): void {
  describe(`CacheStore contract: ${name}`, () => {
    let target: CacheContractTarget;
    let a: CacheStore;
    let b: CacheStore;
    beforeAll(async () => {
      target = await makeTarget();
      a = await target.open();
      b = options.shared ? await target.open() : a;
    });
    afterAll(async () => {
      await a?.close();
      if (b !== a) await b?.close();
      await target?.close();
    });
    const fresh = (label: string) => `${label}-${randomUUID().slice(0, 8)}`;
    const put = (
      cache: CacheStore,
      set: string,
      key: string,
      value: Buffer | string,
      cap: number,
      ttlMs = HOUR,
    ) => cache.set({ set, key, value: Buffer.from(value), ttlMs }, cap);
    /** Bytes of the entries still readable, summed with `entryBytes`. */
    const presentBytes = async (cache: CacheStore, set: string, keys: Iterable<string>) => {
      let bytes = 0;
      for (const key of keys) {
        const value = await cache.get(set, key);
        if (value !== undefined) bytes += entryBytes(key, value);
      }
      return bytes;
    };

    describe('entries', () => {
      it('returns exactly the bytes stored, binary values and UTF-8 keys included', async () => {
        const set = fresh('get');
        const value = Buffer.concat([Buffer.from([0, 255, 10, 13]), randomBytes(300)]);
        expect(await put(a, set, 'clé/é ✓', value, 10_000)).toBe('stored');
        expect(await a.get(set, 'clé/é ✓')).toEqual(value);
      });

      it('answers undefined for a key never set', async () => {
        expect(await a.get(fresh('absent'), 'nothing')).toBeUndefined();
      });

      it('a second set under a key replaces the value', async () => {
        const set = fresh('replace');
        await put(a, set, 'k', 'first', 10_000);
        await put(a, set, 'k', 'second', 10_000);
        expect((await a.get(set, 'k'))?.toString()).toBe('second');
      });

      it('delete removes the entry; deleting an absent key resolves', async () => {
        const set = fresh('delete');
        await put(a, set, 'k', 'v', 10_000);
        await a.delete(set, 'k');
        expect(await a.get(set, 'k')).toBeUndefined();
        await expect(a.delete(set, 'never-there')).resolves.toBeUndefined();
      });

      it('the same key in two sets is two entries', async () => {
        const [s1, s2] = [fresh('sep'), fresh('sep')];
        await put(a, s1, 'k', 'one', 10_000);
        await put(a, s2, 'k', 'two', 10_000);
        await a.delete(s1, 'k');
        expect(await a.get(s1, 'k')).toBeUndefined();
        expect((await a.get(s2, 'k'))?.toString()).toBe('two');
      });
    });

    describe('TTL', () => {
      it('an entry disappears after its TTL, from get and from usage; a longer-lived one stays', async () => {
        const set = fresh('ttl');
        const ttl = options.shortTtlMs ?? 1000;
        await put(a, set, 'long', 'stays', 10_000, HOUR);
        await put(a, set, 'short', 'goes', 10_000, ttl);
        const deadline = Date.now() + ttl + EXPIRY_DEADLINE_MS;
        while ((await a.usage(set)).entries > 1 && Date.now() < deadline) await sleep(100);
        expect(await a.usage(set)).toEqual({ entries: 1, bytes: entryBytes('long', Buffer.from('stays')) });
        expect(await a.get(set, 'short')).toBeUndefined();
        expect((await a.get(set, 'long'))?.toString()).toBe('stays');
      });
    });

    describe('byte cap and eviction', () => {
      it('usage counts entries and their bytes as stored (entryBytes), after replace and delete', async () => {
        const set = fresh('usage');
        expect(await a.usage(set)).toEqual({ entries: 0, bytes: 0 });
        await put(a, set, 'k1', Buffer.alloc(100), 10_000);
        await put(a, set, 'ké', Buffer.alloc(50), 10_000);
        await put(a, set, 'k1', Buffer.alloc(10), 10_000);
        expect(await a.usage(set)).toEqual({ entries: 2, bytes: 2 + 10 + 3 + 50 });
        await a.delete(set, 'ké');
        expect(await a.usage(set)).toEqual({ entries: 1, bytes: 12 });
      });

      it('never holds more than the cap under a stream of distinct entries', async () => {
        const set = fresh('cap');
        const cap = 2000;
        const keys: string[] = [];
        for (let i = 0; i < 150; i++) {
          const key = `q${i}`;
          keys.push(key);
          expect(await put(a, set, key, randomBytes(40 + ((i * 37) % 160)), cap)).toBe('stored');
          expect((await a.usage(set)).bytes).toBeLessThanOrEqual(cap);
        }
        const usage = await a.usage(set);
        expect(usage.bytes).toBe(await presentBytes(a, set, keys));
        // Eviction stops once the new entry fits: the set stays nearly full.
        expect(usage.bytes).toBeGreaterThan(cap - 250);
      });

      it('evicts the least recently used entry first; a read counts as a use', async () => {
        const set = fresh('lru');
        const cap = 3 * entryBytes('k1', Buffer.alloc(20));
        for (const key of ['k1', 'k2', 'k3']) await put(a, set, key, Buffer.alloc(20, key), cap);
        await b.get(set, 'k1');
        await put(a, set, 'k4', Buffer.alloc(20), cap);
        expect(await present(a, set, ['k1', 'k2', 'k3', 'k4'])).toEqual(['k1', 'k3', 'k4']);
        await b.get(set, 'k3');
        await put(a, set, 'k5', Buffer.alloc(20), cap);
        expect(await present(a, set, ['k1', 'k3', 'k4', 'k5'])).toEqual(['k3', 'k4', 'k5']);
      });

      it('a value larger than the cap is too-large, not stored, and leaves no older value under its key', async () => {
        const set = fresh('large');
        await put(a, set, 'keep', 'x', 100);
        await put(a, set, 'k', 'old', 100);
        expect(await put(a, set, 'k', Buffer.alloc(100), 100)).toBe('too-large');
        expect(await a.get(set, 'k')).toBeUndefined();
        expect((await a.get(set, 'keep'))?.toString()).toBe('x');
        expect(await a.usage(set)).toEqual({ entries: 1, bytes: 5 });
      });

      it('a value of exactly the cap is stored whole', async () => {
        const set = fresh('exact');
        const value = randomBytes(1000 - 1);
        expect(await put(a, set, 'k', value, 1000)).toBe('stored');
        expect(await a.get(set, 'k')).toEqual(value);
      });

      it.skipIf(options.maxEntryBytes === undefined)(
        'a value above the backend record limit is too-large under any cap; one at the limit is stored whole',
        async () => {
          const set = fresh('record');
          const limit = options.maxEntryBytes as number;
          const cap = limit * 10;
          expect(await put(a, set, 'k', randomBytes(limit), cap)).toBe('too-large');
          expect(await a.get(set, 'k')).toBeUndefined();
          const fits = randomBytes(limit - 1);
          expect(await put(a, set, 'k', fits, cap)).toBe('stored');
          expect(await a.get(set, 'k')).toEqual(fits);
        },
      );
    });

    describe('two clients sharing one backend (replicas)', () => {
      it.skipIf(!options.shared)('an entry written by one client is read by the other', async () => {
        const set = fresh('shared');
        await put(a, set, 'k', 'from a', 1000);
        expect((await b.get(set, 'k'))?.toString()).toBe('from a');
        await b.delete(set, 'k');
        expect(await a.get(set, 'k')).toBeUndefined();
      });

      it.skipIf(!options.shared)(
        'the cap holds while both clients write distinct entries at once',
        async () => {
          const set = fresh('shared-cap');
          const cap = 3000;
          const keys: string[] = [];
          const stream = async (cache: CacheStore, name: string) => {
            for (let i = 0; i < 80; i++) {
              const key = `${name}${i}`;
              keys.push(key);
              await put(cache, set, key, randomBytes(60 + ((i * 53) % 140)), cap);
              expect((await cache.usage(set)).bytes).toBeLessThanOrEqual(cap);
            }
          };
          await Promise.all([stream(a, 'a'), stream(b, 'b'), stream(a, 'c'), stream(b, 'd')]);
          const held = await presentBytes(a, set, keys);
          expect(held).toBeLessThanOrEqual(cap);
          expect((await b.usage(set)).bytes).toBe(held);
        },
      );
    });

    describe('counters', () => {
      it('an absent counter is 0', async () => {
        expect(await a.counter(fresh('counter'))).toBe(0);
      });

      it('N concurrent increments from every client end at N, each returning a distinct value', async () => {
        const counter = fresh('counter');
        const n = 200;
        const results = await Promise.all(
          Array.from({ length: n }, (_, i) => (i % 2 === 0 ? a : b).increment(counter)),
        );
        expect(new Set(results).size).toBe(n);
        expect(Math.max(...results)).toBe(n);
        expect(await a.counter(counter)).toBe(n);
        expect(await b.counter(counter)).toBe(n);
      });

      it('counters are not entries of any set', async () => {
        const name = fresh('counter');
        await a.increment(name);
        expect(await a.usage(name)).toEqual({ entries: 0, bytes: 0 });
      });
    });

    describe('lifecycle', () => {
      it('ping resolves on an open client; after close, calls reject', async () => {
        const own = await target.open();
        await expect(own.ping()).resolves.toBeUndefined();
        await own.close();
        await expect(own.ping()).rejects.toThrow();
        await expect(own.get('any', 'k')).rejects.toThrow();
      });
    });
  });
}

async function present(cache: CacheStore, set: string, keys: readonly string[]): Promise<string[]> {
  const found: string[] = [];
  // One at a time: a read is a use, so the order of reads is part of the LRU cases.
  for (const key of keys) if ((await cache.get(set, key)) !== undefined) found.push(key);
  return found;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
