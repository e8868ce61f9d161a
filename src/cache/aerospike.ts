/**
 * The `aerospike` CacheStore: the production backend, shared by every gateway replica, with the
 * official client. An entry is one record in the namespace, in the Aerospike set of its cache set,
 * with bins `v` (the value), `sz` (bytes as stored: UTF-8 key + value, as in every adapter), `xb`
 * (its expiry bucket, see cache/aerospike-usage.ts) and `at` (last use, µs): written with a TTL
 * (seconds, rounded up), never truncated; a value over the record-size limit is `too-large`.
 * The byte cap holds across replicas by reservation: bytes are reserved atomically in the set's
 * accounting record before a write, and when the total would pass the cap the least recently used
 * entries are removed first (found by a scan of the set's metadata bins, then taken one by one,
 * each removal checked against the generation the scan saw, so an entry used or rewritten since
 * is left alone). A hit rewrites `at` in the same round trip. Counters are records of set
 * `_counters` that never expire. Every client error becomes an AerospikeCacheError (a cache
 * failure: the layer fails open); stop-writes on an entry write is `refused`. The design and its
 * limits: docs/adr/read-cache.md, "Aerospike adapter".
 */
import Aerospike from 'aerospike';
import {
  AerospikeCacheError,
  type AerospikeClientLike,
  type AerospikeKey,
  type AerospikePolicyLike,
  STATUS,
  isInDoubt,
  isStopWrites,
  statusOf,
} from './aerospike-client.ts';
import { lazyConnection } from './aerospike-connection.ts';
import { createUsageAccounting } from './aerospike-usage.ts';
import { type CacheEntry, type CacheStore, type SetResult, type SetUsage, entryBytes } from './port.ts';

export interface AerospikeCacheOptions {
  /** Seed nodes, `host:port`. */
  readonly hosts: readonly string[];
  readonly namespace: string;
  readonly user?: string;
  readonly password?: string;
  /** The largest record the server takes: its write-block / max-record-size (CE 8 default 1 MiB). */
  readonly maxRecordBytes?: number;
  /** Client total timeout for reads (a lookup, a counter), ms. */
  readonly readTimeoutMs?: number;
  /** Client total timeout for writes, ms. */
  readonly writeTimeoutMs?: number;
  /** Client total timeout for a scan of one set's metadata (usage, eviction), ms. */
  readonly scanTimeoutMs?: number;
  /**
   * Connections per server node. The client refuses a command beyond it (code -7) instead of
   * queueing it, so it bounds the cache calls in flight per gateway (client default 100).
   */
  readonly maxConnsPerNode?: number;
  /** A failed connection is retried by the next call at most this often, ms. */
  readonly reconnectMs?: number;
  /** Width of an expiry bucket of the byte accounting, seconds (also the clock skew tolerated). */
  readonly bucketSeconds?: number;
  /** An already built client (the fake in tests); by default a real `Aerospike.Client`. */
  readonly client?: AerospikeClientLike;
  readonly now?: () => number;
}

export const AEROSPIKE_DEFAULTS = {
  maxRecordBytes: 1024 * 1024,
  readTimeoutMs: 30,
  writeTimeoutMs: 50,
  scanTimeoutMs: 5_000,
  reconnectMs: 1_000,
  bucketSeconds: 60,
  maxConnsPerNode: 300,
} as const;

const COUNTER_SET = '_counters';
/** Record overhead kept free under the server's limit (record header, bin names and types). */
export const AEROSPIKE_RECORD_OVERHEAD = 128;
const SET_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

interface Candidate {
  readonly key: AerospikeKey;
  readonly gen: number;
  readonly bytes: number;
  readonly bucket: number;
}

