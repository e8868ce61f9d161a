/**
 * The CacheStore contract suite (cache/contract.ts) on the `aerospike` adapter: always through the
 * in-process fake (two adapters on one fake cluster are two replicas), and against a real
 * Aerospike CE 8 server when HEVLAYER_TEST_AEROSPIKE=host:port[/namespace] is set (skipped with
 * that reason otherwise). The client timeouts are raised here: the suite checks behaviour, not
 * speed, and a loaded test machine must not turn into cache failures.
 */
import { describe, it } from 'vitest';
import { realAerospike } from '../../test/helpers/aerospike.ts';
import { AEROSPIKE_RECORD_OVERHEAD, type AerospikeCacheOptions, createAerospikeCache } from './aerospike.ts';
import { createFakeAerospike } from './aerospike-fake.ts';
import { defineCacheContract } from './contract.ts';

const relaxed = { readTimeoutMs: 2_000, writeTimeoutMs: 2_000, scanTimeoutMs: 10_000 } as const;

const FAKE_RECORD_LIMIT = 8 * 1024;
defineCacheContract(
  'aerospike (in-process fake)',
  { shared: true, maxEntryBytes: FAKE_RECORD_LIMIT - AEROSPIKE_RECORD_OVERHEAD },
  async () => {
    const fake = createFakeAerospike({ maxRecordBytes: FAKE_RECORD_LIMIT });
    const options: AerospikeCacheOptions = {
      hosts: ['fake:3000'],
      namespace: 'cache',
      maxRecordBytes: FAKE_RECORD_LIMIT,
      ...relaxed,
    };
    return {
      open: async () => createAerospikeCache({ ...options, client: fake.client() }),
      close: async () => undefined,
    };
  },
);

const real = realAerospike();
if (typeof real === 'string') {
  describe.skip(`CacheStore contract: aerospike (real server) — skipped: ${real}`, () => {
    it('runs when HEVLAYER_TEST_AEROSPIKE is set', () => undefined);
  });
} else {
  const RECORD_LIMIT = 1024 * 1024; // CE 8 default
  defineCacheContract(
    `aerospike (real server ${real.host}/${real.namespace})`,
    { shared: true, maxEntryBytes: RECORD_LIMIT - AEROSPIKE_RECORD_OVERHEAD },
    async () => ({
      open: async () => {
        const cache = createAerospikeCache({ hosts: [real.host], namespace: real.namespace, ...relaxed });
        await cache.ping();
        return cache;
      },
      close: async () => undefined,
    }),
  );
}
