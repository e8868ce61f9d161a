import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestStore, type TestStore } from './testing.ts';

let t: TestStore;

const VECS: Record<number, number[]> = {
  1: [1, 0, 0],
  2: [0.9, 0.1, 0],
  3: [0, 1, 0],
  4: [0, 0, 1],
  5: [-1, 0, 0],
};
const DOCS = [
  { id: 1, cat: 'a', brand: 'x', price: 10, text: 'red apple pie', tags: ['fruit', 'red'] },
  { id: 2, cat: 'a', brand: 'y', price: 5, text: 'green apple', tags: ['fruit'] },
  { id: 3, cat: 'b', brand: 'x', price: 7.5, text: 'red car', tags: ['car', 'red'] },
  { id: 4, cat: 'b', text: 'blue sky and blue sea' },
  { id: 5, brand: 'y', price: 1, text: 'apple apple apple', tags: [] },
];

beforeAll(async () => {
  t = await openTestStore();
  await t.write('q', {
    upsert_rows: DOCS.map((d) => ({ ...d, vector: VECS[d.id] })),
    distance_metric: 'cosine_distance',
    schema: { text: { type: 'string', full_text_search: true } },
  });
  await t.write('e', {
    upsert_rows: DOCS.map((d) => ({ id: d.id, vector: VECS[d.id] })),
    distance_metric: 'euclidean_squared',
  });
});
afterAll(async () => t.close());

function cosine(a: number[], b: number[]): number {
  const dot = a.reduce((s, v, i) => s + v * (b[i] as number), 0);
  const n = (x: number[]) => Math.sqrt(x.reduce((s, v) => s + v * v, 0));
  return 1 - dot / (n(a) * n(b));
}

describe('vector ranking', () => {
  it('ANN ranks by cosine distance, closest first, with $dist', async () => {
    const q = [1, 0.2, 0];
    const rows = await t.rows('q', { rank_by: ['vector', 'ANN', q], top_k: 3 });
    const expected = Object.entries(VECS)
      .map(([id, v]) => ({ id: Number(id), d: cosine(q, v) }))
      .sort((a, b) => a.d - b.d)
      .slice(0, 3);
    expect(rows.map((r) => r.id)).toEqual(expected.map((e) => e.id));
    rows.forEach((r, i) => expect(r.$dist as number).toBeCloseTo(expected[i]?.d as number, 6));
  });

  it('euclidean_squared is the sum of squared differences', async () => {
    const rows = await t.rows('e', { rank_by: ['vector', 'ANN', [1, 1, 0]], top_k: 2 });
    expect(rows[0]).toEqual({ id: 2, $dist: expect.closeTo(0.01 + 0.81, 5) });
    expect(rows[1]).toEqual({ id: 1, $dist: 1 });
  });

  it('kNN requires filters and applies them exactly', async () => {
    expect((await t.error(t.query('q', { rank_by: ['vector', 'kNN', [1, 0, 0]] }))).message).toMatch(
      /kNN requires filters/,
    );
    const rows = await t.rows('q', {
      rank_by: ['vector', 'kNN', [1, 0, 0]],
      filters: ['cat', 'Eq', 'b'],
      top_k: 5,
    });
    expect(rows.map((r) => r.id)).toEqual([3, 4]);
  });

  it('accepts base64 query vectors and returns base64 vectors on request', async () => {
    const b64 = Buffer.from(new Float32Array([0, 1, 0]).buffer).toString('base64');
    const res = await t.query('q', {
      rank_by: ['vector', 'ANN', b64],
      top_k: 1,
      include_attributes: ['vector'],
      vector_encoding: 'base64',
    });
    expect(res.rows).toEqual([{ id: 3, $dist: 0, vector: b64 }]);
  });

  it('rejects wrong dims, non-vector attributes and unsupported query forms', async () => {
    expect((await t.error(t.query('q', { rank_by: ['vector', 'ANN', [1, 0]] }))).message).toMatch(
      /dimension mismatch/,
    );
    expect((await t.error(t.query('q', { rank_by: ['cat', 'ANN', [1, 0, 0]] }))).message).toMatch(
      /not a vector attribute/,
    );
    expect((await t.error(t.query('q', { rank_by: ['vector', 'ANN', ['Embed', 'hi']] }))).code).toBe(
      'HEV_UNSUPPORTED',
    );
    expect((await t.error(t.query('q', { rank_by: ['sparse', 'SparseKNN', { a: 1 }] }))).code).toBe(
      'HEV_UNSUPPORTED',
    );
  });
});

