/**
 * The OpenAPI 3.1 document served at /openapi.json: every route the gateway answers, the error
 * shape and the auth scheme. Request bodies of the turbopuffer routes are described loosely (they
 * are turbopuffer's, see its docs); the hevlayer API is described field by field.
 */
import { NAMESPACE_NAME_PATTERN } from '../wire/namespace-name.ts';

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

function op(summary: string, extra: Record<string, unknown> = {}, responses = ok(summary)) {
  return { summary, responses, ...extra };
}

export function buildOpenApiDocument(version: string): Record<string, unknown> {
  const tpuf = { tags: ['turbopuffer'], parameters: [ns] };
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
      '/v2/namespaces/{ns}': {
        post: op('Write documents (upsert, patch, delete, conditional, by filter)', {
          ...tpuf,
          requestBody: jsonBody('turbopuffer write request'),
        }),
        delete: op('Delete the namespace (all shards of a sharded Index)', tpuf),
      },
      '/v2/namespaces/{ns}/query': {
        post: op('Query or multi-query (`queries`)', {
          ...tpuf,
          requestBody: jsonBody('turbopuffer query request'),
        }),
      },
      '/v1/namespaces/{ns}/metadata': { get: op('Namespace metadata', tpuf) },
      '/v2/namespaces/{ns}/metadata': { get: op('Namespace metadata', tpuf) },
      '/v1/namespaces/{ns}': { delete: op('Delete the namespace (v1 path)', tpuf) },
      '/v1/namespaces/{ns}/schema': {
        get: op('Namespace schema', tpuf),
        post: op('Update the schema (bare attribute map)', {
          ...tpuf,
          requestBody: jsonBody('attribute map'),
        }),
      },
      '/v1/namespaces/{ns}/hint_cache_warm': {
        get: op('Hint the upstream to warm its cache', tpuf, ok('Accepted', '202')),
      },
      '/v1/namespaces': {
        get: op('List declared Indexes visible to the caller', {
          tags: ['turbopuffer'],
          parameters: [
            { name: 'prefix', in: 'query', schema: { type: 'string' } },
            { name: 'cursor', in: 'query', schema: { type: 'string' } },
            { name: 'page_size', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 1000 } },
          ],
        }),
      },
      '/hevlayer/v1/indexes': {
        get: op('List Indexes with spec defaults and status', {
          tags: ['hevlayer'],
          parameters: [{ name: 'label', in: 'query', schema: { type: 'string', example: 'app=shop' } }],
        }),
      },
      '/hevlayer/v1/indexes/{name}': { get: op('One Index with status', hev) },
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
