/**
 * Issue 4 acceptance: malformed requests get a catalogued 4xx in the turbopuffer error shape, the
 * process stays up, and the data does not change. Runs against the whole gateway (file config,
 * local store, one plain and one 3-shard Index) with a small body cap so "oversize" is cheap.
 */
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import {
  indexManifest,
  localStore,
  startGatewayFixture,
  type GatewayFixture,
  gatewayConfigManifest,
} from '../helpers/gateway-fixture.ts';

const BODY_CAP = 64 * 1024;

interface Case {
  readonly name: string;
  readonly method?: 'GET' | 'POST' | 'DELETE' | 'PUT' | 'PATCH';
  readonly path: string;
  readonly body?: string | Buffer;
  readonly headers?: Record<string, string>;
  /** The expected status, or the statuses a store may choose between (400 vs 422 for shape errors). */
  readonly status: number | readonly number[];
  /** A word the error message must contain. */
  readonly mentions?: RegExp;
}

const json = (value: unknown) => JSON.stringify(value);
const deep = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);
const deepFilter = (depth: number): unknown =>
  depth === 0 ? ['a', 'Eq', 1] : ['Not', deepFilter(depth - 1)];

function writeCases(ns: string): Case[] {
  const w = (name: string, body: unknown, status: Case['status'] = 400, mentions?: RegExp): Case => ({
    name: `${ns}: write ${name}`,
    method: 'POST',
    path: `/v2/namespaces/${ns}`,
    body: typeof body === 'string' ? body : json(body),
    status,
    ...(mentions === undefined ? {} : { mentions }),
  });
  return [
    w('truncated JSON', '{"upsert_rows":[{"id":1', 400, /JSON/),
    w('trailing garbage', '{"deletes":[1]} x', 400, /JSON/),
    w('a bare string', '"hello"'),
    w('an array body', '[1,2,3]'),
    w('null body', 'null'),
    w('upsert_rows not an array', { upsert_rows: { id: 1 } }, [400, 422]),
    w('row without id', { upsert_rows: [{ title: 'x' }] }),
    w('id of type object', { upsert_rows: [{ id: { a: 1 } }] }),
    w('negative id', { upsert_rows: [{ id: -5 }] }),
    w('fractional id', { upsert_rows: [{ id: 1.5 }] }),
    w('id above u64', '{"upsert_rows":[{"id":18446744073709551616}]}'),
    w('duplicate ids', { upsert_rows: [{ id: 7 }, { id: 7 }] }),
    w('duplicate ids across ops', { upsert_rows: [{ id: 8 }], deletes: [8] }),
    w('attribute starting with $', { upsert_rows: [{ id: 9, $dist: 1 }] }),
    w('vector of strings', { upsert_rows: [{ id: 10, vector: ['a', 'b'] }] }),
    w('vector with wrong dims', { upsert_rows: [{ id: 11, vector: [1, 2, 3] }] }),
    w('conflicting distance_metric', {
      upsert_rows: [{ id: 12, vector: [1, 0] }],
      distance_metric: 'euclidean_squared',
    }),
    w('unknown distance_metric', { upsert_rows: [{ id: 13, vector: [1, 0] }], distance_metric: 'manhattan' }),
    w('columns of unequal length', { upsert_columns: { id: [1, 2], title: ['a'] } }),
    w('deletes not an array', { deletes: 5 }, [400, 422]),
    w('delete_by_filter with an unknown operator', { delete_by_filter: ['title', 'Near', 'x'] }),
    w('patch_by_filter without patch', { patch_by_filter: { filters: ['title', 'Eq', 'x'] } }),
    w('schema type change', { schema: { category: 'int' } }),
    w('invalid schema type', { schema: { x: 'complex128' } }),
    w('copy_from_namespace of an undeclared Index', { copy_from_namespace: 'other' }, 404, /no Index/),
    w('unknown top-level field', { upsert_rowz: [{ id: 1 }] }),
    w('nesting deeper than the cap', `{"delete_by_filter":${json(deepFilter(80))}}`, 400, /nesting/),
    w('deep arrays', `{"deletes":${deep(100)}}`, 400, /nesting/),
    w('type mismatch in a condition', {
      upsert_rows: [{ id: 20, category: 'x' }],
      upsert_condition: ['category', 'Gt', [1]],
    }),
  ];
}