describe('BM25', () => {
  // Hand computation: N = 5 docs, lengths 3,2,2,4 (stop word "and" dropped),3; avgdl = 14/5.
  const idf = (n: number) => Math.log(1 + (5 - n + 0.5) / (n + 0.5));
  const tfPart = (tf: number, len: number) => (tf * 2.2) / (tf + 1.2 * (0.25 + (0.75 * len) / 2.8));

  it('scores with k1=1.2, b=0.75 and drops zero-score docs', async () => {
    const rows = await t.rows('q', { rank_by: ['text', 'BM25', 'apple'], top_k: 10 });
    const expected = [
      { id: 5, s: idf(3) * tfPart(3, 3) },
      { id: 2, s: idf(3) * tfPart(1, 2) },
      { id: 1, s: idf(3) * tfPart(1, 3) },
    ];
    expect(rows.map((r) => r.id)).toEqual(expected.map((e) => e.id));
    rows.forEach((r, i) => expect(r.$dist as number).toBeCloseTo(expected[i]?.s as number, 9));
  });

  it('sums over query terms', async () => {
    const rows = await t.rows('q', { rank_by: ['text', 'BM25', 'red apple'], top_k: 10 });
    const red = idf(2);
    const apple = idf(3);
    const s1 = red * tfPart(1, 3) + apple * tfPart(1, 3);
    expect(rows[0]).toEqual({ id: 1, $dist: expect.closeTo(s1, 9) });
    expect(rows.map((r) => r.id).sort()).toEqual([1, 2, 3, 5]);
  });

  it('Sum, Max, Product and filters as clauses', async () => {
    const base = await t.rows('q', { rank_by: ['text', 'BM25', 'red'], top_k: 10 });
    const score = new Map(base.map((r) => [r.id, r.$dist as number]));
    const sum = await t.rows('q', {
      rank_by: [
        'Sum',
        [
          ['text', 'BM25', 'red'],
          ['cat', 'Eq', 'b'],
        ],
      ],
      top_k: 10,
    });
    expect(sum).toEqual(
      [
        { id: 3, $dist: (score.get(3) as number) + 1 },
        { id: 1, $dist: score.get(1) },
        { id: 4, $dist: 1 },
      ].sort((a, b) => (b.$dist as number) - (a.$dist as number)),
    );
    const max = await t.rows('q', {
      rank_by: [
        'Max',
        [
          ['text', 'BM25', 'red'],
          ['Product', 10, ['cat', 'Eq', 'b']],
        ],
      ],
      top_k: 10,
    });
    expect(max.map((r) => [r.id, r.$dist])).toEqual([
      [3, 10],
      [4, 10],
      [1, score.get(1)],
    ]);
    const product = await t.rows('q', { rank_by: ['Product', ['text', 'BM25', 'red'], 2], top_k: 1 });
    expect(product[0]?.$dist).toBeCloseTo(2 * Math.max(...score.values()), 9);
    expect((await t.error(t.query('q', { rank_by: ['Product', -1, ['text', 'BM25', 'red']] }))).status).toBe(
      400,
    );
  });

  it('last_as_prefix matches the last token as a prefix', async () => {
    const rows = await t.rows('q', { rank_by: ['text', 'BM25', 'gre', { last_as_prefix: true }], top_k: 10 });
    expect(rows).toEqual([{ id: 2, $dist: 1 }]);
  });

  it('filters restrict BM25 results; non-FTS attributes are rejected', async () => {
    const rows = await t.rows('q', {
      rank_by: ['text', 'BM25', 'apple'],
      filters: ['brand', 'Eq', 'x'],
      top_k: 10,
    });
    expect(rows.map((r) => r.id)).toEqual([1]);
    expect((await t.error(t.query('q', { rank_by: ['cat', 'BM25', 'a'] }))).message).toMatch(
      /full_text_search/,
    );
    expect((await t.error(t.query('q', { rank_by: ['text', 'BM25', ['a']] }))).message).toMatch(
      /expecting string/,
    );
  });
});

