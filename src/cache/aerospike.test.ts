/**
 * What only the `aerospike` adapter promises, on the in-process fake with a hand-moved clock
 * shared by the "server" and the replicas: TTLs in whole seconds, hits that keep the TTL, values
 * over the record-size limit not stored, stop-writes, timeouts and an unreachable server as cache
 * failures with secret-free messages, the byte cap held across two replicas by reservation and
 * least-recently-used eviction, and accounting that drains when entries expire. The shared
 * behaviour is the contract suite (cache/adapters.test.ts runs it on this adapter too).
 */
import { describe, expect, it } from 'vitest';
import { createAerospikeCache } from './aerospike.ts';
import { createFakeAerospike } from './aerospike-fake.ts';
import type { CacheStore } from './port.ts';

function cluster(fakeOptions: { maxRecordBytes?: number } = {}) {
  let t = 1_000_000_000;
  const now = () => t;
  const fake = createFakeAerospike({ now, ...fakeOptions });
  const replicas: CacheStore[] = [];
  const replica = (options: { maxRecordBytes?: number; readTimeoutMs?: number; password?: string } = {}) => {
    const cache = createAerospikeCache({
      hosts: ['fake:3000'],
      namespace: 'cache',
      client: fake.client(),
      now,
      ...options,
    });
    replicas.push(cache);
    return cache;
  };
  const storedBytes = (set: string) => fake.records(set).reduce((sum, r) => sum + Number(r.bins.sz), 0);
  return { fake, replica, storedBytes, advance: (ms: number) => (t += ms) };
}

const entry = (key: string, bytes: number, ttlMs = 60_000) => ({
  set: 'idx',
  key,
  value: Buffer.alloc(bytes, 1),
  ttlMs,
});

