/**
 * Vector search (reference §3.3, §5.1, §5.2): ANN and kNN order and `$dist` against brute force for
 * both metrics, filters, vector encodings, and the rules on metric and dimensions.
 */
import { beforeAll, describe, expect } from 'vitest';
import type { DistanceMetric, Filter } from '@turbopuffer/turbopuffer';
import { allRows, expectBadRequest, type Harness } from '../harness.ts';
import { NS, metricOf, type ConformanceNamespace } from '../namespaces.ts';
import { bruteForce, decodeF32, encodeF32, randomVectors } from '../expected.ts';

const DIMS = 6;
const VECTORS = new Map(randomVectors(40, DIMS, 7).map((vec, i) => [i + 1, vec] as const));
const [QUERY_A = [], QUERY_B = []] = randomVectors(2, DIMS, 99);
const grp = (id: number): number => id % 3;

function subset(pick: (id: number) => boolean): Map<number, readonly number[]> {
  return new Map([...VECTORS].filter(([id]) => pick(id)));
}

export function defineVectorCases(h: Harness): void {
  const fixtures: ReadonlyArray<readonly [ConformanceNamespace, DistanceMetric]> = [
    [NS.vecCosine, metricOf(NS.vecCosine)],
    [NS.vecEuclid, metricOf(NS.vecEuclid)],
  ];

  async function expectRanked(
    ns: ConformanceNamespace,
    kind: 'ANN' | 'kNN',
    query: number[],
    k: number,
    filter?: { filters: Filter; pick: (id: number) => boolean },
  ): Promise<void> {
    const metric = metricOf(ns);
    const expected = bruteForce(metric, filter === undefined ? VECTORS : subset(filter.pick), query, k);
    const res = await h.ns(ns).query({
      rank_by: kind === 'ANN' ? ['vector', 'ANN', query] : ['vector', 'kNN', query],
      top_k: k,
      ...(filter === undefined ? {} : { filters: filter.filters }),
    });
    const rows = res.rows ?? [];
    expect(rows.map((r) => r.id)).toEqual(expected.map((e) => e.id));
    rows.forEach((row, i) => expect(row.$dist).toBeCloseTo(expected[i]?.dist ?? NaN, 4));
  }

  describe('vector queries', () => {
    beforeAll(async () => {
      for (const [name, metric] of fixtures) {
        await h.ns(name).write({
          distance_metric: metric,
          upsert_rows: [...VECTORS].map(([id, vector]) => ({ id, vector, grp: grp(id), label: `v${id}` })),
        });
      }
    });

    for (const [name, metric] of fixtures) {
      h.it(`ANN (${metric}) returns the brute-force top 10 with their $dist`, async () => {
        await expectRanked(name, 'ANN', QUERY_A, 10);
        await expectRanked(name, 'ANN', QUERY_B, 10);
      });

      h.it(`ANN (${metric}) of a stored vector returns that document first at distance 0`, async () => {
        const res = await h.ns(name).query({ rank_by: ['vector', 'ANN', VECTORS.get(17) ?? []], top_k: 1 });
        expect(res.rows?.map((r) => r.id)).toEqual([17]);
        expect(res.rows?.[0]?.$dist).toBeCloseTo(0, 5);
      });
    }

    h.it('ANN with filters ranks only the matching documents', async () => {
      await expectRanked(NS.vecCosine, 'ANN', QUERY_A, 5, {
        filters: ['grp', 'Eq', 1],
        pick: (id) => grp(id) === 1,
      });
    });

    h.it('kNN with filters is exact (euclidean_squared)', async () => {
      await expectRanked(NS.vecEuclid, 'kNN', QUERY_B, 8, {
        filters: ['grp', 'In', [0, 2]],
        pick: (id) => grp(id) !== 1,
      });
    });

    h.it('kNN with filters is exact (cosine_distance)', async () => {
      await expectRanked(NS.vecCosine, 'kNN', QUERY_A, 4, {
        filters: ['id', 'Lte', 20],
        pick: (id) => id <= 20,
      });
    });

    h.it('kNN without filters is a 400', async () => {
      await expectBadRequest(h.ns(NS.vecEuclid).query({ rank_by: ['vector', 'kNN', QUERY_A], top_k: 3 }));
    });

    h.it('a query vector with the wrong number of dimensions is a 400', async () => {
      await expectBadRequest(h.ns(NS.vecCosine).query({ rank_by: ['vector', 'ANN', [1, 0, 0]], top_k: 3 }));
    });

    h.it('ANN rows carry only id and $dist unless attributes are requested', async () => {
      const res = await h.ns(NS.vecCosine).query({ rank_by: ['vector', 'ANN', QUERY_A], top_k: 3 });
      for (const row of res.rows ?? []) expect(Object.keys(row).sort()).toEqual(['$dist', 'id']);
    });

    h.it('top_k bounds ANN results to the nearest ones', async () => {
      await expectRanked(NS.vecEuclid, 'ANN', QUERY_A, 3);
    });

    h.it('include_attributes ["vector"] returns the stored vectors exactly', async () => {
      const res = await h.ns(NS.vecEuclid).query({
        rank_by: ['id', 'asc'],
        limit: 5,
        include_attributes: ['vector'],
      });
      expect(res.rows?.map((r) => [r.id, r.vector, r['label']])).toEqual(
        [1, 2, 3, 4, 5].map((id) => [id, VECTORS.get(id), undefined]),
      );
    });

    h.it('vector_encoding base64 returns little-endian float32 vectors', async () => {
      const res = await h.ns(NS.vecCosine).query({
        rank_by: ['vector', 'ANN', QUERY_B],
        top_k: 3,
        include_attributes: ['vector'],
        vector_encoding: 'base64',
      });
      expect(res.rows).toHaveLength(3);
      for (const row of res.rows ?? []) {
        expect(typeof row.vector).toBe('string');
        expect(decodeF32(String(row.vector))).toEqual(VECTORS.get(Number(row.id)));
      }
    });

    h.it('vectors written as base64 are stored as the same float32 values', async () => {
      const ns = h.ns(NS.vecBase64Write);
      const vecs = randomVectors(3, 4, 5);
      await ns.write({
        distance_metric: metricOf(NS.vecBase64Write),
        upsert_rows: vecs.map((v, i) => ({ id: i + 1, vector: encodeF32(v) })),
      });
      expect((await allRows(ns)).map((r) => r['vector'])).toEqual(vecs);
      const self = await ns.query({ rank_by: ['vector', 'ANN', vecs[1] ?? []], top_k: 1 });
      expect(self.rows?.[0]?.id).toBe(2);
      expect(self.rows?.[0]?.$dist).toBeCloseTo(0, 6);
    });

    h.it('upsert_columns accepts a vector column', async () => {
      const ns = h.ns(NS.vecColumns);
      const vecs = randomVectors(4, 3, 11);
      const res = await ns.write({
        distance_metric: metricOf(NS.vecColumns),
        upsert_columns: { id: [1, 2, 3, 4], vector: vecs, name: ['a', 'b', 'c', 'd'] },
      });
      expect(res.rows_upserted).toBe(4);
      expect(await allRows(ns)).toEqual(vecs.map((vector, i) => ({ id: i + 1, vector, name: 'abcd'[i] })));
    });

    h.it('distance_metric is fixed at creation: the same one is accepted, another is a 400', async () => {
      const ns = h.ns(NS.vecMetric);
      await ns.write({ distance_metric: 'cosine_distance', upsert_rows: [{ id: 1, vector: [1, 0] }] });
      await ns.write({ distance_metric: 'cosine_distance', upsert_rows: [{ id: 2, vector: [0, 1] }] });
      const before = await allRows(ns);
      await expectBadRequest(
        ns.write({ distance_metric: 'euclidean_squared', upsert_rows: [{ id: 3, vector: [1, 1] }] }),
      );
      expect(await allRows(ns)).toEqual(before);
      expect((await ns.metadata()).schema['vector']?.ann).toMatchObject({
        distance_metric: 'cosine_distance',
      });
    });

    h.it('a vector with different dimensions than the namespace is a 400', async () => {
      const ns = h.ns(NS.vecDims);
      await ns.write({ distance_metric: metricOf(NS.vecDims), upsert_rows: [{ id: 1, vector: [1, 2, 3] }] });
      await expectBadRequest(
        ns.write({
          distance_metric: metricOf(NS.vecDims),
          upsert_rows: [
            { id: 2, vector: [1, 2, 3] },
            { id: 3, vector: [1, 2] },
          ],
        }),
      );
      expect(await allRows(ns)).toEqual([{ id: 1, vector: [1, 2, 3] }]);
    });
  });
}