function queryCases(ns: string): Case[] {
  const q = (name: string, body: unknown, status: Case['status'] = 400, mentions?: RegExp): Case => ({
    name: `${ns}: query ${name}`,
    method: 'POST',
    path: `/v2/namespaces/${ns}/query`,
    body: typeof body === 'string' ? body : json(body),
    status,
    ...(mentions === undefined ? {} : { mentions }),
  });
  return [
    q('not JSON', 'rank_by=id', 400, /JSON/),
    q('empty object', '{'),
    q('top_k above 10000', { rank_by: ['id', 'asc'], top_k: 10001 }),
    q('negative top_k', { rank_by: ['id', 'asc'], top_k: -1 }),
    q('top_k as a string', { rank_by: ['id', 'asc'], top_k: '10' }),
    q('rank_by of an unknown kind', { rank_by: ['vector', 'Closest', [1, 0]], top_k: 1 }),
    q('ANN with a wrong-size vector', { rank_by: ['vector', 'ANN', [1, 0, 0, 0]], top_k: 1 }),
    q('kNN without filters', { rank_by: ['vector', 'kNN', [1, 0]], top_k: 1 }),
    q('filter on an unknown op', { rank_by: ['id', 'asc'], top_k: 1, filters: ['category', 'Like', 'x'] }),
    q('In with a scalar', { rank_by: ['id', 'asc'], top_k: 1, filters: ['category', 'In', 'x'] }),
    q('And without a list', { rank_by: ['id', 'asc'], top_k: 1, filters: ['And', 'x'] }),
    q('include_attributes of a number', { rank_by: ['id', 'asc'], top_k: 1, include_attributes: 5 }),
    q('include and exclude together', {
      rank_by: ['id', 'asc'],
      top_k: 1,
      include_attributes: ['category'],
      exclude_attributes: ['brand'],
    }),
    q('17 sub-queries', {
      queries: Array.from({ length: 17 }, () => ({ rank_by: ['id', 'asc'], top_k: 1 })),
    }),
    q('queries not an array', { queries: { rank_by: ['id', 'asc'] } }),
    q('unknown consistency level', {
      rank_by: ['id', 'asc'],
      top_k: 1,
      consistency: { level: 'linearizable' },
    }),
    q('unknown vector_encoding', { rank_by: ['id', 'asc'], top_k: 1, vector_encoding: 'hex' }),
    q('aggregate_by of an unknown function', { aggregate_by: { n: ['Median', 'price'] } }),
    q('Embed (unsupported)', { rank_by: ['vector', 'ANN', ['Embed', 'red shoes']], top_k: 1 }),
    q('BM25 on a non-FTS attribute', { rank_by: ['brand', 'BM25', 'acme'], top_k: 1 }),
    q(
      'nesting deeper than the cap',
      { rank_by: ['id', 'asc'], top_k: 1, filters: deepFilter(80) },
      400,
      /nesting/,
    ),
  ];
}

