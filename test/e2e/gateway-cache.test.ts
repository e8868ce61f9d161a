/**
 * The read cache through a whole gateway (embedded memory cache, local store): the
 * `x-hevlayer-cache` header, strong reads counted at the store (the upstream call metric), writes
 * invalidating, `status.cache` and the CacheDegraded condition in the hevlayer API, /metrics.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  indexManifest,
  localStore,
  startGatewayFixture,
  type GatewayFixture,
  gatewayConfigManifest,
} from '../helpers/gateway-fixture.ts';

let gw: GatewayFixture;

async function post(path: string, body: unknown): Promise<Response> {
  return fetch(`${gw.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

/** Upstream (store) calls of one operation, from the instrumentation layer's histogram. */
async function storeCalls(op: string): Promise<number> {
  const text = await (await fetch(`${gw.url}/metrics`)).text();
  const pattern = new RegExp(
    `^hevlayer_upstream_request_duration_seconds_count\\{[^}]*op="${op}"[^}]*\\} (\\d+)$`,
    'gm',
  );
  return [...text.matchAll(pattern)].reduce((sum, m) => sum + Number(m[1]), 0);
}

const QUERY = { rank_by: ['id', 'asc'], top_k: 10, include_attributes: ['title'] };

beforeAll(async () => {
  gw = await startGatewayFixture({
    manifests: [
      // Strong entries live 1 h here, so that no assertion depends on how fast the machine is.
      gatewayConfigManifest({ cache: { strongMaxAge: '1h' } }),
      localStore(),
      indexManifest('docs'),
      indexManifest('sharded', { backend: { shards: 2 } }),
      indexManifest('nocache', { cache: { mode: 'off' } }),
      indexManifest('loose', { consistency: 'eventual' }),
    ],
  });
  for (const ns of ['docs', 'sharded', 'nocache', 'loose']) {
    const res = await post(`/v2/namespaces/${ns}`, { upsert_rows: [{ id: 1, title: 'one' }] });
    expect(res.status).toBe(200);
  }
});

afterAll(async () => {
  await gw?.close();
});

describe('read cache through the gateway', () => {
  it('20 identical strong reads with no write in between make 1 store call: miss, then 19 hits', async () => {
    const before = await storeCalls('query');
    const outcomes: (string | null)[] = [];
    for (let i = 0; i < 20; i++) {
      const res = await post('/v2/namespaces/docs/query', QUERY);
      expect(await res.json()).toMatchObject({ rows: [{ id: 1, title: 'one' }] });
      outcomes.push(res.headers.get('x-hevlayer-cache'));
    }
    expect(outcomes).toEqual(['miss', ...Array<string>(19).fill('hit')]);
    expect((await storeCalls('query')) - before).toBe(1);
  });

  it('a write through the gateway is seen by the next strong read (a miss)', async () => {
    await post('/v2/namespaces/docs/query', QUERY);
    const write = await post('/v2/namespaces/docs', { upsert_rows: [{ id: 2, title: 'two' }] });
    expect(write.headers.get('x-hevlayer-cache')).toBeNull();
    const res = await post('/v2/namespaces/docs/query', QUERY);
    expect(res.headers.get('x-hevlayer-cache')).toBe('miss');
    expect(((await res.json()) as { rows: unknown[] }).rows).toHaveLength(2);
  });

  it('a sharded Index caches the merged answer and a write to it invalidates', async () => {
    const first = await post('/v2/namespaces/sharded/query', QUERY);
    expect(first.headers.get('x-hevlayer-cache')).toBe('miss');
    expect((await post('/v2/namespaces/sharded/query', QUERY)).headers.get('x-hevlayer-cache')).toBe('hit');
    await post('/v2/namespaces/sharded', { upsert_rows: [{ id: 7, title: 'seven' }] });
    const after = await post('/v2/namespaces/sharded/query', QUERY);
    expect(after.headers.get('x-hevlayer-cache')).toBe('miss');
    expect(((await after.json()) as { rows: unknown[] }).rows).toHaveLength(2);
  });

  it('metadata is cached and says so; mode off answers bypass every time', async () => {
    await fetch(`${gw.url}/v1/namespaces/docs/metadata`);
    expect((await fetch(`${gw.url}/v1/namespaces/docs/metadata`)).headers.get('x-hevlayer-cache')).toBe(
      'hit',
    );
    for (let i = 0; i < 2; i++) {
      expect((await post('/v2/namespaces/nocache/query', QUERY)).headers.get('x-hevlayer-cache')).toBe(
        'bypass',
      );
    }
  });

  it('an eventual Index serves repeated reads from the cache', async () => {
    expect((await post('/v2/namespaces/loose/query', QUERY)).headers.get('x-hevlayer-cache')).toBe('miss');
    expect((await post('/v2/namespaces/loose/query', QUERY)).headers.get('x-hevlayer-cache')).toBe('hit');
  });

  it('shows status.cache and CacheDegraded=False in the Index status, and the cache series in /metrics', async () => {
    const index = (await (await fetch(`${gw.url}/hevlayer/v1/indexes/docs`)).json()) as {
      status: {
        cache: { entries: number; bytes: number; hitRatio: number };
        conditions: { type: string; status: string }[];
      };
    };
    expect(index.status.cache.entries).toBeGreaterThanOrEqual(1);
    expect(index.status.cache.bytes).toBeGreaterThan(0);
    expect(index.status.cache.hitRatio).toBeGreaterThan(0.5);
    expect(index.status.conditions).toContainEqual(
      expect.objectContaining({ type: 'CacheDegraded', status: 'False' }),
    );
    const text = await (await fetch(`${gw.url}/metrics`)).text();
    expect(text).toMatch(/^hevlayer_cache_requests_total\{index="docs",outcome="hit"\} \d+/m);
    expect(text).toMatch(/^hevlayer_cache_entries\{index="docs"\} [1-9]/m);
    expect(text).toMatch(/^hevlayer_cache_degraded\{index="docs"\} 0/m);
  });
});
