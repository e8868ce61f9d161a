/**
 * Merge tests against an oracle: a tiny reference evaluator (written independently of the merge
 * code) answers each query over ALL documents, and over each shard's documents with the shard
 * request produced by planQuery. The merged shard answers must equal the all-documents answer.
 */
import { describe, expect, it } from 'vitest';
import { HevError } from '../wire/errors.ts';
import { shardOf } from './hash.ts';
import { mergeQueryResponses } from './merge-query.ts';
import { planQuery } from './query-plan.ts';

interface Doc {
  id: number | bigint;
  dist: number; // what an ANN/kNN query would report (lower first)
  score: number; // what a BM25 query would report (higher first)
  attrs: Record<string, unknown>;
}

const N = 4;
const CATEGORIES = ['books', 'games', 'music', null, 'toys'];
const BIG = 2n ** 60n;

// 80 documents; every sort key is unique except the deliberate nulls and repeated categories.
const DOCS: Doc[] = Array.from({ length: 80 }, (_, i) => ({
  id: i % 5 === 0 ? BIG + BigInt(i * 7919) : i * 13 + 1,
  dist: ((i * 37) % 80) / 100 + i / 100000,
  score: ((i * 53) % 80) + i / 1000,
  attrs: {
    price: i % 9 === 4 ? null : ((i * 29) % 97) + i / 1000,
    category: CATEGORIES[i % 5],
    stock: (i * 11) % 23,
    title: `item ${String.fromCharCode(97 + ((i * 7) % 26))}${i}`,
    vector: [i / 80, 1 - i / 80],
  },
}));

function cmp(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === null || a === undefined) return -1;
  if (b === null || b === undefined) return 1;
  return (a as number) < (b as number) ? -1 : 1;
}

function project(
  doc: Doc,
  q: Record<string, unknown>,
  withDist: number | undefined,
): Record<string, unknown> {
  const row: Record<string, unknown> = { id: doc.id };
  if (withDist !== undefined) row.$dist = withDist;
  const include = q.include_attributes;
  const exclude = q.exclude_attributes as string[] | undefined;
  for (const [k, v] of Object.entries(doc.attrs)) {
    const wanted =
      include === true ||
      (Array.isArray(include) && include.includes(k)) ||
      (exclude !== undefined && !exclude.includes(k));
    if (wanted) row[k] = v;
  }
  return row;
}

/** The reference evaluator: what a namespace holding `docs` answers to `q`. */
function evaluate(docs: readonly Doc[], q: Record<string, unknown>): Record<string, unknown> {
  const billing = { billable_logical_bytes_queried: docs.length * 10, billable_logical_bytes_returned: 1 };
  const performance = {
    server_total_ms: docs.length,
    approx_namespace_size: docs.length,
    cache_temperature: 'hot',
  };
  const limit = q.limit as
    { total: number; per?: { attributes: string[]; limit: number } } | number | undefined;
  const fallback = q.group_by === undefined ? 10 : 10_000;
  const total =
    (q.top_k as number | undefined) ?? (typeof limit === 'number' ? limit : (limit?.total ?? fallback));
  const matching = docs.filter((d) => {
    const f = q.filters as [string, string, unknown] | undefined;
    return f === undefined || (f[1] === 'Eq' ? d.attrs[f[0]] === f[2] : cmp(d.attrs[f[0]], f[2]) > 0);
  });
  const agg = q.aggregate_by as Record<string, [string, string?]> | undefined;
  const aggregate = (ds: readonly Doc[]) =>
    Object.fromEntries(
      Object.entries(agg ?? {}).map(([label, [fn, attr]]) => [
        label,
        fn === 'Count' && attr === undefined
          ? ds.length
          : fn === 'Count'
            ? ds.filter((d) => d.attrs[attr as string] !== null).length
            : ds.reduce((s, d) => s + ((d.attrs[attr as string] as number | null) ?? 0), 0),
      ]),
    );
  if (agg !== undefined && q.group_by === undefined)
    return { aggregations: aggregate(matching), billing, performance };
  if (agg !== undefined) {
    const key = (q.group_by as string[])[0] as string;
    const values = [...new Set(matching.map((d) => d.attrs[key]))].sort(cmp).slice(0, total);
    const groups = values.map((v) => ({
      [key]: v,
      ...aggregate(matching.filter((d) => d.attrs[key] === v)),
    }));
    return { aggregation_groups: groups, billing, performance };
  }
  const rankBy = q.rank_by as unknown[];
  let sorted: { doc: Doc; dist: number | undefined }[];
  if (rankBy[1] === 'ANN' || rankBy[1] === 'kNN') {
    sorted = matching.map((doc) => ({ doc, dist: doc.dist })).sort((a, b) => a.dist - b.dist);
  } else if (rankBy[1] === 'BM25') {
    sorted = matching.map((doc) => ({ doc, dist: doc.score })).sort((a, b) => b.dist - a.dist);
  } else {
    const keys = (Array.isArray(rankBy[0]) ? rankBy : [rankBy]) as [string, 'asc' | 'desc'][];
    const value = (d: Doc, attr: string) => (attr === 'id' ? d.id : d.attrs[attr]);
    sorted = matching
      .map((doc) => ({ doc, dist: undefined }))
      .sort((a, b) => {
        for (const [attr, dir] of keys) {
          const c = cmp(value(a.doc, attr), value(b.doc, attr));
          if (c !== 0) return dir === 'asc' ? c : -c;
        }
        return cmp(a.doc.id, b.doc.id);
      });
  }
  const per = typeof limit === 'object' ? limit.per : undefined;
  const seen = new Map<string, number>();
  const kept = sorted.filter(({ doc }) => {
    if (per === undefined) return true;
    const k = JSON.stringify(per.attributes.map((a) => doc.attrs[a] ?? null));
    seen.set(k, (seen.get(k) ?? 0) + 1);
    return (seen.get(k) ?? 0) <= per.limit;
  });
  const rows = kept.slice(0, total).map(({ doc, dist }) => project(doc, q, dist));
  return { rows, billing, performance };
}