/** explain_query, _debug/recall and the metadata PATCH (issue 13). */
function debugEndpointCases(ns: string): Case[] {
  const at =
    (path: string, method: 'POST' | 'PATCH') =>
    (name: string, body: unknown, status: Case['status'] = 400, mentions?: RegExp): Case => ({
      name: `${ns}: ${name}`,
      method,
      path: `/v${path.startsWith('explain') ? 2 : 1}/namespaces/${ns}/${path}`,
      body: typeof body === 'string' ? body : json(body),
      status,
      ...(mentions === undefined ? {} : { mentions }),
    });
  const explain = at('explain_query', 'POST');
  const recall = at('_debug/recall', 'POST');
  const patch = at('metadata', 'PATCH');
  return [
    explain('explain not JSON', '{"rank_by":', 400, /JSON/),
    explain('explain top_k as a string', { rank_by: ['id', 'asc'], top_k: '10' }, 400, /top_k/),
    explain('explain rank_by of an unknown kind', { rank_by: ['vector', 'Closest', [1, 0]] }, 400, /Closest/),
    explain('explain filter on an unknown op', { filters: ['category', 'Like', 'x'] }, 400, /Like/),
    recall('recall not JSON', 'num=5', 400, /JSON/),
    recall('recall body an array', '[1]', 400, /recall body must be a JSON object/),
    recall('recall num 0', { num: 0 }, 400, /num must be an integer/),
    recall('recall top_k as a string', { top_k: '3' }, 400, /top_k must be an integer/),
    recall('recall unknown field', { topk: 3 }, 400, /unknown field `topk`/),
    recall(
      'recall include_ground_truth as a string',
      { include_ground_truth: 'yes' },
      400,
      /include_ground_truth/,
    ),
    recall(
      'recall num 5 with rank_by',
      { num: 5, rank_by: ['vector', 'ANN', [1, 0]] },
      400,
      /num must be null or 1/,
    ),
    recall(
      'recall of BM25',
      { rank_by: ['brand', 'BM25', 'acme'] },
      400,
      /recall is measured for vector search/,
    ),
    patch('metadata PATCH not JSON', '{pinning}', 400, /JSON/),
    patch('metadata PATCH body an array', '[1]', 400, /metadata update body must be a JSON object/),
    patch('metadata PATCH pinning as a string', { pinning: 'yes' }, 400, /pinning must be true, false, null/),
    patch(
      'metadata PATCH replicas 0',
      { pinning: { replicas: 0 } },
      400,
      /pinning.replicas must be an integer/,
    ),
    patch('metadata PATCH unknown field', { pinned: true }, 400, /unknown field `pinned`/),
    patch(
      'metadata PATCH pinning (a turbopuffer-cloud feature)',
      { pinning: true },
      400,
      /pinning .*turbopuffer-cloud/,
    ),
  ];
}

const transportCases: Case[] = [
  {
    name: 'undeclared Index',
    method: 'POST',
    path: '/v2/namespaces/nope/query',
    body: '{}',
    status: 404,
    mentions: /no Index named/,
  },
  { name: 'undeclared Index metadata', path: '/v2/namespaces/nope/metadata', status: 404 },
  {
    name: 'path traversal ..',
    path: '/v2/namespaces/..%2Fetc/metadata',
    status: 400,
    mentions: /invalid namespace name/,
  },
  {
    name: 'namespace with a slash',
    method: 'POST',
    path: '/v2/namespaces/a%2Fb/query',
    body: '{}',
    status: 400,
  },
  { name: 'namespace with spaces', path: '/v2/namespaces/a%20b/metadata', status: 400 },
  { name: 'namespace name too long', path: `/v2/namespaces/${'x'.repeat(129)}/metadata`, status: 400 },
  {
    name: 'oversize body',
    method: 'POST',
    path: '/v2/namespaces/products',
    body: json({ deletes: Array.from({ length: 20000 }, (_, i) => i) }),
    status: 413,
  },
  {
    name: 'gzip bomb beyond the cap',
    method: 'POST',
    path: '/v2/namespaces/products',
    body: gzipSync(Buffer.from(`{"deletes":[${'1,'.repeat(200_000)}1]}`)),
    headers: { 'content-encoding': 'gzip' },
    status: 413,
  },
  {
    name: 'corrupt gzip',
    method: 'POST',
    path: '/v2/namespaces/products',
    body: Buffer.from('not gzip at all'),
    headers: { 'content-encoding': 'gzip' },
    status: 400,
  },
  {
    name: 'unknown content-encoding',
    method: 'POST',
    path: '/v2/namespaces/products',
    body: '{}',
    headers: { 'content-encoding': 'zstd' },
    status: 415,
  },
  { name: 'empty write body', method: 'POST', path: '/v2/namespaces/products', body: '', status: 400 },
  { name: 'PUT on a namespace', method: 'PUT', path: '/v2/namespaces/products', body: '{}', status: 404 },
  { name: 'unknown route', path: '/v3/namespaces/products', status: 404 },
  { name: 'page_size 0', path: '/v1/namespaces?page_size=0', status: 400 },
  { name: 'page_size 5000', path: '/v1/namespaces?page_size=5000', status: 400 },
  { name: 'page_size not a number', path: '/v1/namespaces?page_size=ten', status: 400 },
  { name: 'malformed cursor', path: '/v1/namespaces?cursor=..%2F..', status: 400 },
  {
    name: 'schema update wrapped',
    method: 'POST',
    path: '/v1/namespaces/products/schema',
    body: json({ schema: { category: 'string' } }),
    status: [400, 422],
  },
  {
    name: 'schema update with a type change',
    method: 'POST',
    path: '/v1/namespaces/products/schema',
    body: json({ category: 'int' }),
    status: 400,
  },
  {
    name: 'schema update not an object',
    method: 'POST',
    path: '/v1/namespaces/products/schema',
    body: '[1]',
    status: 400,
  },
  { name: 'hevlayer API unknown Index', path: '/hevlayer/v1/indexes/nope', status: 404 },
];

