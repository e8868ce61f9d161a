/**
 * /openapi.json documents exactly the routes the gateway answers: every documented operation
 * exists on the server, and every route of INTERFACES.md that is built is documented.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  indexManifest,
  localStore,
  startGatewayFixture,
  type GatewayFixture,
} from '../helpers/gateway-fixture.ts';

type HTTPMethod = 'GET' | 'POST' | 'DELETE' | 'PATCH';

const SERVED: [HTTPMethod, string][] = [
  ['POST', '/v2/namespaces/{ns}'],
  ['POST', '/v2/namespaces/{ns}/query'],
  ['GET', '/v1/namespaces/{ns}/metadata'],
  ['GET', '/v2/namespaces/{ns}/metadata'],
  ['PATCH', '/v1/namespaces/{ns}/metadata'],
  ['POST', '/v2/namespaces/{ns}/explain_query'],
  ['POST', '/v1/namespaces/{ns}/_debug/recall'],
  ['GET', '/v1/namespaces/{ns}/schema'],
  ['POST', '/v1/namespaces/{ns}/schema'],
  ['GET', '/v1/namespaces'],
  ['DELETE', '/v2/namespaces/{ns}'],
  ['GET', '/v1/namespaces/{ns}/hint_cache_warm'],
  ['GET', '/hevlayer/v1/indexes'],
  ['GET', '/hevlayer/v1/indexes/{name}'],
  ['GET', '/hevlayer/v1/config'],
  ['GET', '/metrics'],
  ['GET', '/healthz'],
  ['GET', '/readyz'],
  ['GET', '/openapi.json'],
];

describe('/openapi.json', () => {
  let fx: GatewayFixture;
  let doc: { openapi: string; paths: Record<string, Record<string, unknown>> };

  beforeAll(async () => {
    fx = await startGatewayFixture({ manifests: [localStore(), indexManifest('products')] });
    doc = (await (await fetch(`${fx.url}/openapi.json`)).json()) as typeof doc;
  });
  afterAll(async () => {
    await fx?.close();
  });

  it('is OpenAPI 3.1', () => {
    expect(doc.openapi).toBe('3.1.0');
  });

  it.each(SERVED)('documents %s %s', (method, path) => {
    expect(Object.keys(doc.paths[path] ?? {})).toContain(method.toLowerCase());
  });

  it('documents the x-hevlayer-cache header on exactly the cacheable reads (query, metadata, schema)', () => {
    const withHeader = Object.entries(doc.paths).flatMap(([path, operations]) =>
      Object.entries(operations)
        .filter(([, operation]) => {
          const ok = (operation as { responses?: Record<string, { headers?: object }> }).responses?.['200'];
          return ok?.headers !== undefined && 'x-hevlayer-cache' in ok.headers;
        })
        .map(([method]) => `${method.toUpperCase()} ${path}`),
    );
    expect(withHeader).toEqual([
      'POST /v2/namespaces/{ns}/query',
      'GET /v2/namespaces/{ns}/metadata',
      'GET /v1/namespaces/{ns}/metadata',
      'GET /v1/namespaces/{ns}/schema',
    ]);
  });

  it('documents only routes the server has', () => {
    for (const [path, operations] of Object.entries(doc.paths)) {
      const url = path.replace(/\{(\w+)\}/g, ':$1');
      for (const method of Object.keys(operations)) {
        // Every route, data and API alike, is in the one router of the pipeline.
        const served = fx.gateway.app.hasRoute(method.toUpperCase(), url);
        expect(served, `${method} ${path}`).toBe(true);
      }
    }
  });
});
