/**
 * The boundary between the `aerospike` CacheStore (cache/aerospike.ts) and the official client:
 * the subset of `Aerospike.Client` the adapter calls, typed so that a real client and the
 * in-process fake (cache/aerospike-fake.ts) both fit, and the reading of the client's errors
 * (`AerospikeError.code`) into what the adapter does with them. Operations are built with the real
 * module's helpers (`Aerospike.operations`, `Aerospike.maps`) and the fake interprets the same
 * objects, so the adapter has one code path.
 */
import Aerospike from 'aerospike';

export type AerospikeKey = InstanceType<typeof Aerospike.Key>;
export type AerospikeOperation = ReturnType<typeof Aerospike.operations.read>;

export interface AerospikeRecordLike {
  readonly key: AerospikeKey;
  readonly bins: Record<string, unknown>;
  /** Seconds left (-1: never expires). */
  readonly ttl: number;
  readonly gen: number;
}

/** The policy fields the adapter sets (a subset of the client's policy classes). */
export interface AerospikePolicyLike {
  totalTimeout?: number;
  maxRetries?: number;
  exists?: number;
  gen?: number;
  commitLevel?: number;
}

export interface AerospikeQueryLike {
  results(policy?: AerospikePolicyLike): Promise<AerospikeRecordLike[]>;
}

/** What the adapter calls on `Aerospike.Client`; the fake implements exactly this. */
export interface AerospikeClientLike {
  connect(): Promise<unknown>;
  get(key: AerospikeKey, policy?: AerospikePolicyLike): Promise<AerospikeRecordLike>;
  exists(key: AerospikeKey, policy?: AerospikePolicyLike): Promise<boolean>;
  operate(
    key: AerospikeKey,
    operations: AerospikeOperation[],
    metadata?: { ttl?: number; gen?: number } | null,
    policy?: AerospikePolicyLike,
  ): Promise<AerospikeRecordLike>;
  remove(key: AerospikeKey, policy?: AerospikePolicyLike): Promise<unknown>;
  query(ns: string, set: string, options?: { select?: string[] }): AerospikeQueryLike;
  close(): unknown;
}

/** The client's status codes the adapter tells apart (`Aerospike.status`). */
export const STATUS = {
  RECORD_NOT_FOUND: Aerospike.status.ERR_RECORD_NOT_FOUND, // 2
  GENERATION: Aerospike.status.ERR_RECORD_GENERATION, // 3
  SERVER_FULL: Aerospike.status.ERR_SERVER_FULL, // 8: namespace stop-writes
  TIMEOUT: Aerospike.status.ERR_TIMEOUT, // 9
  RECORD_TOO_BIG: Aerospike.status.ERR_RECORD_TOO_BIG, // 13
  RECORD_BUSY: Aerospike.status.ERR_RECORD_BUSY, // 14: too many writes queued on one record
  FORBIDDEN: Aerospike.status.ERR_FAIL_FORBIDDEN, // 22: set stop-writes, clock skew
} as const;

/** The `code` of an error thrown by the client (or the fake), if it has one. */
export function statusOf(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

/** The server refused a write because it is out of room (stop-writes). */
export function isStopWrites(error: unknown): boolean {
  const code = statusOf(error);
  return code === STATUS.SERVER_FULL || code === STATUS.FORBIDDEN;
}

/** A write that failed this way may still have been applied (the client's `inDoubt`). */
export function isInDoubt(error: unknown): boolean {
  return (error as { inDoubt?: unknown } | null)?.inDoubt === true || statusOf(error) === STATUS.TIMEOUT;
}

const NAMES = new Map<number, string>(
  Object.entries(Aerospike.status as unknown as Record<string, unknown>)
    .filter((e): e is [string, number] => typeof e[1] === 'number' && !e[0].startsWith('AEROSPIKE_'))
    .map(([name, code]) => [code, name]),
);

/**
 * A cache failure with a message a person can act on. Built from the status code and the
 * operation only: the client's own text can name hosts and internals, and the adapter's options
 * may carry a password, so none of it is copied.
 */
export class AerospikeCacheError extends Error {
  readonly code: number | undefined;
  constructor(message: string, code?: number) {
    super(`aerospike cache: ${message}`);
    this.name = 'AerospikeCacheError';
    this.code = code;
  }

  static of(operation: string, cause: unknown): AerospikeCacheError {
    if (cause instanceof AerospikeCacheError) return cause;
    const code = statusOf(cause);
    const what = code === undefined ? 'an unexpected error' : `${NAMES.get(code) ?? 'status'} (code ${code})`;
    return new AerospikeCacheError(`${operation} failed: ${what}`, code);
  }
}
