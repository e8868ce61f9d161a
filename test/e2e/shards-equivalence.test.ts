/**
 * Acceptance: a 4-shard Index answers exactly like one unsharded namespace holding the same
 * documents. Both live in one local store behind the gateway's HTTP routes on a free port:
 * `products` is the sharded target over `products-0 … products-3`, `flat` the unsharded twin.
 * Every request goes to both over HTTP and the answers (parsed losslessly, so u64 ids above 2^53
 * compare exactly) must be equal, apart from billing/performance. BM25 is the documented
 * exception: same matching ids, ranking may differ (per-shard term statistics).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Turbopuffer from '@turbopuffer/turbopuffer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGatewayServer } from '../../src/gateway/server.ts';
import type { TargetResolver } from '../../src/gateway/target.ts';
import { shardOf } from '../../src/shards/hash.ts';
import { shardsLayer } from '../../src/shards/layer.ts';
import { createLocalStore, type LocalStore } from '../../src/stores/local/index.ts';
import { HevError } from '../../src/wire/errors.ts';
import { parseJson, stringifyJson } from '../../src/wire/json.ts';
import { Payload } from '../../src/wire/payload.ts';
import { listenOnFreePort } from '../helpers/listen.ts';

const SHARDS = 4;
const ROWS = 300;
const DIMS = 8;
const CATEGORIES = ['audio', 'books', 'games', 'garden', 'kitchen', 'toys'];
const WORDS = ['puffer', 'ocean', 'amber', 'river', 'stone', 'quiet', 'fast', 'light', 'delta', 'cedar'];
const TAGS = ['red', 'green', 'blue', 'sale', 'new'];
const BASE_MS = Date.parse('2025-01-01T00:00:00Z');

/** mulberry32: a tiny deterministic PRNG, so the data set is the same on every run. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const rand = prng(20260804);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
const vec = (): number[] => Array.from({ length: DIMS }, () => Math.round((rand() * 2 - 1) * 1e6) / 1e6);

// Half of the ids are above 2^53 (exact only as bigints); price has nulls; every other sort key
// is unique, so only the null blocks tie (both sides break those ties by id).
const DOCS = Array.from({ length: ROWS }, (_, i) => ({
  id: i % 2 === 0 ? 9007199254740993n + BigInt(i) * 7919n : i * 101 + 3,
  vector: vec(),
  title: Array.from({ length: 3 + (i % 4) }, () => pick(WORDS)).join(' '),
  category: CATEGORIES[i % CATEGORIES.length] as string,
  rating: 1 + ((i * 7) % 5),
  price: i % 23 === 5 ? null : Math.round(((i * 7919) % 10007) + i / 1000) / 100 + 0.005,
  stock: (i * 37) % 101,
  tags: TAGS.filter((_, t) => (i >> t) % 2 === 1),
  // Pairs share a second, one without a fraction ("…:07Z") and one with ("…:07.123Z"): as text
  // the second would sort first; as datetimes it does not.
  created: new Date(
    BASE_MS + Math.floor(i / 2) * 61_000 + (i % 2 === 0 ? 0 : 1 + ((i * 7) % 998)),
  ).toISOString(),
}));

const SCHEMA = {
  title: { type: 'string', full_text_search: true },
  category: 'string',
  rating: 'int',
  price: 'float',
  stock: 'int',
  tags: '[]string',
  created: 'datetime',
};

let dir: string;
let store: LocalStore;
let app: ReturnType<typeof createGatewayServer>;
let baseURL: string;

async function call(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown) {
  const res = await fetch(new URL(path, baseURL), {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: stringifyJson(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: parseJson(text) as Record<string, unknown> };
}

const query = (ns: string, body: unknown) => call('POST', `/v2/namespaces/${ns}/query`, body);
const write = (ns: string, body: unknown) => call('POST', `/v2/namespaces/${ns}`, body);

function withoutBlocks(body: Record<string, unknown>): Record<string, unknown> {
  const { billing: _b, performance: _p, ...rest } = body;
  return rest;
}

/** Runs `body` against both namespaces; both must answer 200 with the same result. */
async function expectSame(body: Record<string, unknown>): Promise<Record<string, unknown>> {
  const [sharded, flat] = await Promise.all([query('products', body), query('flat', body)]);
  expect(flat.status, stringifyJson(flat.body)).toBe(200);
  expect(sharded.status, stringifyJson(sharded.body)).toBe(200);
  expect(withoutBlocks(sharded.body)).toEqual(withoutBlocks(flat.body));
  return sharded.body;
}

