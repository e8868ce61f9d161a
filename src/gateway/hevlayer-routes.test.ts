import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listenOnFreePort } from '../../test/helpers/listen.ts';
import { buildRegistry, emptyRegistry } from '../registry/build.ts';
import { RegistryHolder } from '../registry/holder.ts';
import type { ValidatedResource } from '../resources/manifests.ts';
import { manifest, validResource } from '../resources/test-helpers.ts';
import { createAuthorizer } from './auth.ts';
import { registerHevlayerRoutes, registerReadiness } from './hevlayer-routes.ts';
import { createGatewayServer } from './server.ts';
import { openResolver } from './target.ts';
import type { VectorStore } from '../stores/port.ts';

const resources: ValidatedResource[] = [
  ['VectorStore', 'd', { provider: 'local', default: true }],
  ['Index', 'products', { metadata: { labels: { app: 'shop' }, tags: ['catalog'] } }],
  ['Index', 'blog', { metadata: { labels: { app: 'blog' } } }],
  ['Index', 'orphan', { backend: { storeRef: 'gone' } }],
].map(([kind, name, spec]) => ({
  resource: validResource(manifest(kind as string, spec, name as string)),
  source: { file: `${name as string}.yaml`, document: 1 },
}));

const unusedStore = {} as VectorStore;

function setup(
  options: {
    loaded?: boolean;
    keys?: { name: string; key: string; matchLabels?: Record<string, string> }[];
  } = {},
) {
  const holder = new RegistryHolder({ initial: emptyRegistry('/d'), source: 'file', location: '/cfg' });
  if (options.loaded ?? true) {
    holder.publish(
      buildRegistry({ resources, generation: 1, loadedAt: '2026-01-01T00:00:00.000Z', dataDir: '/d' }),
    );
  }
  const app = createGatewayServer({
    resolver: openResolver(unusedStore),
    authorizer: createAuthorizer(options.keys ?? []),
  });
  registerHevlayerRoutes(app, { registry: holder });
  registerReadiness(app, holder);
  let url = '';
  const ready = listenOnFreePort(app).then((u) => {
    url = u;
  });
  // Real requests on a free port; `json()` mirrors what the tests read.
  const inject = async (r: { method: 'GET'; url: string; headers?: Record<string, string> }) => {
    await ready;
    const res = await fetch(`${url}${r.url}`, {
      method: r.method,
      ...(r.headers ? { headers: r.headers } : {}),
    });
    const text = await res.text();
    return { statusCode: res.status, json: <T = unknown>() => JSON.parse(text) as T };
  };
  return { app, holder, inject, ready };
}

describe('hevlayer routes', () => {
  const { app, holder, inject, ready } = setup();
  beforeAll(() => ready);
  afterAll(() => app.close());

  it('lists every Index with defaults and status', async () => {
    const res = await inject({ method: 'GET', url: '/hevlayer/v1/indexes' });
    expect(res.statusCode).toBe(200);
    const items = res.json<{
      items: {
        metadata: { name: string };
        spec: { scan: { threads: number } };
        status: { conditions: { type: string; status: string }[] };
      }[];
    }>().items;
    expect(items.map((i) => i.metadata.name)).toEqual(['blog', 'orphan', 'products']);
    expect(items[0]?.spec.scan.threads).toBe(8);
    expect(items[1]?.status.conditions.find((c) => c.type === 'Ready')?.status).toBe('False');
  });

  it.each([
    ['label=app=shop', ['products']],
    ['label=app', ['blog', 'products']],
    ['label=app=shop&label=app=blog', []],
    ['tag=catalog', ['products']],
  ])('filters with ?%s', async (query, names) => {
    const res = await inject({ method: 'GET', url: `/hevlayer/v1/indexes?${query}` });
    expect(res.json<{ items: { metadata: { name: string } }[] }>().items.map((i) => i.metadata.name)).toEqual(
      names,
    );
  });

  it('rejects a malformed label filter with 400', async () => {
    const res = await inject({ method: 'GET', url: '/hevlayer/v1/indexes?label==x' });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ status: 'error', code: 'HEV_INVALID_REQUEST' });
  });

  it('rejects a repeated namespace parameter on one Index with 400', async () => {
    const res = await inject({ method: 'GET', url: '/hevlayer/v1/indexes/products?namespace=a&namespace=b' });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ status: 'error', code: 'HEV_INVALID_REQUEST' });
  });

  it('returns one Index object', async () => {
    const res = await inject({ method: 'GET', url: '/hevlayer/v1/indexes/products' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      apiVersion: 'hevlayer.com/v1',
      kind: 'Index',
      metadata: { name: 'products', namespace: 'default' },
      spec: { backend: { namespace: 'products' }, consistency: 'strong' },
      status: { backend: { store: 'd', upstreamNamespaces: ['products'] } },
    });
  });

  it('404s an unknown Index with a JSON error, and names a rejected change that declares it', async () => {
    const res = await inject({ method: 'GET', url: '/hevlayer/v1/indexes/nope' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({
      status: 'error',
      error: 'no Index named "nope"',
      code: 'HEV_INDEX_NOT_FOUND',
    });

    holder.reject(
      [
        {
          severity: 'error',
          file: 'nope.yaml',
          document: 1,
          kind: 'Index',
          name: 'nope',
          path: 'spec.consistency',
          message: 'must be one of strong, eventual, got "weak"',
        },
      ],
      '2026-01-01T00:01:00.000Z',
    );
    const again = await inject({ method: 'GET', url: '/hevlayer/v1/indexes/nope' });
    expect(again.json<{ error: string }>().error).toBe(
      'no Index named "nope"; the rejected config change declares it but is invalid: nope.yaml: Index/nope: spec.consistency: must be one of strong, eventual, got "weak"',
    );
    const config = await inject({ method: 'GET', url: '/hevlayer/v1/config' });
    expect(config.json()).toMatchObject({
      generation: 1,
      valid: false,
      lastError: {
        at: '2026-01-01T00:01:00.000Z',
        problems: ['nope.yaml: Index/nope: spec.consistency: must be one of strong, eventual, got "weak"'],
      },
    });
  });

  it('is ready once a config is loaded', async () => {
    expect((await inject({ method: 'GET', url: '/readyz' })).json()).toEqual({
      status: 'ready',
      generation: 1,
    });
    const empty = setup({ loaded: false });
    const res = await empty.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(503);
    await empty.app.close();
  });
});

describe('hevlayer routes with API keys', () => {
  const { app, inject, ready } = setup({
    keys: [{ name: 'shop-reader', key: 'k-shop', matchLabels: { app: 'shop' } }],
  });
  beforeAll(() => ready);
  afterAll(() => app.close());
  const auth = { authorization: 'Bearer k-shop' };

  it('needs a key, and lists only the Indexes the key may use', async () => {
    expect((await inject({ method: 'GET', url: '/hevlayer/v1/indexes' })).statusCode).toBe(401);
    const res = await inject({ method: 'GET', url: '/hevlayer/v1/indexes', headers: auth });
    expect(res.json<{ items: { metadata: { name: string } }[] }>().items.map((i) => i.metadata.name)).toEqual(
      ['products'],
    );
  });

  it('403s an Index outside the key selector', async () => {
    const res = await inject({ method: 'GET', url: '/hevlayer/v1/indexes/blog', headers: auth });
    expect(res.statusCode).toBe(403);
    expect(res.json<{ code: string }>().code).toBe('HEV_FORBIDDEN');
  });

  it('leaves /readyz open', async () => {
    expect((await inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
  });
});
