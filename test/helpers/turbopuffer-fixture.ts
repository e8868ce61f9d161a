/**
 * Shared set-up of the turbopuffer adapter fault tests: a fresh fault upstream per test, adapters
 * opened against it with fast retries (closed after each test), and the retries they report.
 */
import { afterEach, beforeEach, expect } from 'vitest';
import { createTurbopufferStore, type TurbopufferStoreOptions } from '../../src/stores/turbopuffer/index.ts';
import type { RetryEvent } from '../../src/stores/turbopuffer/call.ts';
import { storeMethods, type StoreMethods, type VectorStore } from '../../src/stores/port.ts';
import { HevError } from '../../src/wire/errors.ts';
import { Payload } from '../../src/wire/payload.ts';
import { startFaultUpstream, type FaultUpstream } from './fault-upstream.ts';

export const KEY = 'tpuf_SeCrEt0123456789abcdefghijklmnopqr';
export const NS = 'docs';

export interface FaultFixture {
  readonly upstream: FaultUpstream;
  readonly retries: RetryEvent[];
  /** The adapter, with typed calls per operation. */
  open(over?: Partial<TurbopufferStoreOptions>): VectorStore & StoreMethods;
}

/** Registers beforeEach/afterEach; the returned object always refers to the current test's upstream. */
export function useFaultFixture(): FaultFixture {
  let upstream: FaultUpstream | undefined;
  let retries: RetryEvent[] = [];
  const stores: VectorStore[] = [];
  beforeEach(async () => {
    upstream = await startFaultUpstream({ apiKey: KEY });
    retries = [];
  });
  afterEach(async () => {
    await upstream?.close();
    await Promise.all(stores.splice(0).map((s) => s.close()));
  });
  return {
    get upstream() {
      if (upstream === undefined) throw new Error('fault upstream not started');
      return upstream;
    },
    get retries() {
      return retries;
    },
    open(over = {}) {
      const store = createTurbopufferStore({
        baseURL: this.upstream.url,
        apiKey: KEY,
        name: 'faulty',
        timeoutMs: 10_000,
        maxRetries: 3,
        retryBaseMs: 5,
        retryCapMs: 20,
        observer: { onRetry: (e) => retries.push(e) },
        ...over,
      });
      stores.push(store);
      return { ...store, ...storeMethods(store.dispatch) };
    },
  };
}

export const raw = (text: string): Payload => Payload.fromBytes(Buffer.from(text));

export async function failure(promise: Promise<unknown>): Promise<HevError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(HevError);
    return err as HevError;
  }
  throw new Error('expected the call to fail');
}