describe('aerospike cache', () => {
  it('writes every entry with its TTL rounded up to whole seconds', async () => {
    const { replica, advance } = cluster();
    const cache = replica();
    expect(await cache.set(entry('k', 10, 1500), 1000)).toBe('stored');
    advance(1999);
    expect(await cache.get('idx', 'k')).toEqual(Buffer.alloc(10, 1));
    advance(1);
    expect(await cache.get('idx', 'k')).toBeUndefined();
  });

  it('a hit marks the entry used without touching its TTL', async () => {
    const { replica, advance, fake } = cluster();
    const cache = replica();
    await cache.set(entry('k', 10, 10_000), 1000);
    const before = fake.records('idx')[0]?.bins.at;
    advance(5000);
    expect(await cache.get('idx', 'k')).toBeDefined();
    expect(fake.records('idx')[0]?.bins.at).toBe(Number(before) + 5000 * 1000);
    advance(5000);
    expect(await cache.get('idx', 'k')).toBeUndefined();
  });

  it('does not store a value over the record-size limit and drops the older value under its key', async () => {
    const { replica, fake } = cluster();
    const cache = replica({ maxRecordBytes: 4096 });
    await cache.set(entry('k', 100), 1_000_000);
    expect(await cache.set(entry('k', 5000), 1_000_000)).toBe('too-large');
    expect(await cache.get('idx', 'k')).toBeUndefined();
    expect(fake.records('idx')).toEqual([]);
  });

  it('a record the server finds too big (code 13) is too-large and its reservation is given back', async () => {
    const { replica } = cluster({ maxRecordBytes: 1000 });
    const cache = replica({ maxRecordBytes: 1_000_000 });
    expect(await cache.set(entry('big', 990), 2000)).toBe('too-large');
    // Had the 992 bytes stayed reserved, these two would not both fit under the 2000-byte cap.
    expect(await cache.set(entry('a', 900), 2000)).toBe('stored');
    expect(await cache.set(entry('b', 900), 2000)).toBe('stored');
    expect(await cache.usage('idx')).toEqual({ entries: 2, bytes: 1802 });
  });

  it('under stop-writes a write is refused, hits are still served, and a counter bump fails clearly', async () => {
    const { replica, fake } = cluster();
    const cache = replica();
    await cache.set(entry('k', 10), 1000);
    await cache.increment('epoch');
    fake.refuseWrites(22);
    expect(await cache.set(entry('other', 10), 1000)).toBe('refused');
    expect(await cache.get('idx', 'k')).toEqual(Buffer.alloc(10, 1));
    await expect(cache.increment('epoch')).rejects.toThrow(
      'aerospike cache: increment failed: ERR_FAIL_FORBIDDEN (code 22)',
    );
    fake.refuseWrites(8);
    expect(await cache.set(entry('other', 10), 1000)).toBe('refused');
    fake.refuseWrites(false);
    expect(await cache.set(entry('other', 10), 1000)).toBe('stored');
    expect(await cache.increment('epoch')).toBe(2);
  });

  it('a hit on a record too busy to take the touch is still served', async () => {
    const { replica, fake } = cluster();
    const cache = replica();
    await cache.set(entry('hot', 10), 1000);
    fake.refuseWrites(14);
    expect(await cache.get('idx', 'hot')).toEqual(Buffer.alloc(10, 1));
    expect(await cache.get('idx', 'cold')).toBeUndefined();
  });

  it('a slow server is a cache failure (timeout), not a hang', async () => {
    const { replica, fake } = cluster();
    const cache = replica({ readTimeoutMs: 5 });
    await cache.set(entry('k', 10), 1000);
    fake.setLatency(200);
    await expect(cache.get('idx', 'k')).rejects.toThrow('aerospike cache: get failed: ERR_TIMEOUT (code 9)');
    await expect(cache.counter('epoch')).rejects.toThrow('ERR_TIMEOUT (code 9)');
  });

  it('an unreachable server fails calls with a message free of secrets, and the next call reconnects', async () => {
    const { replica, fake, advance } = cluster();
    fake.setDown(true);
    const cache = replica({ password: 's3cret-pw' });
    const failure = await cache.ping().then(
      () => undefined,
      (error: unknown) => error as Error,
    );
    expect(failure?.message).toBe('aerospike cache: connect failed: ERR_CONNECTION (code -10)');
    expect(JSON.stringify({ ...failure, message: failure?.message })).not.toContain('s3cret');
    fake.setDown(false);
    await expect(cache.ping()).rejects.toThrow('connect failed'); // within reconnectMs: fails fast
    advance(1000);
    await cache.ping();
    expect(await cache.set(entry('k', 10), 1000)).toBe('stored');
  });

  it('rejects a set name the server cannot take, and the adapter’s own sets', async () => {
    const { replica } = cluster();
    const cache = replica();
    await expect(cache.get('_usage', 'k')).rejects.toThrow('invalid set name "_usage"');
    await expect(cache.set({ ...entry('k', 1), set: 'x'.repeat(64) }, 100)).rejects.toThrow(
      'invalid set name',
    );
  });

  it('keeps a set under its cap across two replicas, evicting the least recently used entries', async () => {
    const { replica, storedBytes, advance } = cluster();
    const [a, b] = [replica(), replica()];
    const cap = 1000; // ten entries of 100 bytes (2-byte keys + 98-byte values)
    for (let i = 0; i < 10; i++) {
      advance(10);
      expect(await (i % 2 ? b : a).set(entry(`k${i}`, 98), cap)).toBe('stored');
    }
    advance(10);
    expect(await b.get('idx', 'k0')).toBeDefined(); // k0 becomes the most recently used
    for (let i = 10; i < 60; i++) {
      advance(10);
      expect(await (i % 2 ? b : a).set(entry(`k${i}`, 97), cap)).toBe('stored'); // 100 bytes
      expect(storedBytes('idx')).toBeLessThanOrEqual(cap);
    }
    const usage = await a.usage('idx');
    expect(usage.bytes).toBeLessThanOrEqual(cap);
    expect(usage.entries).toBe(10);
    expect(await a.get('idx', 'k1')).toBeUndefined();
  });

  it('leaves an entry used since the eviction scan in place (generation check)', async () => {
    const { replica, advance } = cluster();
    const [a, b] = [replica(), replica()];
    const cap = 300;
    for (const k of ['k1', 'k2', 'k3']) {
      advance(10);
      await a.set(entry(k, 98), cap);
    }
    advance(10);
    await a.set(entry('k4', 98), cap); // a scans: k1 < k2 < k3; evicts k1
    advance(10);
    expect(await b.get('idx', 'k2')).toBeDefined(); // b uses k2 after a's scan
    advance(10);
    await a.set(entry('k5', 98), cap); // a's list says k2 next: its generation moved, so k3 goes
    expect(await a.get('idx', 'k2')).toBeDefined();
    expect(await a.get('idx', 'k3')).toBeUndefined();
  });

  it('concurrent writes from two replicas never store more than the cap', async () => {
    const { replica, storedBytes } = cluster();
    const [a, b] = [replica(), replica()];
    const cap = 1000;
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) => (i % 2 ? b : a).set(entry(`c${i}`, 97), cap)),
    );
    expect(results.filter((r) => r === 'stored').length).toBeGreaterThanOrEqual(10);
    expect(storedBytes('idx')).toBeLessThanOrEqual(cap);
    expect((await a.usage('idx')).bytes).toBeLessThanOrEqual(cap);
  });

  it('bytes of expired entries leave the accounting with their expiry bucket', async () => {
    const { replica, advance } = cluster();
    const cache = replica();
    await cache.set(entry('old1', 496, 1000), 1000);
    await cache.set(entry('old2', 496, 1000), 1000);
    advance(3 * 60_000); // expired, and past their bucket plus the skew margin
    expect(await cache.usage('idx')).toEqual({ entries: 0, bytes: 0 });
    expect(await cache.set(entry('new', 997), 1000)).toBe('stored');
  });

  it('counts with atomic increments from two replicas; counters have no TTL', async () => {
    const { replica, fake, advance } = cluster();
    const [a, b] = [replica(), replica()];
    const values = await Promise.all(
      Array.from({ length: 50 }, (_, i) => (i % 2 ? b : a).increment('ns-epoch')),
    );
    expect(new Set(values).size).toBe(50);
    expect(await a.counter('ns-epoch')).toBe(50);
    expect(await b.counter('never-bumped')).toBe(0);
    advance(365 * 24 * 3600_000);
    expect(await b.counter('ns-epoch')).toBe(50);
    expect(fake.records('_counters')).toHaveLength(1);
  });
});
