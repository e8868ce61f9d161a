/**
 * What a query returns besides its ranking: which attributes come back (`include_attributes`,
 * `exclude_attributes`), the `billing`/`performance` blocks, `consistency`, and multi-query
 * (reference §5.1, §5.5, §5.6, §5.7).
 */
import { beforeAll, describe, expect } from 'vitest';
import type {
  NamespaceMultiQueryParams,
  NamespaceQueryParams,
  QueryBilling,
  QueryPerformance,
} from '@turbopuffer/turbopuffer';
import { expectBadRequest, idsOf, type Harness } from '../harness.ts';
import { NS, metricOf } from '../namespaces.ts';
import { bruteForce, decodeF32 } from '../expected.ts';

const DOCS = [
  { id: 1, vector: [1, 0], title: 'one', n: 1, tags: ['a'] },
  { id: 2, vector: [0, 1], title: 'two', n: 2, tags: ['b'] },
  { id: 3, vector: [0.5, 0.5], title: 'three', n: 3, tags: ['a', 'b'] },
];
const MULTI = new Map<number, number[]>([1, 2, 3, 4, 5, 6].map((id) => [id, [id / 8, 1 - id / 8]]));

function expectSaneBilling(billing: QueryBilling): void {
  expect(Number.isInteger(billing.billable_logical_bytes_queried)).toBe(true);
  expect(billing.billable_logical_bytes_queried).toBeGreaterThanOrEqual(0);
  expect(Number.isInteger(billing.billable_logical_bytes_returned)).toBe(true);
  expect(billing.billable_logical_bytes_returned).toBeGreaterThanOrEqual(0);
}

function expectSanePerformance(perf: QueryPerformance, rows: number): void {
  expect(perf.cache_hit_ratio).toBeGreaterThanOrEqual(0);
  expect(perf.cache_hit_ratio).toBeLessThanOrEqual(1);
  expect(['hot', 'warm', 'cold']).toContain(perf.cache_temperature);
  for (const ms of [perf.server_total_ms, perf.query_execution_ms]) {
    expect(typeof ms).toBe('number');
    expect(ms).toBeGreaterThanOrEqual(0);
  }
  expect(perf.server_total_ms).toBeGreaterThanOrEqual(perf.query_execution_ms);
  expect(Number.isInteger(perf.exhaustive_search_count)).toBe(true);
  expect(perf.exhaustive_search_count).toBeGreaterThanOrEqual(0);
  expect(perf.approx_namespace_size).toBe(rows);
}