const rowsOf = (body: Record<string, unknown>) => body.rows as Record<string, unknown>[];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hevlayer-shards-'));
  store = await createLocalStore({ path: dir, synchronous: 'normal' });
  const names = Array.from({ length: SHARDS }, (_, i) => `products-${i}`);
  const sharded = shardsLayer({ namespaces: names, fanOut: 2 })(store.dispatch);
  const resolver: TargetResolver = {
    resolve: (name) => {
      if (name === 'products') return { dispatch: sharded, index: 'products', store: 'local' };
      if (name === 'flat') return { dispatch: store.dispatch, index: 'flat', store: 'local' };
      throw new HevError('HEV_INDEX_NOT_FOUND', `no Index named ${name}`);
    },
    resolveSource: () => undefined,
    list: (params, _r, ctx) => store.listNamespaces(params, ctx),
  };
  app = createGatewayServer({ resolver });
  baseURL = await listenOnFreePort(app);
  // Two batches: the first declares the schema (broadcast to every shard), the second does not.
  for (const [i, rows] of [DOCS.slice(0, 120), DOCS.slice(120)].entries()) {
    const body = {
      upsert_rows: rows,
      distance_metric: 'cosine_distance',
      ...(i === 0 ? { schema: SCHEMA } : {}),
    };
    for (const ns of ['products', 'flat']) {
      const res = await write(ns, body);
      expect(res.status, stringifyJson(res.body)).toBe(200);
    }
  }
});

