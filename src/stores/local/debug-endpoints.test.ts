import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Payload } from '../../wire/payload.ts';
import { storeMethods, type StoreMethods } from '../port.ts';
import { DEFAULT_LIMITS, type EngineContext } from './engine-context.ts';
import { NamespaceCache } from './namespace-cache.ts';
import { executeRecall, type AnnSearch } from './recall.ts';
import { Storage } from './storage.ts';
import { openTestStore, type TestStore } from './testing.ts';

let t: TestStore;
let m: StoreMethods;

/** 10 unit vectors 0.3 rad apart; even ids are category "a". */
const DOCS = Array.from({ length: 10 }, (_, i) => ({
  id: i + 1,
  vector: [Math.cos(0.3 * i), Math.sin(0.3 * i)],
  cat: (i + 1) % 2 === 0 ? 'a' : 'b',
  title: i < 3 ? 'red fox' : 'blue sea',
}));

beforeAll(async () => {
  t = await openTestStore();
  m = storeMethods(t.store.dispatch);
  await t.write('d', {
    upsert_rows: DOCS,
    distance_metric: 'cosine_distance',
    schema: { title: { type: 'string', full_text_search: true } },
  });
  await t.write('two-vectors', {
    upsert_rows: [{ id: 1, a: [1, 0], b: [0, 1] }],
    distance_metric: 'euclidean_squared',
    schema: { a: { type: '[2]f32', ann: true }, b: { type: '[2]f32', ann: true } },
  });
});
afterAll(async () => t.close());

const P = (v: unknown) => Payload.fromValue(v);
const explain = async (body: unknown) =>
  (await m.explainQuery('d', P(body))).value() as { plan_text: string };
const recall = async (body: unknown, ns = 'd') =>
  (await m.recall(ns, P(body))).value() as Record<string, unknown>;

describe('explain_query', () => {
  it('describes the exhaustive vector scan, its filter, limit, projection and the counts of the run', async () => {
    const { plan_text } = await explain({
      rank_by: ['vector', 'ANN', [1, 0]],
      top_k: 3,
      filters: ['cat', 'Eq', 'a'],
      include_attributes: ['cat'],
    });
    expect(plan_text.split('\n')).toEqual([
      'local engine plan for namespace "d": 10 documents in memory, read at the latest committed write',
      'query:',
      '  exhaustive vector scan of "vector" (2 dims, cosine_distance) over the documents matching filter ["cat","Eq","a"] (evaluated on each document); ANN is exact here: the engine has no approximate index',
      '  order by $dist asc, ties by id asc',
      '  keep the first 3 rows',
      '  return id and ["cat"]',
      '  returned: 3 rows',
      'executed: 5 documents examined in total',
    ]);
  });

  it('names BM25 over the full-text index inside a score expression, and each sub-query of a multi-query', async () => {
    const { plan_text } = await explain({
      queries: [
        {
          rank_by: [
            'Sum',
            [
              ['title', 'BM25', 'fox'],
              ['cat', 'Eq', 'a'],
            ],
          ],
          top_k: 5,
        },
        { aggregate_by: { n: ['Count'] }, group_by: ['cat'] },
      ],
    });
    const lines = plan_text.split('\n');
    expect(lines).toContain('query 1 of 2:');
    expect(lines).toContain(
      '  score all 10 documents by Sum(BM25(title, "fox") via the full-text index of "title", filter ["cat","Eq","a"] (1 when matching))',
    );
    // fox: ids 1-3; cat a: even ids — the union of non-zero scores is 1, 2, 3, 4, 6, 8, 10, cut to 5.
    expect(lines[6]).toBe('  returned: 5 rows');
    expect(lines).toContain('  aggregate n = ["Count"] in one pass over all 10 documents');
    expect(lines).toContain('  returned: 2 groups');
  });

  it('rejects a query exactly as /query does', async () => {
    const bad = { rank_by: ['vector', 'ANN', [1, 0, 0]], top_k: 1 };
    const asQuery = await t.error(m.query('d', P(bad)));
    const asExplain = await t.error(m.explainQuery('d', P(bad)));
    expect([asExplain.status, asExplain.code, asExplain.message]).toEqual([
      asQuery.status,
      asQuery.code,
      asQuery.message,
    ]);
    expect(asExplain.status).toBe(400);
    expect((await t.error(m.explainQuery('missing', P({})))).status).toBe(404);
  });
});

