/**
 * The `redis` CacheStore (ioredis): a backend shared by every gateway replica. Entries are strings
 * with a PX TTL under `<namespace>:{<set>}:e:<key>`; the per-set byte cap, LRU eviction and the
 * reconciliation of expired entries run in Lua scripts (redis-scripts.ts), atomic across replicas.
 * Counters are `<namespace>:c:<name>`, plain INCR, no TTL. Bytes as stored are `entryBytes`.
 *
 * Fail fast, because the cache layer answers from upstream within a short budget: no offline queue
 * (a command while disconnected rejects at once), no per-command retries, a command timeout, and
 * reconnection in the background with capped, jittered backoff. The URL's password never reaches
 * an error, a log line or a status: use `redactRedisUrl` to show the URL.
 */
import { Redis, type RedisOptions } from 'ioredis';
import { entryBytes, type CacheEntry, type CacheStore, type SetResult, type SetUsage } from './port.ts';
import { DELETE_SCRIPT, GET_SCRIPT, SET_SCRIPT, USAGE_SCRIPT, accountingKeys } from './redis-scripts.ts';

export interface RedisCacheOptions {
  /** `redis://[user:password@]host:port[/db]` or `rediss://…` (TLS). */
  readonly url: string;
  /** Key prefix of everything this cache writes (GatewayConfig `spec.cache.namespace`). */
  readonly namespace?: string;
  /** A command not answered within this rejects (default 1000 ms). */
  readonly commandTimeoutMs?: number;
  /** Values larger than this are not stored (default 64 MiB): big values stall Redis's one thread. */
  readonly maxEntryBytes?: number;
  /** Connection errors, with the password removed (default: ignored; the layer counts failures). */
  readonly onError?: (message: string) => void;
}

export const DEFAULT_REDIS_NAMESPACE = 'hevlayer';
export const DEFAULT_REDIS_MAX_ENTRY_BYTES = 64 * 1024 * 1024;

type Arg = string | Buffer | number;
interface ScriptedRedis extends Redis {
  cacheGetBuffer(...args: Arg[]): Promise<Buffer | null>;
  cacheSet(...args: Arg[]): Promise<'stored' | 'too-large'>;
  cacheDelete(...args: Arg[]): Promise<number>;
  cacheUsage(...args: Arg[]): Promise<[number, number]>;
}

const SCRIPTS = {
  cacheGet: { numberOfKeys: 4, lua: GET_SCRIPT },
  cacheSet: { numberOfKeys: 4, lua: SET_SCRIPT },
  cacheDelete: { numberOfKeys: 4, lua: DELETE_SCRIPT },
  cacheUsage: { numberOfKeys: 4, lua: USAGE_SCRIPT },
};

/** The URL with its password replaced by `***`, for logs and status. */
export function redactRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password === '') return url;
    parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'redis://(unparseable URL)';
  }
}

/** Reconnection delay: doubling from 100 ms, capped at 2 s, with up to 20% jitter. */
export function reconnectDelay(attempt: number): number {
  const base = Math.min(100 * 2 ** Math.max(0, attempt - 1), 2000);
  return Math.round(base * (0.8 + 0.2 * Math.random()));
}

/**
 * How every hevlayer Redis connection behaves (the cache, and the snapshot writer's lease on the
 * same server): fail fast, no offline queue, no per-command retries, background reconnection.
 */
export function redisConnectionOptions(commandTimeoutMs: number) {
  return {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: commandTimeoutMs,
    connectTimeout: 2000,
    retryStrategy: reconnectDelay,
  } satisfies RedisOptions;
}

export function createRedisCache(options: RedisCacheOptions): CacheStore {
  const prefix = options.namespace ?? DEFAULT_REDIS_NAMESPACE;
  if (/[{}]/.test(prefix)) throw new Error(`invalid redis cache namespace "${prefix}": no braces`);
  const maxEntryBytes = options.maxEntryBytes ?? DEFAULT_REDIS_MAX_ENTRY_BYTES;
  const password = passwordOf(options.url);
  const redact = (text: string) => (password === '' ? text : text.split(password).join('***'));
  const client = new Redis(options.url, {
    ...redisConnectionOptions(options.commandTimeoutMs ?? 1000),
    enableAutoPipelining: true,
    scripts: SCRIPTS,
  }) as ScriptedRedis;
  // Without a listener ioredis prints every connection error to the console.
  client.on('error', (err: Error) => options.onError?.(redact(err.message)));

  /** Runs a call, rethrowing its failure with the password removed from the message. */
  const call = async <T>(run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (err) {
      throw new Error(`redis cache: ${redact(err instanceof Error ? err.message : String(err))}`);
    }
  };
  const setKeys = (set: string) => {
    const setPrefix = `${prefix}:{${checkSetName(set)}}`;
    return [...accountingKeys(setPrefix), `${setPrefix}:e:`];
  };
  const counterKey = (name: string) => `${prefix}:c:${name}`;

  return {
    backend: 'redis',

    async get(set, key) {
      const value = await call(() => client.cacheGetBuffer(...setKeys(set), key));
      return value ?? undefined;
    },

    async set(entry: CacheEntry, capBytes: number): Promise<SetResult> {
      const keys = setKeys(entry.set);
      if (entryBytes(entry.key, entry.value) > maxEntryBytes) {
        await call(() => client.cacheDelete(...keys, entry.key));
        return 'too-large';
      }
      try {
        return await call(() =>
          client.cacheSet(...keys, entry.key, entry.value, Math.ceil(entry.ttlMs), Math.floor(capBytes)),
        );
      } catch (err) {
        // Out of memory under `maxmemory` with noeviction, or a read-only replica: a refusal.
        if (/\b(OOM|READONLY)\b/.test((err as Error).message)) return 'refused';
        throw err;
      }
    },

    async delete(set, key) {
      await call(() => client.cacheDelete(...setKeys(set), key));
    },

    async increment(counter) {
      return call(() => client.incr(counterKey(counter)));
    },

    async counter(counter) {
      const value = await call(() => client.get(counterKey(counter)));
      return value === null ? 0 : Number(value);
    },

    async usage(set): Promise<SetUsage> {
      const [entries, bytes] = await call(() => client.cacheUsage(...setKeys(set)));
      return { entries, bytes };
    },

    async ping() {
      await call(() => client.ping());
    },

    async close() {
      if (client.status === 'ready') await client.quit().catch(() => client.disconnect());
      else client.disconnect();
    },
  };
}

function passwordOf(url: string): string {
  try {
    return decodeURIComponent(new URL(url).password);
  } catch {
    return '';
  }
}

/** `{` and `}` would break the hash tag that keeps a set's keys together (and make keys collide). */
function checkSetName(set: string): string {
  if (set === '' || /[{}]/.test(set))
    throw new Error(`invalid cache set name "${set}": no braces, not empty`);
  return set;
}
