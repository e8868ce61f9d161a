/**
 * Auth (INTERFACES.md "Auth"), logs and metrics on the whole gateway: 401 without or with an
 * unknown key, 403 outside the key's selector, listings trimmed to what a key may see, probes and
 * metrics open, and no key value in any log line or metric.
 */
import { Writable } from 'node:stream';
import Turbopuffer from '@turbopuffer/turbopuffer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/telemetry/logger.ts';
import {
  indexManifest,
  localStore,
  startGatewayFixture,
  type GatewayFixture,
  gatewayConfigManifest,
} from '../helpers/gateway-fixture.ts';

const SHOP_KEY = 'shop-secret-key-0123456789';
const ADMIN_KEY = 'admin-secret-key-9876543210';

describe('gateway auth, logs and metrics', () => {
  let fx: GatewayFixture;
  const lines: string[] = [];

  beforeAll(async () => {
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
        done();
      },
    });
    fx = await startGatewayFixture({
      manifests: [
        gatewayConfigManifest({
          auth: {
            apiKeys: [
              { name: 'shop', keyEnv: 'SHOP_KEY', indexSelector: { matchLabels: { app: 'shop' } } },
              { name: 'admin', keyEnv: 'ADMIN_KEY' },
            ],
          },
        }),
        localStore(),
        indexManifest('products', {}, { app: 'shop' }),
        indexManifest('blog-posts', {}, { app: 'blog' }),
      ],
      env: { SHOP_KEY, ADMIN_KEY },
      logger: createLogger({ level: 'debug', destination: sink }),
    });
  });

  afterAll(async () => {
    await fx?.close();
  });

  const get = (path: string, key?: string) =>
    fetch(`${fx.url}${path}`, key === undefined ? {} : { headers: { authorization: `Bearer ${key}` } });

  it.each([
    ['/v2/namespaces/products/metadata', undefined, 401],
    ['/v2/namespaces/products/metadata', 'wrong-key', 401],
    ['/v1/namespaces', undefined, 401],
    ['/hevlayer/v1/indexes', undefined, 401],
    ['/openapi.json', undefined, 401],
    ['/v2/namespaces/blog-posts/metadata', SHOP_KEY, 403],
    ['/hevlayer/v1/indexes/blog-posts', SHOP_KEY, 403],
    ['/v2/namespaces/products/metadata', SHOP_KEY, 404],
    ['/v2/namespaces/blog-posts/metadata', ADMIN_KEY, 404],
    ['/healthz', undefined, 200],
    ['/readyz', undefined, 200],
    ['/metrics', undefined, 200],
  ])('%s with key %s → %i', async (path, key, status) => {
    const res = await get(path, key);
    expect(res.status).toBe(status);
    if (status === 401 || status === 403) {
      const body = (await res.json()) as { status: string; error: string };
      expect(body.status).toBe('error');
      expect(body.error).not.toContain(SHOP_KEY);
    }
  });

  it('serves the SDK with a valid key and trims listings to the key selector', async () => {
    const shop = new Turbopuffer({ apiKey: SHOP_KEY, baseURL: fx.url, maxRetries: 0 });
    await shop.namespace('products').write({
      upsert_rows: [{ id: 1, vector: [1, 0], category: 'shoes' }],
      distance_metric: 'cosine_distance',
    });
    const result = await shop.namespace('products').query({ rank_by: ['id', 'asc'], top_k: 5 });
    expect(result.rows?.map((r) => r.id)).toEqual([1]);
    const shopList: string[] = [];
    for await (const ns of shop.namespaces()) shopList.push(ns.id);
    expect(shopList).toEqual(['products']);

    const admin = new Turbopuffer({ apiKey: ADMIN_KEY, baseURL: fx.url, maxRetries: 0 });
    const adminList: string[] = [];
    for await (const ns of admin.namespaces()) adminList.push(ns.id);
    expect(adminList).toEqual(['blog-posts', 'products']);

    const indexes = (await (await get('/hevlayer/v1/indexes', SHOP_KEY)).json()) as {
      items: { metadata: { name: string } }[];
    };
    expect(indexes.items.map((i) => i.metadata.name)).toEqual(['products']);
  });

  it('counts requests by route, Index and status and times store calls', async () => {
    const text = await (await get('/metrics')).text();
    expect(text).toMatch(
      /hevlayer_http_requests_total\{route="\/v2\/namespaces\/:ns\/query",method="POST",index="products",status="200"\} 1/,
    );
    expect(text).toMatch(/hevlayer_http_requests_total\{[^}]*index="blog-posts",status="403"\}/);
    expect(text).toMatch(
      /hevlayer_upstream_request_duration_seconds_count\{store="local",op="write",outcome="ok"\} 1/,
    );
    expect(text).toContain('hevlayer_upstream_queue_wait_seconds_bucket');
    expect(text).toContain('hevlayer_config_generation 1');
    expect(text).not.toContain(SHOP_KEY);
    expect(text).not.toContain(ADMIN_KEY);
  });

  it('logs one line per request with Index, store, status and latency, and never a key', () => {
    const requests = lines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l.msg === 'request');
    const query = requests.find((l) => l.route === '/v2/namespaces/:ns/query' && l.status === 200);
    expect(query).toMatchObject({ index: 'products', store: 'local', principal: 'shop', method: 'POST' });
    expect(typeof query?.ms).toBe('number');
    expect(typeof query?.reqId).toBe('string');
    const all = lines.join('\n');
    expect(all).not.toContain(SHOP_KEY);
    expect(all).not.toContain(ADMIN_KEY);
    expect(all).toContain('"status":401');
  });
});
