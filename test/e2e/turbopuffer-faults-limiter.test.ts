/**
 * The upstream concurrency limiter in front of the real turbopuffer adapter, against a fault
 * upstream whose held requests keep slots busy.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { withNamespaceLimiter, type NamespaceLimiterOptions } from '../../src/stores/limiter/index.ts';
import { createTurbopufferStore } from '../../src/stores/turbopuffer/index.ts';
import { storeMethods, type StoreMethods, type VectorStore } from '../../src/stores/port.ts';
import { HevError } from '../../src/wire/errors.ts';
import { Payload } from '../../src/wire/payload.ts';
import {
  startFaultUpstream,
  type FaultUpstream,
  type FaultUpstreamOptions,
} from '../helpers/fault-upstream.ts';

const KEY = 'tpuf_limiterKey0123456789abcdefghijklm';
const QUERY = '/v2/namespaces/docs/query';
const plain = () => Payload.fromBytes(Buffer.from('{"rank_by":["id","asc"],"top_k":1}'));
const aggregation = () => Payload.fromBytes(Buffer.from('{"aggregate_by":{"n":["Count"]}}'));

let upstream: FaultUpstream;
const stores: VectorStore[] = [];

async function setup(upstreamOptions: FaultUpstreamOptions = {}): Promise<void> {
  upstream = await startFaultUpstream({ apiKey: KEY, ...upstreamOptions });
}

function adapter(): VectorStore {
  const store = createTurbopufferStore({
    baseURL: upstream.url,
    apiKey: KEY,
    timeoutMs: 20_000,
    retryBaseMs: 5,
    retryCapMs: 20,
  });
  stores.push(store);
  return store;
}

function limited(options: NamespaceLimiterOptions) {
  const store = withNamespaceLimiter(adapter(), options);
  stores.push(store);
  return { ...store, ...storeMethods(store.dispatch) };
}

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
}

beforeEach(() => {
  stores.length = 0;
});

afterEach(async () => {
  upstream.release();
  await upstream.close();
  await Promise.allSettled(stores.splice(0).map((s) => s.close()));
});

describe('upstream limiter with the turbopuffer adapter', () => {
  it('queues, then refuses with 429 and retry-after, without touching the upstream', async () => {
    await setup();
    const store = limited({ maxInFlightPerNamespace: 2, queueTimeoutMs: 50 });
    upstream.script({ kind: 'hold' }, { kind: 'hold' });
    const holding = [store.query('docs', plain()), store.query('docs', plain())];
    await until(() => upstream.waiting === 2);
    const err = await store.query('docs', plain()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HevError);
    expect(err).toMatchObject({ code: 'HEV_RATE_LIMITED', status: 429, headers: { 'retry-after': '1' } });
    expect(upstream.hits('POST', QUERY)).toHaveLength(2);
    expect(upstream.release()).toBe(2);
    await Promise.all(holding);
    await store.query('docs', plain());
    expect(upstream.hits('POST', QUERY)).toHaveLength(3);
  });

  it('a queued request starts when a slot frees up', async () => {
    await setup();
    const store = limited({ maxInFlightPerNamespace: 2, queueTimeoutMs: 20_000 });
    upstream.script({ kind: 'hold' }, { kind: 'hold' });
    const first = [store.query('docs', plain()), store.query('docs', plain())];
    await until(() => upstream.waiting === 2);
    const third = store.metadata('docs').catch((e: unknown) => e);
    await until(() => store.queued('docs') === 1);
    expect(upstream.requests).toHaveLength(2);
    upstream.release();
    await Promise.all(first);
    const answer = await third; // the default upstream has no such namespace: its own 404 comes through
    expect(answer).toMatchObject({ code: 'HEV_UPSTREAM_ERROR', status: 404 });
    expect(upstream.requests.map((r) => r.method)).toEqual(['POST', 'POST', 'GET']);
  });

  it('an aggregation holds four slots', async () => {
    await setup();
    const store = limited({ maxInFlightPerNamespace: 4, queueTimeoutMs: 20_000 });
    upstream.script({ kind: 'hold' });
    const agg = store.query('docs', aggregation());
    await until(() => upstream.waiting === 1);
    expect(store.inFlight('docs')).toBe(4);
    const next = store.query('docs', plain());
    await until(() => store.queued('docs') === 1);
    expect(upstream.requests).toHaveLength(1);
    upstream.release();
    await Promise.all([agg, next]);
    expect(upstream.requests).toHaveLength(2);
  });

  it('turns an upstream 429 storm into queueing', async () => {
    /** Six held queries at once; holds are released once `ready` says the burst has landed. */
    const burst = async (
      store: StoreMethods,
      ready: () => boolean,
    ): Promise<PromiseSettledResult<Payload>[]> => {
      for (let i = 0; i < 6; i++) upstream.script({ kind: 'hold' });
      const calls = Array.from({ length: 6 }, () => store.query('docs', plain()));
      let done = false;
      void Promise.allSettled(calls).then(() => (done = true));
      await until(ready);
      while (!done) {
        upstream.release();
        await until(() => upstream.waiting > 0 || done);
      }
      return Promise.allSettled(calls);
    };

    // Without the limiter the upstream refuses the excess (and the adapter retries on 429).
    await setup({ concurrencyLimit: 2 });
    await burst(storeMethods(adapter().dispatch), () => upstream.rejected429 > 0);
    expect(upstream.rejected429).toBeGreaterThan(0);
    await upstream.close();

    await setup({ concurrencyLimit: 2 });
    const store = limited({ maxInFlightPerNamespace: 2, queueTimeoutMs: 20_000 });
    const results = await burst(store, () => upstream.waiting === 2 && store.queued('docs') === 4);
    expect(results.map((r) => r.status)).toEqual(Array(6).fill('fulfilled'));
    expect(upstream.rejected429).toBe(0);
    expect(upstream.maxConcurrent).toBe(2);
    expect(upstream.hits('POST', QUERY)).toHaveLength(6);
  });
});