const SHARD_DOCS = Array.from({ length: N }, (_, s) => DOCS.filter((d) => shardOf(d.id, N) === s));

function viaShards(query: Record<string, unknown>): Record<string, unknown> {
  const { shardRequest, plan } = planQuery(query);
  const shardQueries = shardRequest.queries as Record<string, unknown>[] | undefined;
  const responses = SHARD_DOCS.map((docs) => {
    if (shardQueries === undefined) return evaluate(docs, shardRequest);
    const results = shardQueries.map((sq) => {
      const { billing: _b, performance: _p, ...result } = evaluate(docs, sq);
      return result;
    });
    return { results, billing: { billable_logical_bytes_queried: 1 }, performance: { server_total_ms: 1 } };
  });
  return mergeQueryResponses(plan, responses);
}

function withoutBlocks(body: Record<string, unknown>): Record<string, unknown> {
  const { billing: _b, performance: _p, ...rest } = body;
  return rest;
}

const QUERIES: [string, Record<string, unknown>][] = [
  ['ANN', { rank_by: ['vector', 'ANN', [0.1, 0.9]], top_k: 10 }],
  [
    'kNN with filter',
    { rank_by: ['vector', 'kNN', [0.1, 0.9]], limit: 7, filters: ['category', 'Eq', 'books'] },
  ],
  ['ANN with attributes', { rank_by: ['vector', 'ANN', [1, 0]], top_k: 5, include_attributes: ['title'] }],
  ['BM25', { rank_by: ['title', 'BM25', 'item'], limit: 12 }],
  ['attribute asc, nulls first', { rank_by: ['price', 'asc'], limit: 15 }],
  ['attribute desc, nulls last', { rank_by: ['price', 'desc'], limit: 80 }],
  [
    'attribute order with include list',
    { rank_by: ['price', 'asc'], limit: 10, include_attributes: ['stock'] },
  ],
  ['attribute order with include true', { rank_by: ['stock', 'desc'], limit: 10, include_attributes: true }],
  [
    'attribute order with exclude',
    { rank_by: ['price', 'desc'], limit: 10, exclude_attributes: ['price', 'vector'] },
  ],
  [
    'multi-attribute',
    {
      rank_by: [
        ['category', 'asc'],
        ['price', 'desc'],
      ],
      limit: 30,
    },
  ],
  [
    'multi-attribute desc/asc',
    {
      rank_by: [
        ['stock', 'desc'],
        ['title', 'asc'],
      ],
      limit: 30,
    },
  ],
  ['id asc (big ids exact)', { rank_by: ['id', 'asc'], limit: 25 }],
  ['id desc', { rank_by: ['id', 'desc'], limit: 25 }],
  ['id paging', { rank_by: ['id', 'asc'], limit: 10, filters: ['id', 'Gt', 400] }],
  ['filtered attribute order', { rank_by: ['stock', 'asc'], limit: 10, filters: ['price', 'Gt', 50] }],
  [
    'limit.per on ANN',
    { rank_by: ['vector', 'ANN', [0, 1]], limit: { total: 9, per: { attributes: ['category'], limit: 1 } } },
  ],
  [
    'limit.per on attribute order',
    { rank_by: ['price', 'desc'], limit: { total: 12, per: { attributes: ['category'], limit: 3 } } },
  ],
  [
    'limit.per larger than any group',
    { rank_by: ['title', 'BM25', 'x'], limit: { total: 50, per: { attributes: ['stock'], limit: 2 } } },
  ],
  ['default limit', { rank_by: ['price', 'asc'] }],
  ['Count', { aggregate_by: { n: ['Count'] } }],
  ['Count filtered', { aggregate_by: { n: ['Count'] }, filters: ['category', 'Eq', 'music'] }],
  ['Sum and Count attr', { aggregate_by: { total: ['Sum', 'stock'], priced: ['Count', 'price'] } }],
  ['group_by Count', { aggregate_by: { n: ['Count'] }, group_by: ['category'], top_k: 10 }],
  [
    'group_by capped',
    { aggregate_by: { n: ['Count'], s: ['Sum', 'stock'] }, group_by: ['category'], limit: 3 },
  ],
  ['group_by many groups capped', { aggregate_by: { n: ['Count'] }, group_by: ['stock'], top_k: 7 }],
  ['group_by without a limit', { aggregate_by: { n: ['Count'] }, group_by: ['stock'] }],
];