describe('_debug/recall', () => {
  it('measures sampled queries: recall 1 and both counts min(top_k, documents)', async () => {
    expect(await recall({ num: 7, top_k: 4 })).toEqual({
      avg_recall: 1,
      avg_exhaustive_count: 4,
      avg_ann_count: 4,
    });
    expect(await recall({ top_k: 50 })).toEqual({
      avg_recall: 1,
      avg_exhaustive_count: 10,
      avg_ann_count: 10,
    });
  });

  it('applies filters to both searches: the counts are the matching documents', async () => {
    expect(await recall({ num: 3, top_k: 10, filters: ['cat', 'Eq', 'a'] })).toEqual({
      avg_recall: 1,
      avg_exhaustive_count: 5,
      avg_ann_count: 5,
    });
    // Nothing matches: nothing to find, nothing missed.
    expect(await recall({ num: 2, filters: ['cat', 'Eq', 'zzz'] })).toEqual({
      avg_recall: 1,
      avg_exhaustive_count: 0,
      avg_ann_count: 0,
    });
  });

  it('with rank_by runs that one query; the ground truth lists the nearest documents by distance', async () => {
    const res = await recall({ rank_by: ['vector', 'ANN', [1, 0]], top_k: 3, include_ground_truth: true });
    const [truth] = res.ground_truth as {
      query_vector: number[];
      nearest_neighbors: Record<string, unknown>[];
    }[];
    expect(truth?.query_vector).toEqual([1, 0]);
    expect(truth?.nearest_neighbors.map((r) => r.id)).toEqual([1, 2, 3]);
    expect(truth?.nearest_neighbors[1]?.$dist).toBeCloseTo(1 - Math.cos(0.3), 6);
    const vector = truth?.nearest_neighbors[1]?.vector as number[];
    expect(vector.map((v) => Math.fround(v))).toEqual([
      Math.fround(Math.cos(0.3)),
      Math.fround(Math.sin(0.3)),
    ]);
    expect(res.avg_recall).toBe(1);
  });

  it('computes recall from the search it measures: a search that misses neighbours scores below 1', async () => {
    const storage = Storage.open(t.dir, { role: 'reader', synchronous: 'normal' });
    try {
      const ctx: EngineContext = {
        storage,
        namespaces: new NamespaceCache(storage, 2),
        clock: Date.now,
        limits: DEFAULT_LIMITS,
      };
      // Returns only the first of the 4 nearest (id 1 is [1, 0]) for every query.
      const lossy: AnnSearch = () => [{ id: 1 }];
      const res = storage.snapshot(() => {
        ctx.namespaces.sync('d');
        return executeRecall(ctx, 'd', { rank_by: ['vector', 'ANN', [1, 0]], top_k: 4 }, lossy);
      });
      expect(res).toEqual({ avg_recall: 0.25, avg_exhaustive_count: 4, avg_ann_count: 1 });
    } finally {
      storage.close();
    }
  });

  it.each([
    ['a body that is not an object', [1], /recall body must be a JSON object/],
    ['num 0', { num: 0 }, /num must be an integer between 1 and 1000/],
    ['num as a string', { num: '5' }, /num must be an integer/],
    ['fractional top_k', { top_k: 1.5 }, /top_k must be an integer between 1 and 10000/],
    [
      'include_ground_truth not a boolean',
      { include_ground_truth: 'yes' },
      /include_ground_truth must be a boolean/,
    ],
    ['an unknown field', { nums: 5 }, /unknown field `nums` in recall request/],
    [
      'num 5 with rank_by',
      { num: 5, rank_by: ['vector', 'ANN', [1, 0]] },
      /num must be null or 1 when rank_by/,
    ],
    ['rank_by on a non-vector attribute', { rank_by: ['cat', 'ANN', [1, 0]] }, /not a vector attribute/],
    ['a query vector of the wrong size', { queries: [[1, 0, 0]] }, /vector/],
    ['a malformed filter', { filters: ['cat', 'Near', 'a'] }, /filter/],
  ])('%s is a 400 naming the problem', async (_name, body, message) => {
    const err = await t.error(m.recall('d', P(body)));
    expect(err.status).toBe(400);
    expect(err.message).toMatch(message);
  });

  it('names BM25 recall as unsupported, and asks which vector attribute when there are several', async () => {
    const bm25 = await t.error(m.recall('d', P({ rank_by: ['title', 'BM25', 'fox'] })));
    expect([bm25.status, bm25.code]).toEqual([400, 'HEV_UNSUPPORTED']);
    expect(bm25.message).toMatch(/recall is measured for vector search/);
    const several = await t.error(m.recall('two-vectors', P({})));
    expect(several.message).toMatch(/several vector attributes \(a, b\); name one in rank_by/);
    expect(await recall({ rank_by: ['b', 'ANN', [0, 1]], top_k: 1 }, 'two-vectors')).toEqual({
      avg_recall: 1,
      avg_exhaustive_count: 1,
      avg_ann_count: 1,
    });
  });

  it('takes explicit query vectors from queries', async () => {
    expect(
      await recall({
        queries: [
          [1, 0],
          [0, 1],
          [-1, 0],
        ],
        top_k: 2,
      }),
    ).toEqual({
      avg_recall: 1,
      avg_exhaustive_count: 2,
      avg_ann_count: 2,
    });
  });
});

describe('metadata update (pinning)', () => {
  it('answers the metadata for an empty update and for unpinning, which change nothing', async () => {
    const meta = (await m.metadata('d')).value();
    for (const body of [{}, { pinning: null }, { pinning: false }]) {
      expect((await m.updateMetadata('d', P(body))).value()).toEqual(meta);
    }
  });

  it('names pinning as a turbopuffer-cloud feature in a 400', async () => {
    for (const pinning of [true, { replicas: 2 }, {}]) {
      const err = await t.error(m.updateMetadata('d', P({ pinning })));
      expect([err.status, err.code]).toEqual([400, 'HEV_UNSUPPORTED']);
      expect(err.message).toMatch(
        /^pinning \(dedicated replicas are a turbopuffer-cloud provisioning feature/,
      );
    }
  });

  it.each([
    ['an array body', [1], /metadata update body must be a JSON object/],
    ['pinning as a string', { pinning: 'yes' }, /pinning must be true, false, null or \{"replicas": n\}/],
    ['replicas 0', { pinning: { replicas: 0 } }, /pinning.replicas must be an integer >= 1/],
    ['an unknown pinning field', { pinning: { replica: 2 } }, /unknown field `replica` in pinning/],
    ['an unknown field', { pinned: true }, /unknown field `pinned` in metadata update/],
  ])('%s is a 400 naming the problem', async (_name, body, message) => {
    const err = await t.error(m.updateMetadata('d', P(body)));
    expect([err.status, err.code]).toEqual([400, 'HEV_INVALID_REQUEST']);
    expect(err.message).toMatch(message);
  });

  it('is a 404 for a namespace that does not exist', async () => {
    expect((await t.error(m.updateMetadata('missing', P({})))).status).toBe(404);
  });
});
