/**
 * The scan and cache-warm routes under API keys: no key is a 401, a key whose selector does not
 * match the Index is a 403 (nothing scanned, no warm started), a matching key scans.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import {
  gatewayConfigManifest,
  indexManifest,
  localStore,
  startGatewayFixture,
  type GatewayFixture,
} from '../helpers/gateway-fixture.ts';

const SHOP = 'shop-key-0123456789';
const OPS = 'ops-key-0123456789';
let gw: GatewayFixture;

beforeAll(async () => {
  gw = await startGatewayFixture({
    manifests: [
      gatewayConfigManifest({
        auth: {
          apiKeys: [
            { name: 'shop', keyEnv: 'SHOP_KEY', indexSelector: { matchLabels: { app: 'shop' } } },
            { name: 'ops', keyEnv: 'OPS_KEY', indexSelector: { matchLabels: { app: 'ops' } } },
          ],
        },
      }),
      localStore(),
      indexManifest('products', { cache: { mode: 'warm' } }, { app: 'shop' }),
    ],
    env: { SHOP_KEY: SHOP, OPS_KEY: OPS },
    serve: { warmPollMs: 0 },
  });
  const res = await request(`${gw.url}/v2/namespaces/products`, {
    method: 'POST',
    headers: { authorization: `Bearer ${SHOP}` },
    body: JSON.stringify({ upsert_rows: [{ id: 1 }, { id: 2 }] }),
  });
  expect(res.statusCode).toBe(200);
  await res.body.text();
});

afterAll(() => gw?.close());

async function call(method: 'GET' | 'POST', path: string, key?: string) {
  const res = await request(`${gw.url}${path}`, {
    method,
    headers: key === undefined ? {} : { authorization: `Bearer ${key}` },
    ...(method === 'POST' && path.endsWith('/scan') ? { body: '{}' } : {}),
  });
  return { status: res.statusCode, text: await res.body.text() };
}

describe('scan and warm routes under API keys', () => {
  it.each([
    ['POST', '/hevlayer/v1/indexes/products/scan'],
    ['POST', '/hevlayer/v1/indexes/products/cache/warm'],
    ['GET', '/hevlayer/v1/indexes/products/cache/warm'],
  ] as const)('%s %s: 401 without a key, 403 for a key outside the selector', async (method, path) => {
    expect((await call(method, path)).status).toBe(401);
    const denied = await call(method, path, OPS);
    expect(denied.status).toBe(403);
    expect(JSON.parse(denied.text)).toMatchObject({
      status: 'error',
      error: expect.stringContaining('"ops"'),
    });
  });

  it('a denied warm started nothing; the matching key scans every row', async () => {
    const progress = await call('GET', '/hevlayer/v1/indexes/products/cache/warm', SHOP);
    expect(JSON.parse(progress.text)).toMatchObject({ state: 'idle' });
    const scan = await call('POST', '/hevlayer/v1/indexes/products/scan', SHOP);
    expect(scan.status).toBe(200);
    expect(scan.text.trimEnd().split('\n').slice(0, -1)).toEqual(['{"id":1}', '{"id":2}']);
  });
});