export function createAerospikeCache(options: AerospikeCacheOptions): CacheStore {
  const o = { ...AEROSPIKE_DEFAULTS, ...definedOnly(options) };
  const now = options.now ?? Date.now;
  const { namespace } = options;
  const read: AerospikePolicyLike = { totalTimeout: o.readTimeoutMs };
  const write: AerospikePolicyLike = { totalTimeout: o.writeTimeoutMs, maxRetries: 0 };
  const connection = lazyConnection({ ...options, maxConnsPerNode: o.maxConnsPerNode }, o.reconnectMs, now);
  const usage = createUsageAccounting({
    client: connection.get,
    namespace,
    policy: write,
    now,
    bucketSeconds: o.bucketSeconds,
  });
  /**
   * The `at` of a use, µs: sub-millisecond (from the monotonic clock, unless a clock is given) so
   * that uses in one millisecond keep their order, and strictly increasing in this process.
   */
  let last = 0;
  const lastUse = () => {
    const us = Math.round(
      (options.now === undefined ? performance.timeOrigin + performance.now() : now()) * 1000,
    );
    last = Math.max(last + 1, us);
    return last;
  };
  /** Per set: least recently used first, from the last scan (see the header). */
  const candidates = new Map<string, Candidate[]>();

  const entryKey = (set: string, key: string) => new Aerospike.Key(namespace, checkSet(set), key);
  const failure = (operation: string) => (error: unknown) => {
    throw AerospikeCacheError.of(operation, error);
  };

  /** Live entries of a set: key, generation, bytes, bucket and last use. */
  const scan = async (set: string) => {
    const client = await connection.get();
    const records = await client
      .query(namespace, checkSet(set), { select: ['sz', 'xb', 'at'] })
      .results({ totalTimeout: o.scanTimeoutMs });
    return records.map((r) => ({
      key: r.key,
      id: r.key.digest?.toString('hex') ?? String(r.key.key),
      gen: r.gen,
      bytes: Number(r.bins.sz ?? 0),
      bucket: Number(r.bins.xb ?? 0),
      at: Number(r.bins.at ?? 0),
    }));
  };

  /** Removes an entry if it is still the version `gen` (any version without), releasing its bytes. */
  const removeEntry = async (set: string, key: AerospikeKey, expected?: Candidate): Promise<number> => {
    const client = await connection.get();
    try {
      const { operations: op } = Aerospike;
      const record =
        expected === undefined
          ? await client.operate(key, [op.read('sz'), op.read('xb'), op.delete()], null, write)
          : await client.operate(
              key,
              [op.read('sz'), op.read('xb'), op.delete()],
              { gen: expected.gen },
              {
                ...write,
                gen: Aerospike.policy.gen.EQ,
              },
            );
      const bytes = Number(record.bins.sz ?? 0);
      if (bytes > 0) await usage.release(set, Number(record.bins.xb ?? 0), bytes);
      return bytes;
    } catch (error) {
      const code = statusOf(error);
      if (code === STATUS.RECORD_NOT_FOUND || code === STATUS.GENERATION) return 0;
      throw error;
    }
  };

  /** Removes least recently used entries until `need` bytes are freed; returns the bytes freed. */
  const evict = async (set: string, need: number): Promise<number> => {
    let freed = 0;
    let scanned = false;
    while (freed < need) {
      let list = candidates.get(set);
      if (list === undefined || list.length === 0) {
        if (scanned) break;
        scanned = true;
        list = (await scan(set)).sort((a, b) => a.at - b.at);
        candidates.set(set, list);
        if (list.length === 0) break;
      }
      const next = list.shift() as Candidate;
      freed += await removeEntry(set, next.key, next);
    }
    return freed;
  };

  /** Writes the entry; returns the bytes and bucket of the version it replaced, if any. */
  const writeEntry = async (entry: CacheEntry, bytes: number, bucket: number, ttl: number) => {
    const client = await connection.get();
    const { operations: op } = Aerospike;
    const record = await client.operate(
      entryKey(entry.set, entry.key),
      [
        op.read('sz'),
        op.read('xb'),
        op.write('v', entry.value),
        op.write('sz', bytes),
        op.write('xb', bucket),
        op.write('at', lastUse()),
      ],
      { ttl },
      write,
    );
    const old = record.bins.sz;
    return old === undefined || old === null
      ? undefined
      : { bytes: Number(old), bucket: Number(record.bins.xb) };
  };

  /**
   * Reserves the bytes and evicts until the set's total fits the cap. False (and nothing reserved)
   * when nothing is left to evict: the rest is other replicas' writes in flight, or bytes of
   * writes that timed out, which drain with their bucket.
   */
  const admit = async (set: string, bucket: number, bytes: number, capBytes: number) => {
    let total = await usage.reserve(set, bucket, bytes);
    try {
      for (let round = 0; total > capBytes; round++) {
        const freed = round < 3 ? await evict(set, total - capBytes) : 0;
        if (freed === 0) {
          await usage.release(set, bucket, bytes);
          return false;
        }
        total = await usage.total(set);
      }
      return true;
    } catch (error) {
      await usage.release(set, bucket, bytes).catch(() => undefined);
      throw error;
    }
  };

  const store = async (entry: CacheEntry, capBytes: number): Promise<SetResult> => {
    const bytes = entryBytes(entry.key, entry.value);
    if (bytes > capBytes || bytes + AEROSPIKE_RECORD_OVERHEAD > o.maxRecordBytes) {
      // Not stored; an older value under the key would now be stale, so it goes too.
      await removeEntry(entry.set, entryKey(entry.set, entry.key));
      return 'too-large';
    }
    const ttl = Math.max(1, Math.ceil(entry.ttlMs / 1000));
    const bucket = usage.bucketOf(ttl);
    if (!(await admit(entry.set, bucket, bytes, capBytes))) return 'refused';
    let replaced: { bytes: number; bucket: number } | undefined;
    try {
      replaced = await writeEntry(entry, bytes, bucket, ttl);
    } catch (error) {
      // In doubt (a timeout): the entry may be stored, so its bytes stay reserved.
      if (!isInDoubt(error)) await usage.release(entry.set, bucket, bytes);
      if (statusOf(error) === STATUS.RECORD_TOO_BIG) {
        await removeEntry(entry.set, entryKey(entry.set, entry.key));
        return 'too-large';
      }
      throw error;
    }
    // The entry is stored. Should giving back the old version's bytes fail, they stay counted
    // (over, never under) until their bucket passes.
    if (replaced !== undefined) {
      await usage.release(entry.set, replaced.bucket, replaced.bytes).catch(() => undefined);
    }
    return 'stored';
  };

  return {
    backend: 'aerospike',

    async get(set, key) {
      const client = await connection.get();
      const k = entryKey(set, key);
      const touch = [Aerospike.operations.read('v'), Aerospike.operations.write('at', lastUse())];
      const policy = {
        ...read,
        exists: Aerospike.policy.exists.UPDATE,
        commitLevel: Aerospike.policy.commitLevel.MASTER,
      };
      const record = await client
        .operate(k, touch, { ttl: Aerospike.ttl.DONT_UPDATE }, policy)
        // Under stop-writes the touch is refused but reads still work; a hot entry with too many
        // touches queued (code 14) is served without this one.
        .catch((error: unknown) =>
          isStopWrites(error) || statusOf(error) === STATUS.RECORD_BUSY
            ? client.get(k, read)
            : Promise.reject(error),
        )
        .catch((error: unknown) => {
          if (statusOf(error) === STATUS.RECORD_NOT_FOUND) return undefined;
          throw error;
        })
        .catch(failure('get'));
      const value = record?.bins.v;
      return Buffer.isBuffer(value) ? value : undefined;
    },

    set: (entry, capBytes) =>
      store(entry, capBytes)
        // Stop-writes refuses the accounting as well as the entry: either way, not stored.
        .catch((error: unknown) => (isStopWrites(error) ? ('refused' as const) : Promise.reject(error)))
        .catch(failure('set')),

    async delete(set, key) {
      await removeEntry(set, entryKey(set, key)).catch(failure('delete'));
    },

    async increment(counter) {
      const client = await connection.get();
      const { operations: op } = Aerospike;
      const record = await client
        .operate(
          new Aerospike.Key(namespace, COUNTER_SET, counter),
          [op.incr('n', 1), op.read('n')],
          { ttl: Aerospike.ttl.NEVER_EXPIRE },
          write,
        )
        .catch(failure('increment'));
      return Number(record.bins.n);
    },

    async counter(counter) {
      const client = await connection.get();
      const record = await client
        .get(new Aerospike.Key(namespace, COUNTER_SET, counter), read)
        .catch((error: unknown) => {
          if (statusOf(error) === STATUS.RECORD_NOT_FOUND) return undefined;
          throw error;
        })
        .catch(failure('counter'));
      return Number(record?.bins.n ?? 0);
    },

    async usage(set): Promise<SetUsage> {
      // A scan is no snapshot: while replicas evict and write, it can count an entry evicted
      // after the scan passed it and the entry that replaced it. Entries found by two scans in
      // a row (same key, size and bucket) were all alive when the first one ended.
      const twice = async () => [await scan(set), await scan(set)] as const;
      const [first, second] = await twice().catch(failure('usage'));
      const seen = new Set(first.map((e) => `${e.id}/${e.bytes}/${e.bucket}`));
      const live = second.filter((e) => seen.has(`${e.id}/${e.bytes}/${e.bucket}`));
      return { entries: live.length, bytes: live.reduce((sum, e) => sum + e.bytes, 0) };
    },

    async ping() {
      const client = await connection.get();
      await client.exists(new Aerospike.Key(namespace, COUNTER_SET, '_ping'), read).catch(failure('ping'));
    },

    async close() {
      candidates.clear();
      await connection.close();
    },
  };
}

function checkSet(set: string): string {
  // The pattern keeps out the adapter's own sets (`_usage`, `_counters`).
  if (!SET_NAME.test(set)) {
    throw new AerospikeCacheError(`invalid set name ${JSON.stringify(set)} (1-63 of A-Z a-z 0-9 . _ -)`);
  }
  return set;
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
