/**
 * Issue 8 item 1 acceptance: a data route and an API route go through the same pipeline, so the
 * same failure gets the same status, body shape, code and request-line fields on both.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { SHOP_KEY, startPipelineKit, type PipelineKit } from './pipeline-test-kit.ts';
import { value } from './route.ts';
import type { Phase } from './pipeline.ts';

/** A hevlayer-API-style route with a body (the scan route to come reads its JSON the same way). */
const echoRoute = {
  method: 'POST' as const,
  path: '/hevlayer/v1/test/echo',
  body: true,
  handler: async (ctx: { body: { value(): unknown } | undefined }) => value(200, { got: ctx.body?.value() }),
};

interface Failure {
  readonly name: string;
  readonly status: number;
  readonly code: string;
  readonly key?: string;
  readonly phase?: Phase;
  readonly data: { method: 'GET' | 'POST'; path: string; body?: string };
  readonly api: { method: 'GET' | 'POST'; path: string; body?: string };
}

const BIG = JSON.stringify({ x: 'y'.repeat(10_000) });

const FAILURES: readonly Failure[] = [
  {
    name: 'no key',
    status: 401,
    code: 'HEV_UNAUTHENTICATED',
    data: { method: 'GET', path: '/v2/namespaces/products/metadata' },
    api: { method: 'GET', path: '/hevlayer/v1/indexes/products' },
  },
  {
    name: 'an Index outside the key selector',
    status: 403,
    code: 'HEV_FORBIDDEN',
    key: SHOP_KEY,
    data: { method: 'GET', path: '/v2/namespaces/blog/metadata' },
    api: { method: 'GET', path: '/hevlayer/v1/indexes/blog' },
  },
  {
    name: 'an undeclared Index',
    status: 404,
    code: 'HEV_INDEX_NOT_FOUND',
    key: SHOP_KEY,
    data: { method: 'GET', path: '/v2/namespaces/nope/metadata' },
    api: { method: 'GET', path: '/hevlayer/v1/indexes/nope' },
  },
  {
    name: 'a body over the cap',
    status: 413,
    code: 'HEV_PAYLOAD_TOO_LARGE',
    key: SHOP_KEY,
    data: { method: 'POST', path: '/v2/namespaces/products/query', body: BIG },
    api: { method: 'POST', path: '/hevlayer/v1/test/echo', body: BIG },
  },
  {
    name: 'malformed JSON',
    status: 400,
    code: 'HEV_BAD_JSON',
    key: SHOP_KEY,
    data: { method: 'POST', path: '/v2/namespaces/products/query', body: '{"top_k":' },
    api: { method: 'POST', path: '/hevlayer/v1/test/echo', body: '{"top_k":' },
  },
  {
    name: 'a request while the server is closing',
    status: 503,
    code: 'HEV_SHUTTING_DOWN',
    key: SHOP_KEY,
    phase: 'closing',
    data: { method: 'GET', path: '/v2/namespaces/products/metadata' },
    api: { method: 'GET', path: '/hevlayer/v1/indexes/products' },
  },
];

/** Request-line fields that must agree between the two routes (route, reqId and ms differ by nature). */
const SHARED_FIELDS = ['level', 'msg', 'method', 'status', 'principal', 'service'] as const;

describe('one pipeline for data and API routes', () => {
  let kit: PipelineKit;
  beforeAll(async () => {
    kit = await startPipelineKit({ routes: [echoRoute as never] });
  });
  afterAll(() => kit.close());

  const send = async (f: Failure, r: Failure['api'], id: string) => {
    kit.phase = f.phase ?? 'serving';
    try {
      const res = await request(`${kit.url}${r.path}`, {
        method: r.method,
        headers: {
          'x-request-id': id,
          'content-type': 'application/json',
          ...(f.key === undefined ? {} : { authorization: `Bearer ${f.key}` }),
        },
        ...(r.body === undefined ? {} : { body: r.body }),
      });
      const body = (await res.body.json()) as Record<string, unknown>;
      return { status: res.statusCode, type: res.headers['content-type'], body };
    } finally {
      kit.phase = 'serving';
    }
  };

  const lineOf = (id: string) => kit.lines.find((l) => l.reqId === id && l.msg === 'request');

  it.each(FAILURES.map((f) => [f.name, f] as const))(
    '%s: same status, body shape, code and request-line fields on a data and an API route',
    async (_name, f) => {
      const data = await send(f, f.data, `data-${f.status}`);
      const api = await send(f, f.api, `api-${f.status}`);
      for (const res of [data, api]) {
        expect(res.status).toBe(f.status);
        expect(res.type).toBe('application/json');
        expect(Object.keys(res.body).sort()).toEqual(['code', 'error', 'status']);
        expect(res.body).toMatchObject({ status: 'error', code: f.code });
      }
      const dataLine = lineOf(`data-${f.status}`);
      const apiLine = lineOf(`api-${f.status}`);
      expect(dataLine).toBeDefined();
      expect(apiLine).toBeDefined();
      for (const field of SHARED_FIELDS) expect(apiLine?.[field], field).toEqual(dataLine?.[field]);
      expect(dataLine?.status).toBe(f.status);
      expect(typeof dataLine?.ms).toBe('number');
      expect(typeof apiLine?.ms).toBe('number');
      expect(dataLine?.route).toBe(
        f.data.path.includes('/query') ? '/v2/namespaces/:ns/query' : '/v2/namespaces/:ns/metadata',
      );
    },
  );

  it('answers /readyz 503 while draining and serves every other route', async () => {
    kit.phase = 'draining';
    try {
      const ready = await request(`${kit.url}/readyz`);
      expect(ready.statusCode).toBe(503);
      await ready.body.dump();
      const meta = await request(`${kit.url}/v2/namespaces/products/metadata`, {
        headers: { authorization: `Bearer ${SHOP_KEY}` },
      });
      expect(meta.statusCode).toBe(200);
      await meta.body.dump();
    } finally {
      kit.phase = 'serving';
    }
  });

  it('normalizes a trailing slash and percent-decodes path parameters on both kinds of route', async () => {
    const auth = { authorization: `Bearer ${SHOP_KEY}` };
    for (const path of ['/v2/namespaces/produc%74s/metadata/', '/hevlayer/v1/indexes/produc%74s/']) {
      const res = await request(`${kit.url}${path}`, { headers: auth });
      expect(res.statusCode, path).toBe(200);
      await res.body.dump();
    }
  });

  it('answers a malformed URL with 400 and an unknown route with 404, in the same shape', async () => {
    const auth = { authorization: `Bearer ${SHOP_KEY}` };
    const bad = await request(`${kit.url}/v2/namespaces/%E0%A4%A/metadata`, { headers: auth });
    expect(bad.statusCode).toBe(400);
    expect(await bad.body.json()).toMatchObject({ status: 'error', code: 'HEV_INVALID_REQUEST' });
    const unknown = await request(`${kit.url}/v3/nothing`, { headers: auth });
    expect(unknown.statusCode).toBe(404);
    expect(await unknown.body.json()).toMatchObject({ status: 'error', code: 'HEV_ROUTE_NOT_FOUND' });
  });

  it('leaves the probes open without a key but not /openapi-style routes', async () => {
    const ready = await request(`${kit.url}/readyz`);
    expect(ready.statusCode).toBe(200);
    await ready.body.dump();
    const config = await request(`${kit.url}/hevlayer/v1/config`);
    expect(config.statusCode).toBe(401);
    await config.body.dump();
  });
});