export function defineQueryShapeCases(h: Harness): void {
  const attrs = () => h.ns(NS.attrs);
  const byId: NamespaceQueryParams = { rank_by: ['id', 'asc'], limit: 10 };

  describe('query response shape', () => {
    beforeAll(async () => {
      await attrs().write({ distance_metric: metricOf(NS.attrs), upsert_rows: DOCS });
      await h.ns(NS.multi).write({
        distance_metric: metricOf(NS.multi),
        upsert_rows: [...MULTI].map(([id, vector]) => ({ id, vector, even: id % 2 === 0 })),
      });
    });

    h.it('without include_attributes rows carry only the id', async () => {
      expect((await attrs().query(byId)).rows).toEqual([{ id: 1 }, { id: 2 }, { id: 3 }]);
    });

    h.it('include_attributes as a list returns exactly those attributes', async () => {
      const res = await attrs().query({ ...byId, include_attributes: ['title', 'tags'] });
      expect(res.rows).toEqual(DOCS.map(({ id, title, tags }) => ({ id, title, tags })));
    });

    h.it('include_attributes true returns every attribute, vector included', async () => {
      expect((await attrs().query({ ...byId, include_attributes: true })).rows).toEqual(DOCS);
    });

    h.it('include_attributes false is the same as leaving it out', async () => {
      expect((await attrs().query({ ...byId, include_attributes: false })).rows).toEqual([
        { id: 1 },
        { id: 2 },
        { id: 3 },
      ]);
    });

    h.it('an unknown attribute in include_attributes is a 400', async () => {
      await expectBadRequest(attrs().query({ ...byId, include_attributes: ['title', 'no_such_attr'] }));
    });

    h.it('exclude_attributes returns everything else and ignores unknown names', async () => {
      const res = await attrs().query({ ...byId, exclude_attributes: ['vector', 'tags', 'no_such_attr'] });
      expect(res.rows).toEqual(DOCS.map(({ id, title, n }) => ({ id, title, n })));
    });

    h.it('include_attributes together with exclude_attributes is a 400', async () => {
      await expectBadRequest(
        attrs().query({ ...byId, include_attributes: ['title'], exclude_attributes: ['n'] }),
      );
    });

    h.it('every query carries billing and performance blocks with sane values', async () => {
      const ranked = await attrs().query({ rank_by: ['vector', 'ANN', [1, 0]], top_k: 2 });
      expectSaneBilling(ranked.billing);
      expectSanePerformance(ranked.performance, 3);
      const agg = await attrs().query({ aggregate_by: { n: ['Count'] } });
      expectSaneBilling(agg.billing);
      expectSanePerformance(agg.performance, 3);
    });

    h.it('consistency strong and eventual are both accepted and see acknowledged writes', async () => {
      for (const level of ['strong', 'eventual'] as const) {
        const res = await attrs().query({ ...byId, consistency: { level } });
        expect(idsOf(res.rows)).toEqual([1, 2, 3]);
      }
    });

    h.it('multi-query returns one result per sub-query, in order', async () => {
      const query = [0.1, 0.9];
      const expected = bruteForce(metricOf(NS.multi), MULTI, query, 3);
      const res = await h.ns(NS.multi).multiQuery({
        queries: [
          { rank_by: ['vector', 'ANN', query], top_k: 3 },
          { rank_by: ['id', 'desc'], limit: 2, include_attributes: ['even'] },
          { aggregate_by: { n: ['Count'] }, filters: ['even', 'Eq', true] },
        ],
        consistency: { level: 'strong' },
      });
      expect(res.results).toHaveLength(3);
      const [ann, ordered, counted] = res.results;
      expect(idsOf(ann?.rows)).toEqual(expected.map((e) => e.id));
      ann?.rows?.forEach((row, i) => expect(row.$dist).toBeCloseTo(expected[i]?.dist ?? NaN, 4));
      expect(ordered?.rows).toEqual([
        { id: 6, even: true },
        { id: 5, even: false },
      ]);
      expect(counted?.aggregations).toEqual({ n: 3 });
      expectSaneBilling(res.billing);
      expectSanePerformance(res.performance, 6);
    });

    h.it('multi-query applies the root vector_encoding and consistency to every sub-query', async () => {
      const res = await h.ns(NS.multi).multiQuery({
        queries: [
          { rank_by: ['id', 'asc'], limit: 1, include_attributes: ['vector'] },
          { rank_by: ['id', 'desc'], limit: 1, include_attributes: ['vector'] },
        ],
        vector_encoding: 'base64',
        consistency: { level: 'eventual' },
      });
      expect(decodeF32(String(res.results[0]?.rows?.[0]?.vector))).toEqual(MULTI.get(1));
      expect(decodeF32(String(res.results[1]?.rows?.[0]?.vector))).toEqual(MULTI.get(6));
    });

    h.it('multi-query accepts 16 sub-queries and rejects 17 with a 400', async () => {
      const sub = (i: number): NamespaceMultiQueryParams.Query => ({
        rank_by: ['id', 'asc'],
        limit: 1,
        filters: ['id', 'Gte', (i % 6) + 1],
      });
      const ok = await h.ns(NS.multi).multiQuery({ queries: Array.from({ length: 16 }, (_, i) => sub(i)) });
      expect(ok.results.map((r) => idsOf(r.rows))).toEqual(
        Array.from({ length: 16 }, (_, i) => [(i % 6) + 1]),
      );
      await expectBadRequest(
        h.ns(NS.multi).multiQuery({ queries: Array.from({ length: 17 }, (_, i) => sub(i)) }),
      );
    });
  });
}