describe('mergeQueryResponses equals one namespace holding every document', () => {
  it('the data really is spread over every shard', () => {
    for (const docs of SHARD_DOCS) expect(docs.length).toBeGreaterThan(8);
  });

  it.each(QUERIES)('%s', (_name, query) => {
    const expected = evaluate(DOCS, query);
    expect(withoutBlocks(viaShards(query))).toEqual(withoutBlocks(expected));
  });

  it('merges a multi-query sub-query by sub-query', () => {
    const queries = QUERIES.slice(0, 16).map(([, q]) => q);
    const merged = viaShards({ queries, consistency: { level: 'strong' } });
    expect(merged.results).toEqual(queries.map((q) => withoutBlocks(evaluate(DOCS, q))));
    expect(merged.billing).toEqual({ billable_logical_bytes_queried: 4 });
  });

  it('sums billing and combines performance', () => {
    const merged = viaShards({ rank_by: ['vector', 'ANN', [0, 1]], top_k: 3 });
    expect(merged.billing).toEqual({
      billable_logical_bytes_queried: 800,
      billable_logical_bytes_returned: 4,
    });
    expect(merged.performance).toEqual({
      server_total_ms: Math.max(...SHARD_DOCS.map((d) => d.length)),
      approx_namespace_size: 80,
      cache_temperature: 'hot',
    });
  });
});

describe('planQuery', () => {
  it('asks every shard for the full limit and only adds what the merge needs', () => {
    const query = {
      rank_by: ['price', 'asc'],
      limit: { total: 5, per: { attributes: ['category'], limit: 1 } },
    };
    const { shardRequest, plan } = planQuery(query);
    expect(shardRequest).toEqual({ ...query, include_attributes: ['price', 'category'] });
    expect(plan.queries[0]).toMatchObject({ kind: 'rows', total: 5, strip: ['price', 'category'] });
    expect(query).not.toHaveProperty('include_attributes'); // the caller's body is untouched
  });

  it('does not add id, and leaves vector queries without extra attributes', () => {
    expect(planQuery({ rank_by: ['id', 'asc'], limit: 3 }).shardRequest).toEqual({
      rank_by: ['id', 'asc'],
      limit: 3,
    });
    expect(planQuery({ rank_by: ['v', 'ANN', [1]], top_k: 3 }).shardRequest).toEqual({
      rank_by: ['v', 'ANN', [1]],
      top_k: 3,
    });
  });

  it('replaces include_attributes: false when the merge needs an attribute', () => {
    const { shardRequest } = planQuery({ rank_by: ['a', 'desc'], include_attributes: false });
    expect(shardRequest.include_attributes).toEqual(['a']);
  });

  it.each([
    ['an unmergeable aggregate', { aggregate_by: { m: ['Avg', 'x'] } }, /aggregate function "Avg"/],
    ['rerank_by', { queries: [{ rank_by: ['id', 'asc'] }], rerank_by: ['RRF'] }, /rerank_by/],
    ['a non-object', 'x', /must be a JSON object/],
    ['queries not an array', { queries: 5 }, /queries must be an array/],
  ])('rejects %s with a 400', (_name, body, text) => {
    let caught: unknown;
    try {
      planQuery(body);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(HevError);
    expect((caught as HevError).status).toBe(400);
    expect((caught as HevError).message).toMatch(text);
  });
});
