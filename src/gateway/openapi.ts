/**
 * The OpenAPI 3.1 document served at /openapi.json: every route the gateway answers, the error
 * shape and the auth scheme. Request bodies of the turbopuffer routes are described loosely (they
 * are turbopuffer's, see its docs); the hevlayer API is described field by field.
 */
import { NAMESPACE_NAME_PATTERN } from '../wire/namespace-name.ts';

import { SNAPSHOT_ID_PATTERN } from '../snapshots/layout.ts';
import { OP_NAMES, specOf } from '../stores/operations.ts';

const errorBody = {
  type: 'object',
  required: ['status', 'error'],
  properties: {
    status: { const: 'error' },
    error: { type: 'string', description: 'What went wrong, in words a person can act on' },
    code: { type: 'string', description: 'Stable hevlayer error code (HEV_…)' },
  },
};

const jsonBody = (description: string) => ({
  required: true,
  content: { 'application/json': { schema: { type: 'object', description } } },
});

const ok = (description: string, status = '200') => ({
  [status]: { description, content: { 'application/json': { schema: { type: 'object' } } } },
  '4XX': { description: 'Client error', content: { 'application/json': { schema: errorBody } } },
  '5XX': { description: 'Server or upstream error', content: { 'application/json': { schema: errorBody } } },
});

const ns = {
  name: 'ns',
  in: 'path',
  required: true,
  schema: { type: 'string', pattern: NAMESPACE_NAME_PATTERN },
};
const indexName = { name: 'name', in: 'path', required: true, schema: { type: 'string' } };

/** The header a cacheable read answers with (src/cache/layer.ts). */
const CACHE_HEADER = {
  'x-hevlayer-cache': {
    description:
      'What the read cache did: hit (answered from the cache), miss (asked the upstream, then cached), coalesced (shared an identical in-flight miss), bypass (cache off for the Index, or unavailable)',
    schema: { type: 'string', enum: ['hit', 'miss', 'coalesced', 'bypass'] },
  },
};

/** `ok` with the cache header on the success answer. */
function cachedOk(description: string): Record<string, unknown> {
  const responses = ok(description);
  return { ...responses, '200': { ...responses['200'], headers: CACHE_HEADER } };
}

function op(
  summary: string,
  extra: Record<string, unknown> = {},
  responses: Record<string, unknown> = ok(summary),
) {
  return { summary, responses, ...extra };
}

/** The turbopuffer routes, from the operation table (the routes the data plane serves). */
function turbopufferPaths(): Record<string, Record<string, unknown>> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const name of OP_NAMES) {
    const spec = specOf(name);
    const extra: Record<string, unknown> =
      spec.scope === 'namespace' ? { tags: ['turbopuffer'], parameters: [ns] } : { tags: ['turbopuffer'] };
    if (spec.scope === 'store') extra.parameters = LIST_PARAMETERS;
    if (spec.body) extra.requestBody = jsonBody(`turbopuffer ${name} request`);
    for (const route of spec.routes) {
      const path = route.path.replace(':ns', '{ns}');
      (paths[path] ??= {})[route.method.toLowerCase()] = op(
        spec.summary,
        extra,
        spec.cache !== 'none'
          ? cachedOk(spec.summary)
          : spec.status === 200
            ? ok(spec.summary)
            : ok(spec.summary, String(spec.status)),
      );
    }
  }
  return paths;
}

