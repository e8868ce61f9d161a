/**
 * `aggregate_by` with and without `group_by` (reference §5.4, §5.5). Expected values are computed by
 * hand from SALES; groups come back sorted by their key.
 */
import { beforeAll, describe, expect } from 'vitest';
import { expectBadRequest, type Harness } from '../harness.ts';
import { NS } from '../namespaces.ts';

// prettier-ignore
const SALES = [
  { id: 1, cat: 'a', brand: 'x', price: 10, qty: 1, weight: 0.5, tags: ['new', 'sale'] },
  { id: 2, cat: 'a', brand: 'y', price: 20, weight: 1.5, tags: ['sale'] },
  { id: 3, cat: 'b', brand: 'x', price: 5, qty: 2, weight: 2.25, tags: ['new'] },
  { id: 4, cat: 'b', brand: 'x', price: 7, qty: 3, weight: 0.25, tags: ['sale'] },
  { id: 5, cat: 'c', brand: 'y', price: 100, weight: 1.125, tags: ['new', 'sale'] },
  { id: 6, cat: 'a', brand: 'x', price: 3, qty: 4, weight: 0.75, tags: ['old'] },
  { id: 7, cat: 'c', brand: 'x', price: 1, qty: 5, weight: 0.5, tags: ['sale'] },
];

export function defineAggregationCases(h: Harness): void {
  const ns = () => h.ns(NS.agg);

  describe('aggregations', () => {
    beforeAll(async () => {
      await ns().write({ schema: { weight: 'float' }, upsert_rows: SALES });
    });

    h.it('Count counts every document; the response has aggregations and no rows', async () => {
      const res = await ns().query({ aggregate_by: { n: ['Count'] } });
      expect(res.aggregations).toEqual({ n: 7 });
      expect(res.rows).toBeUndefined();
      expect(res.aggregation_groups).toBeUndefined();
    });

    h.it('Count honours filters', async () => {
      const res = await ns().query({ aggregate_by: { n: ['Count'] }, filters: ['brand', 'Eq', 'x'] });
      expect(res.aggregations).toEqual({ n: 5 });
    });

    h.it('Count of an attribute counts its non-null values', async () => {
      const res = await ns().query({ aggregate_by: { with_qty: ['Count', 'qty'] } });
      expect(res.aggregations).toEqual({ with_qty: 5 });
    });

    h.it('Sum adds an int attribute', async () => {
      const res = await ns().query({ aggregate_by: { total: ['Sum', 'price'] } });
      expect(res.aggregations).toEqual({ total: 146 });
    });

    h.it('Sum adds a float attribute', async () => {
      const res = await ns().query({ aggregate_by: { w: ['Sum', 'weight'] } });
      expect(res.aggregations?.['w']).toBeCloseTo(6.875, 9);
    });

    h.it('Sum honours filters and skips nulls', async () => {
      const res = await ns().query({
        aggregate_by: { q: ['Sum', 'qty'] },
        filters: ['cat', 'In', ['a', 'b']],
      });
      expect(res.aggregations).toEqual({ q: 10 });
    });

    h.it('group_by one attribute with Count returns groups sorted by key', async () => {
      const res = await ns().query({ aggregate_by: { n: ['Count'] }, group_by: ['cat'] });
      expect(res.aggregation_groups).toEqual([
        { cat: 'a', n: 3 },
        { cat: 'b', n: 2 },
        { cat: 'c', n: 2 },
      ]);
      expect(res.aggregations).toBeUndefined();
      expect(res.rows).toBeUndefined();
    });

    h.it('group_by with Sum', async () => {
      const res = await ns().query({ aggregate_by: { total: ['Sum', 'price'] }, group_by: ['cat'] });
      expect(res.aggregation_groups).toEqual([
        { cat: 'a', total: 33 },
        { cat: 'b', total: 12 },
        { cat: 'c', total: 101 },
      ]);
    });

    h.it('group_by several attributes groups by the tuple', async () => {
      const res = await ns().query({ aggregate_by: { n: ['Count'] }, group_by: ['cat', 'brand'] });
      expect(res.aggregation_groups).toEqual([
        { cat: 'a', brand: 'x', n: 2 },
        { cat: 'a', brand: 'y', n: 1 },
        { cat: 'b', brand: 'x', n: 2 },
        { cat: 'c', brand: 'x', n: 1 },
        { cat: 'c', brand: 'y', n: 1 },
      ]);
    });

    h.it('group_by honours filters', async () => {
      const res = await ns().query({
        aggregate_by: { n: ['Count'] },
        group_by: ['cat'],
        filters: ['price', 'Gt', 5],
      });
      expect(res.aggregation_groups).toEqual([
        { cat: 'a', n: 2 },
        { cat: 'b', n: 1 },
        { cat: 'c', n: 1 },
      ]);
    });

    h.it('group_by returns at most limit groups, the first ones by key', async () => {
      const res = await ns().query({ aggregate_by: { n: ['Count'] }, group_by: ['cat'], top_k: 2 });
      expect(res.aggregation_groups).toEqual([
        { cat: 'a', n: 3 },
        { cat: 'b', n: 2 },
      ]);
    });

    h.it('group_by ForEachUnique makes one group per distinct array element', async () => {
      const res = await ns().query({
        aggregate_by: { n: ['Count'] },
        group_by: [{ tag: ['ForEachUnique', 'tags'] }],
      });
      expect(res.aggregation_groups).toEqual([
        { tag: 'new', n: 3 },
        { tag: 'old', n: 1 },
        { tag: 'sale', n: 5 },
      ]);
    });

    h.it('aggregate_by combined with rank_by is a 400', async () => {
      await expectBadRequest(
        ns().query({ aggregate_by: { n: ['Count'] }, rank_by: ['id', 'asc'], top_k: 5 }),
      );
    });

    h.it('Sum of a string attribute is a 400', async () => {
      await expectBadRequest(ns().query({ aggregate_by: { s: ['Sum', 'brand'] } }));
    });
  });
}
