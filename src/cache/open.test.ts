/**
 * The CacheStore factory from GatewayConfig `spec.cache`: the backend it opens, the errors for a
 * bad combination (field path first, as the validator prints them), and a log description that
 * never carries a password. The redis case opens against a real redis-server.
 */
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { redisServerSkipReason, startRedisServer } from '../../test/helpers/redis-server.ts';
import { CacheConfigError, describeCacheSpec, openCacheStore, type CacheSpec } from './open.ts';

const skipRedis = redisServerSkipReason();

describe('openCacheStore', () => {
  it('opens the memory backend by default', async () => {
    const cache = openCacheStore({ backend: 'memory' });
    expect(cache.backend).toBe('memory');
    await cache.close();
  });

  it.each<[string, CacheSpec, string]>([
    ['redis without url', { backend: 'redis' }, 'spec.cache.url: is required with the redis backend'],
    ['aerospike without hosts', { backend: 'aerospike', namespace: 'c' }, 'spec.cache.hosts: is required'],
    [
      'aerospike with no hosts',
      { backend: 'aerospike', hosts: [], namespace: 'c' },
      'spec.cache.hosts: is required',
    ],
    [
      'aerospike without namespace',
      { backend: 'aerospike', hosts: ['a:3000'] },
      'spec.cache.namespace: is required',
    ],
  ])('rejects %s with a CacheConfigError naming the field', (_, spec, message) => {
    expect(() => openCacheStore(spec)).toThrow(CacheConfigError);
    expect(() => openCacheStore(spec)).toThrow(message);
  });

  it('opens the aerospike backend from hosts and namespace without waiting for a server', async () => {
    const cache = openCacheStore({ backend: 'aerospike', hosts: ['127.0.0.1:1'], namespace: 'cache' });
    expect(cache.backend).toBe('aerospike');
    await cache.close();
  });

  it.skipIf(skipRedis !== undefined)(
    'opens redis from url and writes under namespace as the key prefix',
    async () => {
      const server = await startRedisServer();
      const raw = new Redis(server.url);
      try {
        const cache = openCacheStore({ backend: 'redis', url: server.url, namespace: 'gw-a' });
        expect(cache.backend).toBe('redis');
        for (
          let i = 0;
          (await cache.ping().then(
            () => true,
            () => false,
          )) === false;
          i++
        ) {
          if (i > 200) throw new Error('redis cache never became ready');
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        await cache.increment('epoch');
        expect(await raw.get('gw-a:c:epoch')).toBe('1');
        await cache.close();
      } finally {
        raw.disconnect();
        await server.stop();
      }
    },
  );

  it('describes a redis backend without its password', () => {
    const text = describeCacheSpec({ backend: 'redis', url: 'redis://app:hunter2@cache:6379/1' });
    expect(text).toBe('redis redis://app:***@cache:6379/1 prefix hevlayer');
  });
});