afterAll(async () => {
  await app?.close();
  await store?.close();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

describe('a 4-shard Index equals one unsharded namespace', () => {
  it('placed every document on the shard its id hashes to, and on no other', async () => {
    for (let i = 0; i < SHARDS; i++) {
      const res = await store.query(
        `products-${i}`,
        Payload.fromValue({ rank_by: ['id', 'asc'], limit: 1000 }),
      );
      const ids = (res.value() as { rows: { id: unknown }[] }).rows.map((r) => r.id);
      const expected = DOCS.filter((d) => shardOf(d.id, SHARDS) === i).map((d) => d.id);
      expect(ids.length).toBeGreaterThan(40);
      expect(new Set(ids)).toEqual(new Set(expected));
    }
  });

  const probe = DOCS[17]?.vector as number[];
  it.each([
    ['ANN top 10', { rank_by: ['vector', 'ANN', probe], top_k: 10 }],
    [
      'ANN top 60 with attributes',
      { rank_by: ['vector', 'ANN', probe], top_k: 60, include_attributes: ['category', 'price'] },
    ],
    [
      'ANN with exclude_attributes',
      { rank_by: ['vector', 'ANN', probe], limit: 15, exclude_attributes: ['vector', 'title'] },
    ],
    [
      'kNN with a filter',
      { rank_by: ['vector', 'kNN', probe], limit: 25, filters: ['category', 'Eq', 'books'] },
    ],
    [
      'ANN with a range filter',
      { rank_by: ['vector', 'ANN', probe], limit: 20, filters: ['stock', 'Lt', 30] },
    ],
  ])('vector: %s', async (_name, body) => {
    const res = await expectSame(body);
    expect(rowsOf(res).length).toBeGreaterThan(5);
  });

  it.each([
    ['price asc (nulls first)', { rank_by: ['price', 'asc'], limit: 30, include_attributes: ['price'] }],
    ['price desc (nulls last), every row', { rank_by: ['price', 'desc'], limit: 1000 }],
    [
      'price asc with include_attributes true',
      { rank_by: ['price', 'asc'], limit: 20, include_attributes: true },
    ],
    ['created desc (datetime)', { rank_by: ['created', 'desc'], limit: 40 }],
    ['created asc with a filter', { rank_by: ['created', 'asc'], limit: 40, filters: ['rating', 'Gte', 3] }],
    ['title asc (strings)', { rank_by: ['title', 'asc'], limit: 25, include_attributes: ['title'] }],
    [
      'rating asc, price desc',
      {
        rank_by: [
          ['rating', 'asc'],
          ['price', 'desc'],
        ],
        limit: 80,
      },
    ],
    [
      'category desc, created asc',
      {
        rank_by: [
          ['category', 'desc'],
          ['created', 'asc'],
        ],
        limit: 50,
        include_attributes: ['stock'],
      },
    ],
    ['id desc', { rank_by: ['id', 'desc'], limit: 45 }],
  ])('attribute order: %s', async (_name, body) => {
    expect(rowsOf(await expectSame(body)).length).toBeGreaterThan(10);
  });

  it.each([
    [
      'And / In / Gt',
      [
        'And',
        [
          ['price', 'Gt', 20],
          ['category', 'In', ['books', 'toys', 'audio']],
        ],
      ],
    ],
    [
      'Or / Eq null',
      [
        'Or',
        [
          ['price', 'Eq', null],
          ['stock', 'Lte', 3],
        ],
      ],
    ],
    ['Not / Contains', ['Not', ['tags', 'Contains', 'red']]],
    ['ContainsAny', ['tags', 'ContainsAny', ['sale', 'new']]],
    [
      'id range',
      [
        'And',
        [
          ['id', 'Gte', 1000],
          ['id', 'Lt', 9007199254800000n],
        ],
      ],
    ],
    ['token filter', ['title', 'ContainsAllTokens', 'puffer ocean']],
  ])('filters: %s', async (_name, filters) => {
    const res = await expectSame({
      rank_by: ['id', 'asc'],
      limit: 1000,
      filters,
      include_attributes: ['price'],
    });
    expect(rowsOf(res).length).toBeGreaterThan(0);
  });

  it.each([
    ['Count', { aggregate_by: { n: ['Count'] } }],
    ['Count filtered', { aggregate_by: { n: ['Count'] }, filters: ['category', 'Eq', 'garden'] }],
    ['Sum', { aggregate_by: { total: ['Sum', 'stock'] } }],
    ['Count attr', { aggregate_by: { priced: ['Count', 'price'] } }],
    ['Sum filtered', { aggregate_by: { total: ['Sum', 'rating'] }, filters: ['tags', 'Contains', 'sale'] }],
  ])('aggregations: %s', async (_name, body) => {
    await expectSame(body);
  });

  it.each([
    ['by category', { aggregate_by: { n: ['Count'], s: ['Sum', 'stock'] }, group_by: ['category'] }],
    ['by rating, capped', { aggregate_by: { n: ['Count'] }, group_by: ['rating'], top_k: 3 }],
    ['by two keys', { aggregate_by: { n: ['Count'] }, group_by: ['category', 'rating'], limit: 20 }],
    ['by exploded tags', { aggregate_by: { n: ['Count'] }, group_by: [{ tag: ['ForEachUnique', 'tags'] }] }],
    [
      'filtered, by stock, capped',
      { aggregate_by: { n: ['Count'] }, group_by: ['stock'], top_k: 12, filters: ['rating', 'Lt', 4] },
    ],
  ])('group_by: %s', async (_name, body) => {
    const res = await expectSame(body);
    expect((res.aggregation_groups as unknown[]).length).toBeGreaterThan(1);
  });

  it.each([
    [
      'ANN, 2 per category',
      {
        rank_by: ['vector', 'ANN', probe],
        limit: { total: 10, per: { attributes: ['category'], limit: 2 } },
      },
    ],
    [
      'price desc, 3 per rating',
      { rank_by: ['price', 'desc'], limit: { total: 12, per: { attributes: ['rating'], limit: 3 } } },
    ],
    [
      'created asc, 1 per (category, rating)',
      {
        rank_by: ['created', 'asc'],
        limit: { total: 40, per: { attributes: ['category', 'rating'], limit: 1 } },
        include_attributes: ['category'],
      },
    ],
  ])('limit.per: %s', async (_name, body) => {
    expect(rowsOf(await expectSame(body)).length).toBeGreaterThan(5);
  });

  it.each([
    [
      'no rank_by (id order) with a filter',
      { filters: ['rating', 'Eq', 4], limit: 30, include_attributes: ['rating'] },
    ],
    [
      'base64 vectors',
      {
        rank_by: ['vector', 'ANN', probe],
        top_k: 4,
        include_attributes: ['vector'],
        vector_encoding: 'base64',
      },
    ],
    [
      'group_by with a filter, no limit',
      { aggregate_by: { s: ['Sum', 'stock'] }, group_by: ['rating'], filters: ['price', 'Eq', null] },
    ],
  ])('query shape: %s', async (_name, body) => {
    await expectSame(body);
  });

  it('pages through every id with ["id","asc"] exactly like the unsharded namespace', async () => {
    const seen: unknown[] = [];
    let last: unknown;
    for (let page = 0; page < 20; page++) {
      const body = {
        rank_by: ['id', 'asc'],
        limit: 37,
        ...(last === undefined ? {} : { filters: ['id', 'Gt', last] }),
      };
      const rows = rowsOf(await expectSame(body));
      seen.push(...rows.map((r) => r.id));
      if (rows.length < 37) break;
      last = rows[rows.length - 1]?.id;
    }
    expect(seen.length).toBe(ROWS);
    expect(new Set(seen)).toEqual(new Set(DOCS.map((d) => d.id)));
  });

  it('merges a multi-query sub-query by sub-query', async () => {
    const res = await expectSame({
      queries: [
        { rank_by: ['vector', 'ANN', probe], top_k: 5 },
        { rank_by: ['price', 'asc'], limit: 7 },
        { aggregate_by: { n: ['Count'] }, filters: ['rating', 'Eq', 2] },
        { aggregate_by: { n: ['Count'] }, group_by: ['category'] },
      ],
      consistency: { level: 'strong' },
    });
    expect((res.results as unknown[]).length).toBe(4);
  });

  it('reports the same metadata counts and schema', async () => {
    const [sharded, flat] = await Promise.all([
      call('GET', '/v2/namespaces/products/metadata'),
      call('GET', '/v2/namespaces/flat/metadata'),
    ]);
    expect(sharded.status).toBe(200);
    expect(sharded.body.approx_row_count).toBe(ROWS);
    for (const key of ['approx_row_count', 'approx_logical_bytes', 'schema', 'index']) {
      expect(sharded.body[key], key).toEqual(flat.body[key]);
    }
    const [shardedSchema, flatSchema] = await Promise.all([
      call('GET', '/v1/namespaces/products/schema'),
      call('GET', '/v1/namespaces/flat/schema'),
    ]);
    expect(shardedSchema.body).toEqual(flatSchema.body);
  });

  it('BM25: the same matching ids (ranking may differ: per-shard term statistics)', async () => {
    for (const rankBy of [
      ['title', 'BM25', 'puffer ocean'],
      [
        'Sum',
        [
          ['title', 'BM25', 'amber'],
          ['title', 'BM25', 'cedar'],
        ],
      ],
    ]) {
      const [sharded, flat] = await Promise.all([
        query('products', { rank_by: rankBy, limit: 1000 }),
        query('flat', { rank_by: rankBy, limit: 1000 }),
      ]);
      const ids = (b: Record<string, unknown>) => new Set(rowsOf(b).map((r) => r.id));
      expect(rowsOf(flat.body).length).toBeGreaterThan(20);
      expect(ids(sharded.body)).toEqual(ids(flat.body));
      // The merged list is still ordered by score, highest first.
      const scores = rowsOf(sharded.body).map((r) => r.$dist as number);
      expect(scores).toEqual([...scores].sort((a, b) => b - a));
    }
  });

  it('the official SDK works against the sharded Index unchanged', async () => {
    const tpuf = new Turbopuffer({ apiKey: 'unused', baseURL, maxRetries: 0 });
    const [sharded, flat] = [tpuf.namespace('products'), tpuf.namespace('flat')];
    const q: Parameters<typeof sharded.query>[0] = {
      rank_by: ['rating', 'desc'],
      limit: 9,
      filters: ['category', 'Eq', 'toys'],
    };
    const [a, b] = await Promise.all([sharded.query(q), flat.query(q)]);
    expect(a.rows).toEqual(b.rows);
    const [ma, mb] = await Promise.all([
      sharded.multiQuery({ queries: [{ aggregate_by: { n: ['Count'] } }] }),
      flat.multiQuery({ queries: [{ aggregate_by: { n: ['Count'] } }] }),
    ]);
    expect(ma.results).toEqual(mb.results);
    expect((await sharded.metadata()).approx_row_count).toBe(ROWS);
  });
});

describe('writes to a 4-shard Index have the same effect as on one namespace', () => {
  const some = (n: number, offset: number) => DOCS.slice(offset, offset + n).map((d) => d.id);

  it.each([
    [
      'patch_rows + deletes',
      { patch_rows: some(6, 10).map((id) => ({ id, stock: 999 })), deletes: some(5, 40) },
    ],
    [
      'upsert_columns',
      {
        upsert_columns: {
          id: [5000, 5001, 5002, 5003],
          vector: [vec(), vec(), vec(), vec()],
          category: ['books', 'toys', 'audio', 'books'],
          rating: [1, 2, 3, 4],
        },
      },
    ],
    ['patch_columns', { patch_columns: { id: some(4, 60), price: [1.5, 2.5, 3.5, 4.5] } }],
    [
      'conditional upsert',
      {
        upsert_rows: some(6, 70).map((id) => ({ id, vector: vec(), stock: 1 })),
        upsert_condition: ['stock', 'Gt', 50],
      },
    ],
    ['conditional delete', { deletes: some(8, 80), delete_condition: ['rating', 'Gte', 3] }],
    ['delete_by_filter', { delete_by_filter: ['category', 'Eq', 'kitchen'] }],
    ['patch_by_filter', { patch_by_filter: { filters: ['rating', 'Eq', 5], patch: { category: 'rated' } } }],
  ])('%s', async (_name, body) => {
    const full = { ...body, return_affected_ids: true, distance_metric: 'cosine_distance' };
    const [sharded, flat] = [await write('products', full), await write('flat', full)];
    expect(flat.status, stringifyJson(flat.body)).toBe(200);
    expect(sharded.status, stringifyJson(sharded.body)).toBe(200);
    const { billing: _b, performance: _p, ...s } = sharded.body;
    const { billing: _fb, performance: _fp, ...f } = flat.body;
    // Affected ids are the same set (flat orders by-filter ids by slot, the merge by request/shard).
    for (const key of ['upserted_ids', 'patched_ids', 'deleted_ids']) {
      expect(new Set(s[key] as unknown[]), key).toEqual(new Set(f[key] as unknown[]));
      delete s[key];
      delete f[key];
    }
    expect(s).toEqual(f);
    await expectSame({ rank_by: ['id', 'asc'], limit: 1000, include_attributes: true });
    await expectSame({ aggregate_by: { n: ['Count'] }, group_by: ['category'] });
  });

  it('rejects a duplicate id with 400 before writing anything', async () => {
    const before = await query('products', { aggregate_by: { n: ['Count'] } });
    const res = await write('products', { upsert_rows: [{ id: 7001, vector: vec() }], deletes: [7001] });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('HEV_DUPLICATE_ID');
    expect((await query('products', { aggregate_by: { n: ['Count'] } })).body.aggregations).toEqual(
      before.body.aggregations,
    );
  });
});