const CASES = [
  ...writeCases('products'),
  ...writeCases('sharded'),
  ...queryCases('products'),
  ...queryCases('sharded'),
  ...debugEndpointCases('products'),
  ...debugEndpointCases('sharded'),
  ...transportCases,
];

describe('gateway bad input', () => {
  let fx: GatewayFixture;
  let before: { products: string; sharded: string; metaProducts: unknown; metaSharded: unknown };

  const call = async (c: Pick<Case, 'method' | 'path' | 'body' | 'headers'>) => {
    const res = await request(`${fx.url}${c.path}`, {
      method: c.method ?? 'GET',
      headers: { 'content-type': 'application/json', ...c.headers },
      ...(c.body === undefined ? {} : { body: c.body }),
    });
    return { status: res.statusCode, text: await res.body.text(), headers: res.headers };
  };

  // Rows only: the performance block carries timings that differ on every call.
  const snapshot = async (ns: string) =>
    JSON.stringify(
      (
        JSON.parse(
          (
            await call({
              method: 'POST',
              path: `/v2/namespaces/${ns}/query`,
              body: json({ rank_by: ['id', 'asc'], top_k: 1000, include_attributes: true }),
            })
          ).text,
        ) as { rows: unknown }
      ).rows,
    );
  const rowCount = async (ns: string) =>
    JSON.parse((await call({ path: `/v2/namespaces/${ns}/metadata` })).text).approx_row_count as unknown;

  beforeAll(async () => {
    fx = await startGatewayFixture({
      manifests: [
        gatewayConfigManifest({ limits: { bodyBytes: BODY_CAP } }),
        localStore(),
        indexManifest('products'),
        indexManifest('sharded', { backend: { shards: 3 } }),
      ],
    });
    const rows = Array.from({ length: 30 }, (_, i) => ({
      id: i + 1,
      vector: [Math.cos(i), Math.sin(i)],
      category: ['shoes', 'hats', 'bags'][i % 3],
      brand: `brand-${i % 5}`,
      price: i * 1.5,
    }));
    for (const ns of ['products', 'sharded']) {
      const res = await call({
        method: 'POST',
        path: `/v2/namespaces/${ns}`,
        body: json({ upsert_rows: rows }),
      });
      expect(res.status).toBe(200);
    }
    before = {
      products: await snapshot('products'),
      sharded: await snapshot('sharded'),
      metaProducts: await rowCount('products'),
      metaSharded: await rowCount('sharded'),
    };
  });

  afterAll(async () => {
    await fx?.close();
  });

  it('has at least 60 malformed requests', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(60);
  });

  it.each(CASES.map((c) => [c.name, c] as const))('%s → 4xx with a clear error', async (_name, c) => {
    const res = await call(c);
    expect([c.status].flat(), res.text).toContain(res.status);
    const body = JSON.parse(res.text) as { status: string; error: string; code: string };
    expect(body.status).toBe('error');
    expect(typeof body.error).toBe('string');
    expect(body.error.length).toBeGreaterThan(5);
    expect(body.code).toMatch(/^HEV_[A-Z_]+$/);
    if (c.mentions !== undefined) expect(body.error).toMatch(c.mentions);
  });

  it('is still alive and nothing changed', async () => {
    expect((await call({ path: '/healthz' })).status).toBe(200);
    expect(await snapshot('products')).toBe(before.products);
    expect(await snapshot('sharded')).toBe(before.sharded);
    expect(await rowCount('products')).toBe(before.metaProducts);
    expect(await rowCount('sharded')).toBe(before.metaSharded);
  });
});
