/**
 * The `redis` lease, on the Redis server of the shared cache (same connection behaviour,
 * cache/redis.ts `redisConnectionOptions`, wired in main/): `SET key holder NX PX ttl` takes a free
 * lease; renewal and release are Lua scripts that extend or delete the key only while it still
 * names this holder, so a replica whose lease expired and was taken can never extend or drop the
 * new holder's. Expiry runs on the Redis server's clock.
 */
import type { Redis } from 'ioredis';
import type { LeaseStore } from './port.ts';

const EXTEND = `if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0`;

const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0`;

export interface RedisLeaseOptions {
  /** Key prefix (the cache's namespace); leases are `<prefix>:lease:<name>`. */
  readonly prefix: string;
  /** Close the client on close() (default true: the lease owns its connection). */
  readonly ownsClient?: boolean;
}

export function createRedisLeaseStore(client: Redis, options: RedisLeaseOptions): LeaseStore {
  const keyOf = (name: string) => `${options.prefix}:lease:${name}`;
  return {
    async acquire(name, holder, ttlMs) {
      const ttl = Math.max(1, Math.ceil(ttlMs));
      if ((await client.set(keyOf(name), holder, 'PX', ttl, 'NX')) === 'OK') return true;
      return (await client.eval(EXTEND, 1, keyOf(name), holder, ttl)) === 1;
    },
    async release(name, holder) {
      await client.eval(RELEASE, 1, keyOf(name), holder);
    },
    async close() {
      if (options.ownsClient ?? true) client.disconnect();
    },
  };
}
