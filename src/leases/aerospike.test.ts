/** The aerospike lease: the contract suite on the in-process fake cluster, on a hand-moved clock. */
import { createFakeAerospike } from '../cache/aerospike-fake.ts';
import { defineLeaseContract } from './contract.ts';
import { createAerospikeLeaseStore } from './aerospike.ts';

defineLeaseContract('aerospike (fake)', async () => {
  let t = 1_000_000;
  const cluster = createFakeAerospike({ namespace: 'cache', now: () => t });
  const open = () => {
    const client = cluster.client();
    return createAerospikeLeaseStore({ namespace: 'cache', client: async () => client });
  };
  return {
    a: open(),
    b: open(),
    ttlMs: 2000,
    expire: async () => {
      t += 2001;
    },
    close: async () => undefined,
  };
});
