import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryCache } from './memory.ts';
import type { CacheStore } from './port.ts';
import { CacheRuntime } from './runtime.ts';

/** A memory store that calls itself `redis` (a shared backend) and counts counter reads. */
function sharedStore(): CacheStore & { counterReads: number } {
  const inner = createMemoryCache();
  const store = {
    ...inner,
    backend: 'redis' as const,
    inProcess: false,
    counterReads: 0,
    counter(name: string) {
      store.counterReads++;
      return inner.counter(name);
    },
  };
  return store;
}

const runtimes: CacheRuntime[] = [];
afterEach(() => {
  for (const r of runtimes.splice(0)) r.close();
});

function runtimeOver(store: CacheStore): CacheRuntime {
  const runtime = new CacheRuntime({ store, budgetMs: 1000 });
  runtimes.push(runtime);
  return runtime;
}

describe('fresh epoch reads on a shared store', () => {
  it('strong reads arriving in the same turn share one epoch read per counter', async () => {
    const store = sharedStore();
    const runtime = runtimeOver(store);
    const reads = await Promise.all(Array.from({ length: 100 }, () => runtime.epochs('i', ['c'], true)));
    expect(store.counterReads).toBe(1);
    expect(reads.every((r) => r?.[0] === 0)).toBe(true);
  });

  it('a read arriving after the shared read was sent gets its own, which sees a bump made in between', async () => {
    const store = sharedStore();
    const runtime = runtimeOver(store);
    const first = runtime.epochs('i', ['c'], true);
    await new Promise((resolve) => setImmediate(resolve)); // the batch is sent at the end of that turn
    await store.increment('c');
    const second = runtime.epochs('i', ['c'], true);
    expect([await first, await second]).toEqual([[0], [1]]);
    expect(store.counterReads).toBe(2);
  });
});

describe('store calls and the budget', () => {
  /** A memory store whose reads answer after `delayMs`. */
  function slowStore(inProcess: boolean, delayMs: number): CacheStore {
    const inner = createMemoryCache();
    return {
      ...inner,
      inProcess,
      get: (set, key) => new Promise((resolve) => setTimeout(() => resolve(inner.get(set, key)), delayMs)),
    };
  }

  it('a call to a shared store that answers after the budget counts as failed', async () => {
    const runtime = new CacheRuntime({ store: slowStore(false, 50), budgetMs: 5 });
    runtimes.push(runtime);
    expect(await runtime.call('i', 'get', () => runtime.store.get('s', 'k'))).toBeUndefined();
    expect(runtime.health.degraded('i')).toBe(true);
  });

  it('a call to an in-process store runs without the budget: its answer counts however late', async () => {
    const runtime = new CacheRuntime({ store: slowStore(true, 50), budgetMs: 5 });
    runtimes.push(runtime);
    expect(await runtime.call('i', 'get', () => runtime.store.get('s', 'k'))).toEqual({ value: undefined });
    expect(runtime.health.degraded('i')).toBe(false);
  });
});