describe('attribute ordering and limits', () => {
  it('orders asc with nulls first and desc with nulls last', async () => {
    expect((await t.rows('q', { rank_by: ['price', 'asc'], top_k: 10 })).map((r) => r.id)).toEqual([
      4, 5, 2, 3, 1,
    ]);
    expect((await t.rows('q', { rank_by: ['price', 'desc'], top_k: 10 })).map((r) => r.id)).toEqual([
      1, 3, 2, 5, 4,
    ]);
  });

  it('orders by several attributes', async () => {
    const rows = await t.rows('q', {
      rank_by: [
        ['cat', 'desc'],
        ['price', 'asc'],
      ],
      top_k: 10,
      include_attributes: ['cat', 'price'],
    });
    expect(rows).toEqual([
      { id: 4, cat: 'b', price: null },
      { id: 3, cat: 'b', price: 7.5 },
      { id: 2, cat: 'a', price: 5 },
      { id: 1, cat: 'a', price: 10 },
      { id: 5, cat: null, price: 1 },
    ]);
  });

  it('pages by id with an id Gt filter', async () => {
    const page1 = await t.rows('q', { rank_by: ['id', 'asc'], top_k: 2 });
    const page2 = await t.rows('q', {
      rank_by: ['id', 'asc'],
      top_k: 2,
      filters: ['id', 'Gt', page1[1]?.id],
    });
    expect([...page1, ...page2].map((r) => r.id)).toEqual([1, 2, 3, 4]);
  });

  it('limit.per caps documents per attribute value', async () => {
    const rows = await t.rows('q', {
      rank_by: ['id', 'asc'],
      limit: { total: 10, per: { attributes: ['cat'], limit: 1 } },
    });
    expect(rows.map((r) => r.id)).toEqual([1, 3, 5]);
  });

  it('a query with neither rank_by nor aggregate_by returns documents in id order (default 10)', async () => {
    expect((await t.rows('q', {})).map((r) => r.id)).toEqual([1, 2, 3, 4, 5]);
  });

  it('validates limits and ordering keys', async () => {
    expect((await t.error(t.query('q', { rank_by: ['id', 'asc'], top_k: 10_001 }))).status).toBe(400);
    expect((await t.error(t.query('q', { rank_by: ['id', 'asc'], top_k: 1, limit: 1 }))).status).toBe(400);
    expect((await t.error(t.query('q', { rank_by: ['tags', 'asc'] }))).message).toMatch(
      /cannot order by \[\]string/,
    );
    expect((await t.error(t.query('q', { rank_by: ['nope', 'asc'] }))).message).toMatch(/unknown attribute/);
  });
});

describe('attribute selection', () => {
  it('include list (with nulls), true, false and exclude', async () => {
    expect(
      await t.rows('q', { rank_by: ['id', 'asc'], top_k: 1, include_attributes: ['cat', 'brand'] }),
    ).toEqual([{ id: 1, cat: 'a', brand: 'x' }]);
    expect(await t.rows('q', { filters: ['id', 'Eq', 4], include_attributes: ['brand'] })).toEqual([
      { id: 4, brand: null },
    ]);
    expect(await t.rows('q', { filters: ['id', 'Eq', 4], include_attributes: false })).toEqual([{ id: 4 }]);
    expect(await t.rows('q', { filters: ['id', 'Eq', 4], include_attributes: true })).toEqual([
      { id: 4, cat: 'b', text: 'blue sky and blue sea', vector: [0, 0, 1] },
    ]);
    expect(
      await t.rows('q', { filters: ['id', 'Eq', 2], exclude_attributes: ['vector', 'text', 'nope'] }),
    ).toEqual([{ id: 2, cat: 'a', brand: 'y', price: 5, tags: ['fruit'] }]);
    expect((await t.error(t.query('q', { include_attributes: ['nope'] }))).message).toMatch(
      /unknown attribute `nope`/,
    );
    expect(
      (await t.error(t.query('q', { include_attributes: ['cat'], exclude_attributes: ['x'] }))).status,
    ).toBe(400);
  });
});

