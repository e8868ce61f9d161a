/**
 * Byte accounting for one set of the `aerospike` CacheStore, shared by every gateway replica: one
 * record per set (set `_usage`, key = the set's name) whose map bin `b` holds bytes per *expiry
 * bucket* (bucket n covers entries expiring in ((n-1)·W, n·W] seconds since the epoch). A writer
 * reserves an entry's bytes in its bucket before writing it and releases them after removing or
 * overwriting it, each one atomic `operate` on the record; so the sum over the buckets is never
 * below what the set holds. Aerospike drops expired records itself and tells no one: instead, a
 * bucket is dropped whole once everything in it has expired (plus one more width for clock skew).
 * Bytes reserved for a write that timed out and never happened drain the same way.
 */
import Aerospike from 'aerospike';
import {
  type AerospikeClientLike,
  type AerospikeOperation,
  type AerospikePolicyLike,
  STATUS,
  statusOf,
} from './aerospike-client.ts';

export const USAGE_SET = '_usage';
const BIN = 'b';

export interface UsageAccounting {
  /** The bucket of an entry written now with this TTL. */
  bucketOf(ttlSeconds: number): number;
  /** Adds bytes to a bucket and returns the set's total (expired buckets dropped first). */
  reserve(set: string, bucket: number, bytes: number): Promise<number>;
  /** Gives back bytes of a bucket that is still counted. */
  release(set: string, bucket: number, bytes: number): Promise<void>;
  total(set: string): Promise<number>;
}

export interface UsageAccountingOptions {
  readonly client: () => Promise<AerospikeClientLike>;
  readonly namespace: string;
  readonly policy: AerospikePolicyLike;
  readonly now: () => number;
  /** Bucket width W, seconds. */
  readonly bucketSeconds: number;
}

export function createUsageAccounting(options: UsageAccountingOptions): UsageAccounting {
  const { namespace, policy, bucketSeconds: width } = options;
  const seconds = () => options.now() / 1000;
  /** Buckets below this one hold only expired entries, even with a clock `width` seconds off. */
  const firstLive = () => Math.floor((seconds() - width) / width);
  /** Map keys are strings (the client's typings); zero-padded so that their order is numeric. */
  const name = (bucket: number) => String(bucket).padStart(12, '0');
  const keyOf = (set: string) => new Aerospike.Key(namespace, USAGE_SET, set);
  const { maps } = Aerospike;

  const apply = async (set: string, change: AerospikeOperation[]): Promise<number> => {
    const client = await options.client();
    const record = await client
      .operate(
        keyOf(set),
        [
          maps.removeByKeyRange(BIN, null, name(firstLive()), maps.returnType.NONE),
          ...change,
          maps.getByKeyRange(BIN, null, null, maps.returnType.VALUE),
        ],
        { ttl: Aerospike.ttl.NEVER_EXPIRE },
        policy,
      )
      // No accounting record yet, and this call adds nothing: the server writes no empty record.
      .catch((error: unknown) =>
        statusOf(error) === STATUS.RECORD_NOT_FOUND ? undefined : Promise.reject(error),
      );
    const values = record?.bins[BIN];
    return Array.isArray(values) ? values.reduce((sum: number, v) => sum + Number(v), 0) : 0;
  };

  return {
    bucketOf: (ttlSeconds) => Math.ceil((seconds() + ttlSeconds) / width),
    reserve: (set, bucket, bytes) => apply(set, [maps.increment(BIN, name(bucket), bytes)]),
    async release(set, bucket, bytes) {
      if (bucket < firstLive()) return; // dropped already: its entries have expired
      await apply(set, [maps.increment(BIN, name(bucket), -bytes)]);
    },
    total: (set) => apply(set, []),
  };
}
