/**
 * The aerospike lease: the contract suite on the in-process fake cluster (on a hand-moved clock),
 * and on a real Aerospike server (expiry on its clock) when HEVLAYER_TEST_AEROSPIKE is set.
 */
import { describe } from 'vitest';
import { connectReal, realAerospike } from '../../test/helpers/aerospike.ts';
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

const real = realAerospike();
if (typeof real === 'string') describe.skip(`aerospike lease on a real server: ${real}`, () => undefined);
else
  defineLeaseContract(`aerospike (real server ${real.host})`, async () => {
    const clients = [await connectReal(real), await connectReal(real)];
    const open = (i: number) =>
      createAerospikeLeaseStore({ namespace: real.namespace, client: async () => clients[i]! });
    return {
      a: open(0),
      b: open(1),
      // Aerospike TTLs are whole seconds.
      ttlMs: 2000,
      expire: () => new Promise((resolve) => setTimeout(resolve, 3100)),
      close: async () => {
        for (const c of clients) await (c as unknown as { close(): Promise<void> }).close();
      },
    };
  });
