/**
 * Test kit of the cache layer: an upstream dispatch whose answers the test releases one by one (to
 * drive a read and a write through any interleaving), a CacheStore that can be switched to fail or
 * hang, and a chain of one Index over both.
 */
import type { IndexPolicy } from '../registry/types.ts';
import {
  compose,
  type CacheReport,
  type CallContext,
  type Dispatch,
  type Operation,
} from '../stores/operations.ts';
import { Payload } from '../wire/payload.ts';
import { cacheLayer } from './layer.ts';
import { createMemoryCache } from './memory.ts';
import type { CacheStore } from './port.ts';
import { CacheRuntime, type CacheRuntimeOptions } from './runtime.ts';

export interface HeldCall {
  readonly operation: Operation;
  readonly ctx: CallContext;
  /** The body the upstream received, parsed. */
  readonly body: unknown;
  answer(value: unknown): void;
  fail(err: Error): void;
}

/**
 * An upstream that holds every call until the test answers it (`auto`: answers at once with
 * `state()`), counting calls per operation.
 */
export class FakeUpstream {
  readonly calls: HeldCall[] = [];
  auto = true;
  /** What an automatic answer holds: the "data" the upstream has now. */
  data = 1;

  readonly dispatch: Dispatch = (operation, ctx) =>
    new Promise<Payload>((resolve, reject) => {
      const call: HeldCall = {
        operation,
        ctx,
        body: operation.body?.value(),
        answer: (value) => resolve(Payload.fromValue(value)),
        fail: reject,
      };
      this.calls.push(call);
      if (operation.op === 'write') this.data++;
      if (this.auto) call.answer({ op: operation.op, data: this.data });
    });

  count(op: string): number {
    return this.calls.filter((c) => c.operation.op === op).length;
  }

  /** The call waiting at position `i` once it arrives. */
  async nth(i: number): Promise<HeldCall> {
    while (this.calls.length <= i) await new Promise((r) => setImmediate(r));
    return this.calls[i] as HeldCall;
  }
}

export type StoreMode = 'ok' | 'fail' | 'hang';

/** The memory store, or one whose every call fails or never answers (`mode`). */
export function switchableStore(inner: CacheStore = createMemoryCache()): CacheStore & { mode: StoreMode } {
  const wrap =
    <A extends unknown[], R>(fn: (...args: A) => Promise<R>) =>
    (...args: A): Promise<R> => {
      if (store.mode === 'fail')
        return Promise.reject(new Error('ECONNREFUSED redis://:hunter2@127.0.0.1:1'));
      if (store.mode === 'hang') return new Promise<R>(() => undefined);
      return fn(...args);
    };
  const store = {
    mode: 'ok' as StoreMode,
    backend: inner.backend,
    get: wrap(inner.get.bind(inner)),
    set: wrap(inner.set.bind(inner)),
    delete: wrap(inner.delete.bind(inner)),
    increment: wrap(inner.increment.bind(inner)),
    counter: wrap(inner.counter.bind(inner)),
    usage: wrap(inner.usage.bind(inner)),
    ping: wrap(inner.ping.bind(inner)),
    close: () => inner.close(),
  };
  return store;
}

export const STRONG: Pick<IndexPolicy, 'cacheTtlMs' | 'cacheCapBytes' | 'cacheMode' | 'consistency'> = {
  cacheTtlMs: 86_400_000,
  cacheCapBytes: 1 << 20,
  cacheMode: 'standard',
  consistency: 'strong',
};

export interface ChainOptions {
  readonly runtime: CacheRuntime;
  readonly upstream: FakeUpstream;
  readonly index?: string;
  readonly namespaces?: readonly string[];
  readonly policy?: Partial<typeof STRONG>;
}

/** One Index's chain: the cache layer over the fake upstream. */
export function chain(options: ChainOptions): Dispatch {
  const index = options.index ?? 'docs';
  return compose(
    [
      cacheLayer({
        runtime: options.runtime,
        index,
        set: index,
        identity: 'local:/data',
        namespaces: options.namespaces ?? [index],
        policy: { ...STRONG, ...options.policy },
      }),
    ],
    options.upstream.dispatch,
  );
}

export function runtimeOver(store: CacheStore, over: Partial<CacheRuntimeOptions> = {}): CacheRuntime {
  return new CacheRuntime({ store, budgetMs: 20, retryMs: 10, ...over });
}

/** Sends one operation; returns the answer's value and the cache outcome. */
export async function send(
  dispatch: Dispatch,
  op: Operation['op'],
  body?: unknown,
  ctx: CallContext = {},
): Promise<{ value: unknown; outcome: CacheReport['outcome'] }> {
  const report: CacheReport = {};
  const payload = await dispatch(
    { op, ns: 'docs', body: body === undefined ? undefined : Payload.fromValue(body) },
    { ...ctx, cache: report },
  );
  return { value: payload.value(), outcome: report.outcome };
}

/** Resolves once no miss is in flight (answers kept in the store). */
export async function settled(runtime: CacheRuntime): Promise<void> {
  while (runtime.inFlight.size > 0) await new Promise((r) => setImmediate(r));
}
