/**
 * The `aerospike` lease, in the Aerospike namespace of the shared cache: one record per lease
 * (set `leases`) with bin `holder` and a record TTL of the lease's length, so the server's expiry
 * frees a lease nobody renews. A free lease is taken with a create-only write; renewal and release
 * read the record and write or delete it under a generation check, so a holder that lost the lease
 * in between fails instead of overwriting the new holder. The client is the cache's (wired in
 * main/ through cache/aerospike-connection.ts; the tests pass the in-process fake). Record TTLs are
 * whole seconds: a lease lasts ceil(ttlMs / 1000) s on the server.
 */
import Aerospike from 'aerospike';
import type { LeaseStore } from './port.ts';

type Key = InstanceType<typeof Aerospike.Key>;
type Operation = ReturnType<typeof Aerospike.operations.read>;

/** The client calls this adapter makes (a structural subset of `Aerospike.Client`). */
export interface AerospikeLeaseClient {
  get(key: Key, policy?: { totalTimeout?: number }): Promise<{ bins: Record<string, unknown>; gen: number }>;
  operate(
    key: Key,
    operations: Operation[],
    metadata?: { ttl?: number; gen?: number } | null,
    policy?: { totalTimeout?: number; exists?: number; gen?: number },
  ): Promise<unknown>;
}

export interface AerospikeLeaseOptions {
  readonly namespace: string;
  /** The connected client (connected lazily by the caller). */
  readonly client: () => Promise<AerospikeLeaseClient>;
  readonly timeoutMs?: number;
}

const SET = 'leases';
const codeOf = (err: unknown) => (err as { code?: unknown }).code;

export function createAerospikeLeaseStore(options: AerospikeLeaseOptions): LeaseStore {
  const totalTimeout = options.timeoutMs ?? 1000;
  const keyOf = (name: string) => new Aerospike.Key(options.namespace, SET, name);
  const current = async (client: AerospikeLeaseClient, key: Key) => {
    try {
      return await client.get(key, { totalTimeout });
    } catch (err) {
      if (codeOf(err) === Aerospike.status.ERR_RECORD_NOT_FOUND) return undefined;
      throw err;
    }
  };
  /** Runs a conditional write; false when the condition (absent / same generation) failed. */
  const conditional = async (write: () => Promise<unknown>): Promise<boolean> => {
    try {
      await write();
      return true;
    } catch (err) {
      const code = codeOf(err);
      if (
        code === Aerospike.status.ERR_RECORD_EXISTS ||
        code === Aerospike.status.ERR_RECORD_GENERATION ||
        code === Aerospike.status.ERR_RECORD_NOT_FOUND
      )
        return false;
      throw err;
    }
  };

  return {
    async acquire(name, holder, ttlMs) {
      const client = await options.client();
      const key = keyOf(name);
      const ttl = Math.max(1, Math.ceil(ttlMs / 1000));
      const write = [Aerospike.operations.write('holder', holder)];
      const record = await current(client, key);
      if (record === undefined) {
        return conditional(() =>
          client.operate(key, write, { ttl }, { totalTimeout, exists: Aerospike.policy.exists.CREATE }),
        );
      }
      if (record.bins.holder !== holder) return false;
      return conditional(() =>
        client.operate(key, write, { ttl, gen: record.gen }, { totalTimeout, gen: Aerospike.policy.gen.EQ }),
      );
    },
    async release(name, holder) {
      const client = await options.client();
      const key = keyOf(name);
      const record = await current(client, key);
      if (record?.bins.holder !== holder) return;
      await conditional(() =>
        client.operate(
          key,
          [Aerospike.operations.delete()],
          { gen: record.gen },
          { totalTimeout, gen: Aerospike.policy.gen.EQ },
        ),
      );
    },
    async close() {},
  };
}
