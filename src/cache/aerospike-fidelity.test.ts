/**
 * The fake keeps the server's word: the client-level behaviour the `aerospike` adapter relies on,
 * asserted on the in-process fake (cache/aerospike-fake.ts) and, when HEVLAYER_TEST_AEROSPIKE is
 * set, on a real Aerospike CE 8 server, with the same test bodies. A test that passes on the fake
 * and fails on the server means the fake lies.
 */
import { randomUUID } from 'node:crypto';
import Aerospike from 'aerospike';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectReal, realAerospike } from '../../test/helpers/aerospike.ts';
import { type AerospikeClientLike, STATUS, statusOf } from './aerospike-client.ts';
import { createFakeAerospike } from './aerospike-fake.ts';

const { operations: op, maps } = Aerospike;
const real = realAerospike();

interface Target {
  client: AerospikeClientLike;
  namespace: string;
  /** Lets time pass: a hand-moved clock on the fake, a real wait on the server. */
  pass(ms: number): Promise<void>;
}

async function code(promise: Promise<unknown>): Promise<number | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    return statusOf(error);
  }
}

function fidelity(name: string, open: () => Promise<Target>) {
  describe(`aerospike client semantics: ${name}`, () => {
    let t: Target;
    const set = `fid-${randomUUID().slice(0, 8)}`;
    const key = (k: string) => new Aerospike.Key(t.namespace, set, k);

    beforeAll(async () => {
      t = await open();
    });
    afterAll(async () => {
      await t.client.close();
    });

    it('a read of a missing record fails with code 2, and so does operate with exists UPDATE', async () => {
      expect(await code(t.client.get(key('missing')))).toBe(STATUS.RECORD_NOT_FOUND);
      const touch = [op.read('v'), op.write('at', 1)];
      const update = { exists: Aerospike.policy.exists.UPDATE };
      expect(await code(t.client.operate(key('missing'), touch, null, update))).toBe(STATUS.RECORD_NOT_FOUND);
      expect(await t.client.exists(key('missing'))).toBe(false);
    });

    it('operate applies in order: a read before a write returns the old value, incr then read the new', async () => {
      await t.client.operate(key('order'), [op.write('sz', 5), op.write('n', 1)], { ttl: 60 });
      const record = await t.client.operate(
        key('order'),
        [op.read('sz'), op.write('sz', 9), op.incr('n', 1), op.read('n')],
        {
          ttl: 60,
        },
      );
      expect(record.bins.sz).toBe(5);
      expect(record.bins.n).toBe(2);
      expect((await t.client.get(key('order'))).bins.sz).toBe(9);
    });

    it('every write adds 1 to the generation; a removal expecting another generation fails with code 3', async () => {
      const first = await t.client.operate(key('gen'), [op.write('a', 1)], { ttl: 60 });
      const second = await t.client.operate(key('gen'), [op.write('a', 2)], { ttl: 60 });
      expect(second.gen).toBe(first.gen + 1);
      const remove = [op.read('a'), op.delete()];
      const eq = { gen: Aerospike.policy.gen.EQ };
      expect(await code(t.client.operate(key('gen'), remove, { gen: first.gen }, eq))).toBe(
        STATUS.GENERATION,
      );
      const removed = await t.client.operate(key('gen'), remove, { gen: second.gen }, eq);
      expect(removed.bins.a).toBe(2);
      expect(await t.client.exists(key('gen'))).toBe(false);
      expect(await code(t.client.operate(key('gen'), remove))).toBe(STATUS.RECORD_NOT_FOUND);
    });

    it('a TTL counts in whole seconds; the record is gone after it', async () => {
      const record = await t.client.operate(key('ttl'), [op.write('v', Buffer.from('x')), op.read('v')], {
        ttl: 1,
      });
      expect(record.ttl).toBeGreaterThanOrEqual(0);
      expect(record.ttl).toBeLessThanOrEqual(1);
      await t.pass(2500);
      expect(await code(t.client.get(key('ttl')))).toBe(STATUS.RECORD_NOT_FOUND);
    });

    it('a write without a TTL takes the namespace default (never, here); DONT_UPDATE keeps the TTL', async () => {
      await t.client.operate(key('keep'), [op.write('a', 1)], { ttl: 100 });
      await t.client.operate(key('keep'), [op.write('a', 2)], { ttl: Aerospike.ttl.DONT_UPDATE });
      const kept = await t.client.get(key('keep'));
      expect(kept.ttl).toBeGreaterThan(90);
      expect(kept.ttl).toBeLessThanOrEqual(100);
      await t.client.operate(key('keep'), [op.write('a', 3)]);
      expect((await t.client.get(key('keep'))).ttl).toBe(-1);
    });

    it('map increment, get and remove by key range keep a per-bucket sum (the last result of a bin wins)', async () => {
      const ops = (change: ReturnType<typeof op.read>[]) => [
        maps.removeByKeyRange('b', null, '0001', maps.returnType.NONE),
        ...change,
        maps.getByKeyRange('b', null, null, maps.returnType.VALUE),
      ];
      const k = key('buckets');
      // Nothing to write and no record: the server writes no empty record.
      expect(await code(t.client.operate(k, ops([]), { ttl: -1 }))).toBe(STATUS.RECORD_NOT_FOUND);
      await t.client.operate(k, ops([maps.increment('b', '0002', 10)]), { ttl: -1 });
      await t.client.operate(k, ops([maps.increment('b', '0005', 7)]), { ttl: -1 });
      const both = await t.client.operate(k, [maps.getByKeyRange('b', null, null, maps.returnType.VALUE)]);
      expect(both.bins.b).toEqual([10, 7]);
      const after = await t.client.operate(
        k,
        [
          maps.removeByKeyRange('b', null, '0004', maps.returnType.NONE),
          maps.increment('b', '0005', -2),
        ].concat(maps.getByKeyRange('b', null, null, maps.returnType.VALUE)),
        { ttl: -1 },
      );
      expect(after.bins.b).toEqual([5]);
    });

    it('a record over the size limit fails with code 13 and leaves the old one', async () => {
      await t.client.operate(key('big'), [op.write('v', Buffer.alloc(10))], { ttl: 60 });
      const big = Buffer.alloc(1024 * 1024);
      expect(await code(t.client.operate(key('big'), [op.write('v', big)], { ttl: 60 }))).toBe(
        STATUS.RECORD_TOO_BIG,
      );
      expect(((await t.client.get(key('big'))).bins.v as Buffer).length).toBe(10);
    });

    it('a query of a set returns its live records with the selected bins and their generation', async () => {
      const qset = `${set}-q`;
      for (const k of ['a', 'b', 'c']) {
        await t.client.operate(
          new Aerospike.Key(t.namespace, qset, k),
          [op.write('v', Buffer.alloc(100)), op.write('sz', 101)],
          {
            ttl: 60,
          },
        );
      }
      const records = await t.client.query(t.namespace, qset, { select: ['sz'] }).results();
      expect(records).toHaveLength(3);
      for (const r of records) {
        expect(r.bins).toEqual({ sz: 101 });
        expect(r.gen).toBe(1);
      }
      // The returned key addresses the record (by digest on a real server).
      await t.client.remove((records[0] as (typeof records)[number]).key);
      expect(await t.client.query(t.namespace, qset, { select: ['sz'] }).results()).toHaveLength(2);
    });
  });
}

fidelity('in-process fake', async () => {
  let now = 1_000_000;
  const fake = createFakeAerospike({ now: () => now });
  const client = fake.client();
  await client.connect();
  return {
    client,
    namespace: 'cache',
    pass: async (ms) => {
      now += ms;
    },
  };
});

if (typeof real === 'string') {
  describe.skip(`aerospike client semantics: real server (skipped: ${real})`, () => {
    it('runs when HEVLAYER_TEST_AEROSPIKE is set', () => undefined);
  });
} else {
  fidelity(`real server ${real.host}`, async () => ({
    client: await connectReal(real),
    namespace: real.namespace,
    pass: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  }));
}
