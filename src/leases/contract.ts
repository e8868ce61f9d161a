/**
 * The LeaseStore contract: one suite every adapter passes (file, redis on a real redis-server,
 * aerospike on the in-process fake). Two holders are two replicas. `expire` lets the lease's TTL
 * pass: a fake clock moves, or real time passes for a store that expires on its server's clock.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LeaseStore } from './port.ts';

export interface LeaseContractTarget {
  /** Two clients of one backend (two replicas). */
  readonly a: LeaseStore;
  readonly b: LeaseStore;
  /** A TTL the backend honours and `expire` outlasts. */
  readonly ttlMs: number;
  /** Lets more than `ttlMs` pass for the backend. */
  expire(): Promise<void>;
  close(): Promise<void>;
}

export function defineLeaseContract(name: string, open: () => Promise<LeaseContractTarget>): void {
  describe(`LeaseStore contract: ${name}`, () => {
    let t: LeaseContractTarget;
    beforeAll(async () => {
      t = await open();
    });
    afterAll(async () => {
      await t.close();
    });
    const lease = () => `snapshots/default/${randomUUID()}`;

    it('gives a free lease to the first holder and refuses it to a second', async () => {
      const n = lease();
      expect(await t.a.acquire(n, 'replica-a', t.ttlMs)).toBe(true);
      expect(await t.b.acquire(n, 'replica-b', t.ttlMs)).toBe(false);
    });

    it('renews for the holder that has it', async () => {
      const n = lease();
      expect(await t.a.acquire(n, 'replica-a', t.ttlMs)).toBe(true);
      expect(await t.a.acquire(n, 'replica-a', t.ttlMs)).toBe(true);
      expect(await t.b.acquire(n, 'replica-b', t.ttlMs)).toBe(false);
    });

    it('lets only the holder release it; then another holder can take it', async () => {
      const n = lease();
      await t.a.acquire(n, 'replica-a', t.ttlMs);
      await t.b.release(n, 'replica-b');
      expect(await t.b.acquire(n, 'replica-b', t.ttlMs)).toBe(false);
      await t.a.release(n, 'replica-a');
      expect(await t.b.acquire(n, 'replica-b', t.ttlMs)).toBe(true);
    });

    it('frees a lease nobody renews once its TTL has passed', async () => {
      const n = lease();
      expect(await t.a.acquire(n, 'replica-a', t.ttlMs)).toBe(true);
      await t.expire();
      expect(await t.b.acquire(n, 'replica-b', t.ttlMs)).toBe(true);
      expect(await t.a.acquire(n, 'replica-a', t.ttlMs)).toBe(false);
    });

    it('gives a contended free lease to exactly one of many concurrent holders', async () => {
      const n = lease();
      const stores = [t.a, t.b, t.a, t.b, t.a, t.b];
      const won = await Promise.all(stores.map((s, i) => s.acquire(n, `replica-${i}`, t.ttlMs)));
      expect(won.filter(Boolean)).toHaveLength(1);
    });
  });
}