/** The scan route and the cache-warm routes (gateway/scan-routes.ts). */
function scanPaths(hev: Record<string, unknown>): Record<string, Record<string, unknown>> {
  const scanBody = {
    type: 'object',
    additionalProperties: false,
    properties: {
      threads: {
        type: 'integer',
        minimum: 1,
        description: 'Fan-out; clamped by spec.scan.maxThreads and the active shards',
      },
      filters: { type: 'array', description: "A turbopuffer filter, ANDed with each page's id bound" },
      include_attributes: { oneOf: [{ type: 'boolean' }, { type: 'array', items: { type: 'string' } }] },
      page_size: { type: 'integer', minimum: 1, maximum: 10000, default: 1000 },
      cursor: { type: ['string', 'null'], description: 'Resume: the cursor of a final or checkpoint line' },
      checkpoints: {
        type: 'boolean',
        default: false,
        description: 'A {"$checkpoint":{rows,cursor}} line after each page',
      },
    },
  };
  return {
    '/hevlayer/v1/indexes/{name}/scan': {
      post: {
        ...hev,
        summary:
          'Scan every row (NDJSON: one row per line, then {"$scan":{rows,threads,shards,durationMs,cursor}})',
        requestBody: { required: true, content: { 'application/json': { schema: scanBody } } },
        responses: {
          ...ok('Rows'),
          '200': {
            description: 'NDJSON rows and the final $scan line',
            content: { 'application/x-ndjson': {} },
          },
        },
      },
    },
    '/hevlayer/v1/indexes/{name}/cache/warm': {
      post: op(
        "Start a warm of the Index's read cache (cache.mode: warm)",
        hev,
        ok("The warm's progress", '202'),
      ),
      get: op('Progress of the latest warm', hev),
    },
  };
}

const LIST_PARAMETERS = [
  { name: 'prefix', in: 'query', schema: { type: 'string' } },
  { name: 'cursor', in: 'query', schema: { type: 'string' } },
  { name: 'page_size', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 1000 } },
];

export function buildOpenApiDocument(version: string): Record<string, unknown> {
  const hev = { tags: ['hevlayer'], parameters: [indexName] };
  return {
    openapi: '3.1.0',
    info: {
      title: 'hevlayer gateway',
      version,
      description:
        'turbopuffer-compatible routes for every declared Index, plus the hevlayer API. Namespaces with no Index are 404.',
    },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas: { Error: errorBody },
    },
    security: [{ bearer: [] }],
    paths: {
      ...turbopufferPaths(),
      '/hevlayer/v1/indexes': {
        get: op('List Indexes with spec defaults and status', {
          tags: ['hevlayer'],
          parameters: [{ name: 'label', in: 'query', schema: { type: 'string', example: 'app=shop' } }],
        }),
      },
      '/hevlayer/v1/indexes/{name}': { get: op('One Index with status', hev) },
      '/hevlayer/v1/indexes/{name}/facets': {
        get: op('Latest facet counts: {index, snapshotId, takenAt, facets {field: [{value, count}]}}', hev),
      },
      '/hevlayer/v1/indexes/{name}/snapshots': {
        get: op('Snapshot history, newest first: {items: [{id, takenAt, rowCount, sizeBytes}]}', {
          ...hev,
          parameters: [
            indexName,
            { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 1000 } },
          ],
        }),
        post: op(
          'Take a snapshot now (ignores the interval); returns its summary',
          hev,
          ok('The new snapshot', '201'),
        ),
      },
      '/hevlayer/v1/indexes/{name}/snapshots/{id}': {
        get: op('One snapshot body', {
          tags: ['hevlayer'],
          parameters: [
            indexName,
            {
              name: 'id',
              in: 'path',
              required: true,
              schema: { type: 'string', pattern: SNAPSHOT_ID_PATTERN.source },
            },
          ],
        }),
      },
      ...scanPaths(hev),
      '/hevlayer/v1/config': {
        get: op('The config source: last load, last rejected change, warnings, stores', {
          tags: ['hevlayer'],
        }),
      },
      '/healthz': { get: op('Liveness', { tags: ['ops'], security: [] }) },
      '/readyz': {
        get: op('Readiness: config loaded and stores reachable', { tags: ['ops'], security: [] }),
      },
      '/metrics': {
        get: {
          summary: 'Prometheus metrics',
          tags: ['ops'],
          security: [],
          responses: { '200': { description: 'Prometheus text format', content: { 'text/plain': {} } } },
        },
      },
      '/openapi.json': { get: op('This document', { tags: ['ops'] }) },
    },
  };
}
