/**
 * The redis adapter against a real redis-server (test/helpers/redis-server.ts): the contract suite
 * with two clients as two replicas, then what only Redis needs — the accounting reconciled with
 * Redis's own expiry, a TTL on every key it writes, failing fast while Redis is down and
 * recovering after, refusals under maxmemory, and the password kept out of every message.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  redisServerSkipReason,
  startRedisServer,
  type TestRedisServer,
} from '../../test/helpers/redis-server.ts';
import { defineCacheContract } from './contract.ts';
import type { CacheStore } from './port.ts';
import { createRedisCache, reconnectDelay, redactRedisUrl, type RedisCacheOptions } from './redis.ts';

const skip = redisServerSkipReason();
const HOUR = 3_600_000;

/** A client once it answers PING (it connects in the background). */
async function openReady(options: RedisCacheOptions): Promise<CacheStore> {
  const cache = createRedisCache(options);
  await eventually(() => cache.ping());
  return cache;
}

async function eventually(check: () => Promise<unknown>, deadlineMs = 15_000): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

if (skip !== undefined) {
  describe.skip(`redis cache: ${skip}`, () => {
    it('contract suite and redis-specific cases', () => undefined);
  });
} else {
  const MAX_ENTRY = 4096;
  defineCacheContract('redis (real redis-server)', { shared: true, maxEntryBytes: MAX_ENTRY }, async () => {
    const server = await startRedisServer();
    return {
      open: () => openReady({ url: server.url, namespace: 'contract', maxEntryBytes: MAX_ENTRY }),
      close: () => server.stop(),
    };
  });

  describe('redis cache', () => {
    let server: TestRedisServer;
    let raw: Redis;
    /** A plain client for looking behind the adapter; quiet while the outage case has Redis down. */
    const openRaw = () => new Redis(server.url).on('error', () => undefined);
    beforeAll(async () => {
      server = await startRedisServer();
      raw = openRaw();
    });
    afterAll(async () => {
      raw?.disconnect();
      await server?.stop();
    });

    it('frees the bytes of entries Redis expired before evicting any live entry', async () => {
      const cache = await openReady({ url: server.url, namespace: 'reconcile' });
      const cap = 3 * 12; // three entries of key 2 + value 10 bytes
      await cache.set({ set: 's', key: 'L1', value: Buffer.alloc(10), ttlMs: HOUR }, cap);
      await cache.set({ set: 's', key: 'S1', value: Buffer.alloc(10), ttlMs: 300 }, cap);
      await cache.set({ set: 's', key: 'S2', value: Buffer.alloc(10), ttlMs: 300 }, cap);
      // S1 and S2 are the most recently used; plain LRU would evict L1 first.
      await eventually(async () =>
        expect(await raw.exists('reconcile:{s}:e:S1', 'reconcile:{s}:e:S2')).toBe(0),
      );
      await cache.set({ set: 's', key: 'L2', value: Buffer.alloc(10), ttlMs: HOUR }, cap);
      expect(await cache.get('s', 'L1')).toBeDefined();
      expect(await cache.usage('s')).toEqual({ entries: 2, bytes: 24 });
      await cache.close();
    });

    it('forgets an entry removed behind its back when a read misses it', async () => {
      const cache = await openReady({ url: server.url, namespace: 'behind' });
      await cache.set({ set: 's', key: 'k', value: Buffer.alloc(10), ttlMs: HOUR }, 1000);
      await raw.del('behind:{s}:e:k');
      expect(await cache.get('s', 'k')).toBeUndefined();
      expect(await cache.usage('s')).toEqual({ entries: 0, bytes: 0 });
      await cache.close();
    });

    it('writes only under its namespace, with a TTL on every set key; counters have none', async () => {
      const cache = await openReady({ url: server.url, namespace: 'ttl-check' });
      await cache.set({ set: 'idx', key: 'k', value: Buffer.from('v'), ttlMs: 60_000 }, 1000);
      await cache.get('idx', 'k');
      await cache.increment('epoch');
      const keys = (await raw.keys('*')).filter((key) => key.startsWith('ttl-check'));
      expect(keys.sort()).toEqual([
        'ttl-check:c:epoch',
        'ttl-check:{idx}:e:k',
        'ttl-check:{idx}:exp',
        'ttl-check:{idx}:lru',
        'ttl-check:{idx}:meta',
        'ttl-check:{idx}:size',
      ]);
      for (const key of keys) {
        const ttl = await raw.pttl(key);
        if (key === 'ttl-check:c:epoch') expect(ttl).toBe(-1);
        else expect(ttl, key).toBeGreaterThan(0);
      }
      await cache.close();
    });

    it('rejects while Redis is down instead of queueing, and works again once it is back', async () => {
      const cache = await openReady({ url: server.url, namespace: 'outage' });
      await cache.set({ set: 's', key: 'k', value: Buffer.from('v'), ttlMs: HOUR }, 1000);
      raw.disconnect();
      await server.kill();
      await expect(cache.get('s', 'k')).rejects.toThrow(/^redis cache: /);
      await expect(cache.increment('c')).rejects.toThrow(/^redis cache: /);
      await server.start();
      await eventually(() => cache.ping());
      // A fresh server (no persistence): the entry is gone, the scripts are loaded again.
      expect(await cache.get('s', 'k')).toBeUndefined();
      expect(await cache.set({ set: 's', key: 'k', value: Buffer.from('v'), ttlMs: HOUR }, 1000)).toBe(
        'stored',
      );
      await cache.close();
      raw.disconnect();
      raw = openRaw();
    });

    it('answers refused when Redis is out of memory under noeviction', async () => {
      const cache = await openReady({ url: server.url, namespace: 'oom' });
      const used = Number(/used_memory:(\d+)/.exec(await raw.info('memory'))?.[1]);
      await raw.config('SET', 'maxmemory-policy', 'noeviction');
      await raw.config('SET', 'maxmemory', String(used + 2 * 1024 * 1024));
      try {
        const results = new Set<string>();
        for (let i = 0; i < 100 && !results.has('refused'); i++) {
          results.add(
            await cache.set({ set: 's', key: `k${i}`, value: randomBytes(100_000), ttlMs: HOUR }, 1e9),
          );
        }
        expect(results).toEqual(new Set(['stored', 'refused']));
      } finally {
        await raw.config('SET', 'maxmemory', '0');
        await cache.close();
      }
    });
  });

  describe('redis cache secrets', () => {
    const password = 'pw-Secret-42';
    let server: TestRedisServer;
    beforeAll(async () => {
      server = await startRedisServer({ password });
    });
    afterAll(() => server?.stop());

    it('works with the password from the URL', async () => {
      const cache = await openReady({ url: server.url });
      expect(await cache.increment('c')).toBe(1);
      await cache.close();
    });

    it('keeps a wrong password out of errors and connection messages', async () => {
      const errors: string[] = [];
      const url = `redis://:${password}-wrong@127.0.0.1:${server.port}`;
      const cache = createRedisCache({ url, onError: (m) => errors.push(m) });
      const failures: string[] = [];
      await eventually(async () => {
        await cache.ping().catch((err: Error) => failures.push(err.message));
        expect(errors.length).toBeGreaterThan(0);
      });
      await cache.close();
      expect(failures.length).toBeGreaterThan(0);
      for (const message of [...errors, ...failures]) expect(message).not.toContain(password);
    });

    it('redactRedisUrl hides the password and keeps the rest', () => {
      expect(redactRedisUrl(`redis://user:${password}@cache.internal:6380/2`)).toBe(
        'redis://user:***@cache.internal:6380/2',
      );
      expect(redactRedisUrl('redis://127.0.0.1:6379')).toBe('redis://127.0.0.1:6379');
    });
  });
}

describe('redis cache options', () => {
  it('rejects a namespace with braces, which would break the per-set hash tags', () => {
    expect(() => createRedisCache({ url: 'redis://127.0.0.1:1', namespace: 'a{b' })).toThrow(/no braces/);
  });
});

describe('redis reconnect delay', () => {
  it('doubles from about 100 ms and stays at or below 2 s', () => {
    expect(reconnectDelay(1)).toBeGreaterThanOrEqual(80);
    expect(reconnectDelay(1)).toBeLessThanOrEqual(100);
    expect(reconnectDelay(2)).toBeGreaterThanOrEqual(160);
    for (let attempt = 1; attempt < 50; attempt++) expect(reconnectDelay(attempt)).toBeLessThanOrEqual(2000);
  });
});
