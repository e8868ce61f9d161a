import { describe, expect, it } from 'vitest';
import { onAbort } from './abort.ts';

describe('onAbort', () => {
  it('calls every current subscriber once when the signal aborts', () => {
    const controller = new AbortController();
    const calls: string[] = [];
    onAbort(controller.signal, () => calls.push('a'));
    const offB = onAbort(controller.signal, () => calls.push('b'));
    onAbort(controller.signal, () => calls.push('c'));
    offB();
    controller.abort();
    controller.abort();
    expect(calls).toEqual(['a', 'c']);
  });

  it('keeps one listener on the signal however many subscriptions come and go', () => {
    const controller = new AbortController();
    let added = 0;
    const original = controller.signal.addEventListener.bind(controller.signal);
    controller.signal.addEventListener = ((...args: Parameters<typeof original>) => {
      added++;
      original(...args);
    }) as typeof original;
    for (let i = 0; i < 100; i++) onAbort(controller.signal, () => undefined)();
    let fired = 0;
    onAbort(controller.signal, () => fired++);
    controller.abort();
    expect([added, fired]).toEqual([1, 1]);
  });
});
