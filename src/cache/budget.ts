/**
 * A time budget for one cache call. A cache that answers late is as useless as one that fails: the
 * request goes on without it (fail-open). The store's promise is left to settle on its own; its
 * late rejection is handled by the race, so it never becomes an unhandled rejection.
 */

export class CacheBudgetExceeded extends Error {
  constructor(ms: number) {
    super(`cache call exceeded its ${ms} ms budget`);
    this.name = 'CacheBudgetExceeded';
  }
}

export type Budgeted<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly timedOut: boolean };

/** Settles with the call's value, or `{ok: false}` on its error or after `ms`. Never rejects. */
export function withBudget<T>(call: () => Promise<T>, ms: number): Promise<Budgeted<T>> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<Budgeted<T>>((resolve) => {
    // One more turn of the event loop after the timer: when the loop itself was late (a busy
    // process), an answer already waiting on the socket is read before the call counts as late.
    timer = setTimeout(() => setImmediate(() => resolve({ ok: false, timedOut: true })), ms);
  });
  let started: Promise<T>;
  try {
    started = call();
  } catch {
    clearTimeout(timer);
    return Promise.resolve({ ok: false, timedOut: false });
  }
  const settled = started.then(
    (value): Budgeted<T> => ({ ok: true, value }),
    (): Budgeted<T> => ({ ok: false, timedOut: false }),
  );
  return Promise.race([settled, expired]).finally(() => clearTimeout(timer));
}

/** The call's value, or `{ok: false}` on its error; for stores that cannot be late. Never rejects. */
export async function settle<T>(call: () => Promise<T>): Promise<Budgeted<T>> {
  try {
    return { ok: true, value: await call() };
  } catch {
    return { ok: false, timedOut: false };
  }
}
