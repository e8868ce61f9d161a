/**
 * The budget of one cache call: the value in time, a failure or a late answer as `{ok: false}`,
 * never a rejection (also not the late one).
 */
import { describe, expect, it } from 'vitest';
import { settle, withBudget } from './budget.ts';

describe('withBudget', () => {
  it('gives the value of a call that answers', async () => {
    expect(await withBudget(() => Promise.resolve(7), 20)).toEqual({ ok: true, value: 7 });
  });

  it('gives ok: false (not a timeout) for a call that rejects or throws', async () => {
    expect(await withBudget(() => Promise.reject(new Error('down')), 20)).toEqual({
      ok: false,
      timedOut: false,
    });
    expect(
      await withBudget(() => {
        throw new Error('sync');
      }, 20),
    ).toEqual({ ok: false, timedOut: false });
  });

  it('gives ok: false, timedOut for a call that never answers', async () => {
    expect(await withBudget(() => new Promise(() => undefined), 5)).toEqual({ ok: false, timedOut: true });
  });

  it('a call that fails after its budget ran out leaves no unhandled rejection', async () => {
    let fail: (err: Error) => void = () => undefined;
    const late = new Promise<number>((_resolve, reject) => (fail = reject));
    expect(await withBudget(() => late, 5)).toEqual({ ok: false, timedOut: true });
    fail(new Error('late'));
    await new Promise((r) => setImmediate(r));
  });
});

describe('settle', () => {
  it('gives the value, and {ok: false} for a rejection or a synchronous throw', async () => {
    expect(await settle(() => Promise.resolve(7))).toEqual({ ok: true, value: 7 });
    expect(await settle(() => Promise.reject(new Error('down')))).toEqual({ ok: false, timedOut: false });
    expect(
      await settle(() => {
        throw new Error('sync');
      }),
    ).toEqual({ ok: false, timedOut: false });
  });
});
