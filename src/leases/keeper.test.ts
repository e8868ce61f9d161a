/** The lease keeper on a hand-moved clock: renewal timing, loss before the TTL, loss to another holder. */
import { describe, expect, it } from 'vitest';
import { LeaseKeeper } from './keeper.ts';
import type { LeaseStore } from './port.ts';

function scripted() {
  let t = 0;
  const calls: number[] = [];
  let answer: boolean | 'throw' = true;
  const store: LeaseStore = {
    acquire: async () => {
      calls.push(t);
      if (answer === 'throw') throw new Error('store unreachable');
      return answer;
    },
    release: async () => undefined,
    close: async () => undefined,
  };
  const keeper = new LeaseKeeper({ store, name: 'n', holder: 'h', ttlMs: 12_000, now: () => t });
  return {
    keeper,
    calls,
    at: (ms: number) => (t = ms),
    answer: (a: boolean | 'throw') => (answer = a),
  };
}

describe('LeaseKeeper', () => {
  it('renews only once a third of the TTL has passed since the last renewal', async () => {
    const s = scripted();
    expect(await s.keeper.ensure()).toBe(true);
    s.at(3_999);
    expect(await s.keeper.ensure()).toBe(true);
    s.at(4_000);
    expect(await s.keeper.ensure()).toBe(true);
    expect(s.calls).toEqual([0, 4_000]);
  });

  it('declares the lease lost a quarter TTL before it ends when renewals fail', async () => {
    const s = scripted();
    await s.keeper.ensure();
    s.answer('throw');
    s.at(5_000);
    expect(await s.keeper.ensure()).toBe(true); // still inside 0 + 12 000 - 3 000
    s.at(8_999);
    expect(s.keeper.held()).toBe(true);
    s.at(9_000);
    expect(s.keeper.held()).toBe(false);
    expect(await s.keeper.ensure()).toBe(false);
  });

  it('drops the lease at once when the store says another holder has it', async () => {
    const s = scripted();
    await s.keeper.ensure();
    s.answer(false);
    s.at(4_000);
    expect(await s.keeper.ensure()).toBe(false);
    expect(s.keeper.held()).toBe(false);
  });

  it('shares one store call between concurrent ensure() calls', async () => {
    const s = scripted();
    const both = await Promise.all([s.keeper.ensure(), s.keeper.ensure()]);
    expect(both).toEqual([true, true]);
    expect(s.calls).toEqual([0]);
  });
});
