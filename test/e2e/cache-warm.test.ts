/**
 * Cache warming through a whole gateway: on demand (POST starts, GET shows progress), the warmed
 * documents answering id lookups without the upstream and equal to the upstream's answer, a write
 * after warming invalidating them (strong consistency), `cache.mode: warm` warming after writes on
 * its own, `capGiB` stopping a warm, `hint_cache_warm` sent first with the scan's fan-out rule, and
 * the 4xx of bad warm requests.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import {
  gatewayConfigManifest,
  indexManifest,
  localStore,
  startGatewayFixture,
  turbopufferStore,
  type GatewayFixture,
} from '../helpers/gateway-fixture.ts';
import { startPageUpstream, type PageUpstream } from '../helpers/page-upstream.ts';

const ROWS = 2_000;
let gw: GatewayFixture;
let upstream: PageUpstream;
let slow: PageUpstream;

const warmCache = (ttl: string) => ({ mode: 'warm', ttl });

beforeAll(async () => {
  upstream = await startPageUpstream({ prefix: 'remote', shards: 4, total: 3_000 });
  slow = await startPageUpstream({ prefix: 'slow', shards: 2, total: 40_000, delayMs: 30 });
  gw = await startGatewayFixture({
    manifests: [
      gatewayConfigManifest({ cache: { strongMaxAge: '1h' }, scan: { maxThreads: 3 } }),
      localStore(),
      turbopufferStore('tp', { baseURL: upstream.url, apiKeyEnv: 'TP_KEY' }, false),
      turbopufferStore('tp-slow', { baseURL: slow.url, apiKeyEnv: 'TP_KEY' }, false),
      indexManifest('slow', { backend: { storeRef: 'tp-slow', shards: 2 }, cache: warmCache('1h') }),
      // `catalog` is warmed on demand (standard mode would not read documents: warm mode does).
      indexManifest('catalog', { backend: { shards: 2 }, cache: warmCache('1h') }),
      indexManifest('direct', { backend: { namespace: 'catalog', shards: 2 }, cache: { mode: 'off' } }),
      indexManifest('tiny', {
        cache: { mode: 'warm', capGiB: 0.00005 },
        backend: { namespace: 'catalog', shards: 2 },
      }),
      indexManifest('remote', { backend: { storeRef: 'tp', shards: 4 }, cache: warmCache('1h') }),
    ],
    env: { TP_KEY: 'tpuf_warmTestKey0123456789abcdefghij' },
    serve: { warmPollMs: 0 }, // warms only on demand here; `cache.mode: warm` on its own is tested below
  });
  await write(gw, 'catalog', { upsert_rows: rows(ROWS) });
}, 60_000);

const rows = (n: number) =>
  Array.from({ length: n }, (_, id) => ({ id, title: `item ${id}`, price: id % 100 }));

async function write(fixture: GatewayFixture, index: string, body: unknown): Promise<void> {
  const res = await request(`${fixture.url}/v2/namespaces/${index}`, {
    method: 'POST',
    body: JSON.stringify(body),
  });
  expect(res.statusCode, await res.body.text()).toBe(200);
}

afterAll(async () => {
  await gw?.close();
  await upstream?.close();
  await slow?.close();
});

async function call(method: 'GET' | 'POST', path: string, body?: unknown, fixture = gw) {
  const res = await request(`${fixture.url}${path}`, {
    method,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return {
    status: res.statusCode,
    headers: res.headers,
    body: (await res.body.json()) as Record<string, unknown>,
  };
}

async function warmed(index: string, fixture = gw): Promise<Record<string, unknown>> {
  for (let i = 0; i < 200; i++) {
    const { body } = await call('GET', `/hevlayer/v1/indexes/${index}/cache/warm`, undefined, fixture);
    if (body.state !== 'running' && body.state !== 'idle') return body;
    await sleep(25);
  }
  throw new Error(`the warm of ${index} did not finish`);
}

const lookup = (ids: number[]) => ({
  rank_by: ['id', 'asc'],
  filters: ['id', 'In', ids],
  top_k: ids.length,
  include_attributes: ['title', 'price'],
});

describe('cache warming', () => {
  it('POST starts a warm (202) and GET shows it finishing with every row kept as a document', async () => {
    const started = await call('POST', '/hevlayer/v1/indexes/catalog/cache/warm');
    expect(started.status).toBe(202);
    expect(started.body).toMatchObject({ index: 'catalog', state: 'running', trigger: 'request' });
    const done = await warmed('catalog');
    expect(done).toMatchObject({ state: 'succeeded', rows: ROWS, documents: ROWS, shards: 2, threads: 2 });
    expect(done.bytes).toBeGreaterThan(0);
  });

  it('answers an id lookup from the warmed documents (a hit), equal to the upstream’s answer', async () => {
    const ids = [1500, 3, 77, 1999];
    const cached = await call('POST', '/v2/namespaces/catalog/query', lookup(ids));
    expect(cached.status).toBe(200);
    expect(cached.headers['x-hevlayer-cache']).toBe('hit');
    const upstreamAnswer = await call('POST', '/v2/namespaces/direct/query', lookup(ids));
    expect(cached.body.rows).toEqual(upstreamAnswer.body.rows);
    expect(cached.body.rows).toEqual(
      [3, 77, 1500, 1999].map((id) => ({ id, title: `item ${id}`, price: id % 100 })),
    );
  });

  it('a lookup naming an id that is not cached goes upstream (a miss)', async () => {
    const res = await call('POST', '/v2/namespaces/catalog/query', lookup([5, 999_999]));
    expect(res.headers['x-hevlayer-cache']).toBe('miss');
    expect(res.body.rows).toEqual([{ id: 5, title: 'item 5', price: 5 }]);
  });

  it('a write after warming invalidates the warmed documents: the next lookup sees the write', async () => {
    const write = await call('POST', '/v2/namespaces/catalog', {
      patch_rows: [{ id: 42, title: 'renamed' }],
    });
    expect(write.status).toBe(200);
    const res = await call('POST', '/v2/namespaces/catalog/query', lookup([42, 43]));
    expect(res.headers['x-hevlayer-cache']).toBe('miss');
    expect(res.body.rows).toEqual([
      { id: 42, title: 'renamed', price: 42 },
      { id: 43, title: 'item 43', price: 43 },
    ]);
  });

  it('stops when the Index’s cache reaches capGiB, keeping it under the cap', async () => {
    await call('POST', '/hevlayer/v1/indexes/tiny/cache/warm');
    const done = await warmed('tiny');
    expect(done).toMatchObject({ state: 'stopped', stopReason: 'cap' });
    expect(done.documents as number).toBeGreaterThan(0);
    expect(done.documents as number).toBeLessThan(ROWS);
    expect(done.bytes as number).toBeLessThanOrEqual(Math.floor(0.00005 * 2 ** 30));
  });

  it('sends hint_cache_warm upstream first and scans with the fan-out rule (server cap 3 of 4 shards)', async () => {
    await call('POST', '/hevlayer/v1/indexes/remote/cache/warm');
    const done = await warmed('remote');
    expect(upstream.hints).toBe(4); // the hint goes to every shard
    expect(done).toMatchObject({ state: 'succeeded', rows: 3_000, documents: 3_000, threads: 3, shards: 4 });
    expect(upstream.maxInFlight).toBeLessThanOrEqual(3);
  });

  it('stops when a write moves the epochs during the warm (its documents would never be read)', async () => {
    await call('POST', '/hevlayer/v1/indexes/slow/cache/warm');
    await sleep(60);
    // The gateway bumps the epochs before it sends a write, whatever the upstream answers.
    await call('POST', '/v2/namespaces/slow', { upsert_rows: [{ id: 1 }] });
    const done = await warmed('slow');
    expect(done).toMatchObject({ state: 'stopped', stopReason: 'write' });
    expect(done.rows as number).toBeLessThan(40_000);
  });

  it.each([
    ['POST', 'direct', 409, /has cache\.mode off; warming fills documents only for cache\.mode: warm/],
    ['GET', 'direct', 409, /has cache\.mode off/],
    ['POST', 'missing', 404, /missing/],
    ['POST', 'bad name!', 400, /invalid namespace name/],
  ] as const)('%s warm of %s is a %i', async (method, index, status, message) => {
    const res = await call(method, `/hevlayer/v1/indexes/${encodeURIComponent(index)}/cache/warm`);
    expect(res.status).toBe(status);
    expect(res.body).toMatchObject({ status: 'error', error: expect.stringMatching(message) });
  });
});

describe('cache.mode: warm', () => {
  let auto: GatewayFixture;
  beforeAll(async () => {
    auto = await startGatewayFixture({
      manifests: [
        gatewayConfigManifest({ cache: { strongMaxAge: '1h' } }),
        localStore(),
        indexManifest('auto', { cache: warmCache('1h') }),
      ],
      serve: { warmPollMs: 50 },
    });
  });
  afterAll(() => auto?.close());

  it('warms on its own once the Index has data, and again after the upstream’s last write advances', async () => {
    await write(auto, 'auto', { upsert_rows: rows(ROWS) });
    let first = await warmed('auto', auto);
    for (let i = 0; i < 200 && first.state !== 'succeeded'; i++) {
      await sleep(25);
      first = await warmed('auto', auto);
    }
    expect(first).toMatchObject({ state: 'succeeded', trigger: 'start', documents: ROWS });
    await sleep(5); // last_write_at has millisecond resolution
    await write(auto, 'auto', { upsert_rows: [{ id: ROWS, title: 'new', price: 1 }] });
    let again = first;
    for (let i = 0; i < 200 && again.startedAt === first.startedAt; i++) {
      await sleep(25);
      again = await warmed('auto', auto);
    }
    expect(again).toMatchObject({ state: 'succeeded', trigger: 'write', documents: ROWS + 1 });
  });
});