describe('aggregations', () => {
  it('Count, Count attr and Sum without groups', async () => {
    const res = await t.query('q', {
      aggregate_by: { n: ['Count'], priced: ['Count', 'price'], total: ['Sum', 'price'] },
    });
    expect(res.aggregations).toEqual({ n: 5, priced: 4, total: 23.5 });
    expect(res).not.toHaveProperty('rows');
    const filtered = await t.query('q', { aggregate_by: { n: ['Count'] }, filters: ['cat', 'Eq', 'a'] });
    expect(filtered.aggregations).toEqual({ n: 2 });
  });

  it('group_by sorts groups by key (nulls first) and applies the limit', async () => {
    const res = await t.query('q', {
      aggregate_by: { n: ['Count'], total: ['Sum', 'price'] },
      group_by: ['cat', 'brand'],
    });
    expect(res.aggregation_groups).toEqual([
      { cat: null, brand: 'y', n: 1, total: 1 },
      { cat: 'a', brand: 'x', n: 1, total: 10 },
      { cat: 'a', brand: 'y', n: 1, total: 5 },
      { cat: 'b', brand: null, n: 1, total: 0 },
      { cat: 'b', brand: 'x', n: 1, total: 7.5 },
    ]);
    const limited = await t.query('q', { aggregate_by: { n: ['Count'] }, group_by: ['cat'], top_k: 2 });
    expect(limited.aggregation_groups).toEqual([
      { cat: null, n: 1 },
      { cat: 'a', n: 2 },
    ]);
  });

  it('ForEachUnique explodes array attributes', async () => {
    const res = await t.query('q', {
      aggregate_by: { n: ['Count'] },
      group_by: [{ tag: ['ForEachUnique', 'tags'] }],
    });
    expect(res.aggregation_groups).toEqual([
      { tag: null, n: 2 },
      { tag: 'car', n: 1 },
      { tag: 'fruit', n: 2 },
      { tag: 'red', n: 2 },
    ]);
  });

  it('rejects invalid aggregations', async () => {
    expect(
      (await t.error(t.query('q', { aggregate_by: { n: ['Count'] }, rank_by: ['id', 'asc'] }))).status,
    ).toBe(400);
    expect((await t.error(t.query('q', { aggregate_by: { s: ['Sum', 'cat'] } }))).message).toMatch(
      /Sum needs an int/,
    );
    expect((await t.error(t.query('q', { aggregate_by: { s: ['Avg', 'price'] } }))).status).toBe(400);
    expect((await t.error(t.query('q', { group_by: ['cat'] }))).message).toMatch(
      /group_by needs aggregate_by/,
    );
    expect(
      (await t.error(t.query('q', { aggregate_by: { n: ['Count'] }, group_by: ['tags'] }))).message,
    ).toMatch(/ForEachUnique/);
  });
});

describe('multi-query and response blocks', () => {
  it('runs up to 16 sub-queries on one snapshot', async () => {
    const res = await t.query('q', {
      queries: [
        { rank_by: ['vector', 'ANN', [0, 0, 1]], top_k: 1 },
        { rank_by: ['text', 'BM25', 'sky'], top_k: 1 },
        { aggregate_by: { n: ['Count'] } },
      ],
      consistency: { level: 'eventual' },
    });
    expect(res.results).toEqual([
      { rows: [{ id: 4, $dist: 0 }] },
      { rows: [{ id: 4, $dist: expect.any(Number) }] },
      { aggregations: { n: 5 } },
    ]);
    expect(res).toHaveProperty('billing.billable_logical_bytes_queried');
    expect((await t.error(t.query('q', { queries: Array.from({ length: 17 }, () => ({})) }))).status).toBe(
      400,
    );
    expect((await t.error(t.query('q', { queries: [{ consistency: { level: 'strong' } }] }))).status).toBe(
      400,
    );
    expect((await t.error(t.query('q', { queries: [{}], top_k: 1 }))).status).toBe(400);
    expect((await t.error(t.query('q', { queries: [{}], rerank_by: ['RRF'] }))).code).toBe('HEV_UNSUPPORTED');
  });

  it('reports billing and honest performance', async () => {
    const res = await t.query('q', {
      rank_by: ['vector', 'ANN', [1, 0, 0]],
      top_k: 2,
      consistency: { level: 'strong' },
    });
    expect(res.performance).toMatchObject({
      cache_hit_ratio: 1,
      cache_temperature: 'hot',
      exhaustive_search_count: 5,
      approx_namespace_size: 5,
    });
    expect((res.billing as Record<string, number>).billable_logical_bytes_returned).toBeGreaterThan(0);
  });

  it('refuses unsupported query features with a 400 naming them', async () => {
    for (const [body, name] of [
      [{ compute_attributes: {} }, 'compute_attributes'],
      [{ highlight: {} }, 'Highlight'],
      [{ rerank_by: ['RRF'] }, 'rerank_by'],
      [
        {
          rank_by: [
            'Sum',
            [
              ['text', 'BM25', 'red'],
              ['vector', 'ANN', [1, 0, 0]],
            ],
          ],
        },
        'combining ANN/kNN',
      ],
    ] as const) {
      const err = await t.error(t.query('q', body));
      expect(err.code).toBe('HEV_UNSUPPORTED');
      expect(err.message).toContain(name);
    }
    expect((await t.error(t.query('q', { bogus: 1 }))).message).toMatch(/unknown field `bogus`/);
    expect((await t.error(t.query('q', { consistency: { level: 'weak' } }))).status).toBe(400);
    expect((await t.error(t.query('q', { vector_encoding: 'hex' }))).status).toBe(400);
  });
});
