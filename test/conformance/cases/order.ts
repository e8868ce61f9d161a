/**
 * Ordering by attributes, `["id","asc"]` paging with an `id Gt` cursor, `top_k`/`limit` (incl.
 * `limit.per`) and the 10,000 cap (reference §5.1, §5.2, §10). Expected orders are written out by
 * hand from ITEMS; nulls sort first ascending and last descending.
 */
import { beforeAll, describe, expect } from 'vitest';
import type { Filter, ID, NamespaceQueryParams } from '@turbopuffer/turbopuffer';
import { expectBadRequest, idsOf, type Harness } from '../harness.ts';
import { NS } from '../namespaces.ts';

// prettier-ignore
const ITEMS = [
  { id: 1, cat: 'a', score: 50, name: 'kiwi' },     { id: 2, cat: 'b', score: 20, name: 'apple' },
  { id: 3, cat: 'a', name: 'mango' },                { id: 4, cat: 'c', score: 70, name: 'banana' },
  { id: 5, cat: 'b', score: 90, name: 'cherry' },   { id: 6, cat: 'a', score: 10, name: 'date' },
  { id: 7, cat: 'c', name: 'fig' },                  { id: 8, cat: 'b', score: 40, name: 'grape' },
  { id: 9, cat: 'c', score: 30, name: 'lemon' },    { id: 10, cat: 'a', score: 60, name: 'lime' },
  { id: 11, cat: 'b', score: 80, name: 'melon' },   { id: 12, cat: 'c', score: 100, name: 'nectarine' },
];

export function defineOrderCases(h: Harness): void {
  const ns = () => h.ns(NS.order);
  const ids = async (params: NamespaceQueryParams): Promise<ID[]> => idsOf((await ns().query(params)).rows);

  describe('attribute order, paging and limits', () => {
    beforeAll(async () => {
      await ns().write({ upsert_rows: ITEMS.map((item) => ({ ...item, tags: ['x'] })) });
    });

    h.it('orders ascending with nulls first', async () => {
      const got = await ids({ rank_by: ['score', 'asc'], limit: 100 });
      expect(new Set(got.slice(0, 2))).toEqual(new Set([3, 7]));
      expect(got.slice(2)).toEqual([6, 2, 9, 8, 1, 10, 4, 11, 5, 12]);
    });

    h.it('orders descending with nulls last', async () => {
      const got = await ids({ rank_by: ['score', 'desc'], limit: 100 });
      expect(got.slice(0, 10)).toEqual([12, 5, 11, 4, 10, 1, 8, 9, 2, 6]);
      expect(new Set(got.slice(10))).toEqual(new Set([3, 7]));
    });

    h.it('orders strings lexicographically', async () => {
      expect(await ids({ rank_by: ['name', 'asc'], limit: 100 })).toEqual([
        2, 4, 5, 6, 7, 8, 1, 9, 10, 3, 11, 12,
      ]);
    });

    h.it('orders by several attributes', async () => {
      expect(
        await ids({
          rank_by: [
            ['cat', 'asc'],
            ['score', 'desc'],
          ],
          limit: 100,
        }),
      ).toEqual([10, 1, 6, 3, 5, 11, 8, 2, 12, 4, 9, 7]);
    });

    h.it('orders by id descending', async () => {
      expect(await ids({ rank_by: ['id', 'desc'], limit: 100 })).toEqual([
        12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1,
      ]);
    });

    h.it('attribute-ordered rows carry no $dist and only the requested attributes', async () => {
      const res = await ns().query({ rank_by: ['score', 'desc'], limit: 2, include_attributes: ['score'] });
      expect(res.rows).toEqual([
        { id: 12, score: 100 },
        { id: 5, score: 90 },
      ]);
    });

    h.it('pages through ["id","asc"] with an id Gt cursor', async () => {
      const pages: ID[][] = [];
      let cursor: ID | undefined;
      for (let guard = 0; guard < 10; guard++) {
        const page = await ids({
          rank_by: ['id', 'asc'],
          limit: 5,
          ...(cursor === undefined ? {} : { filters: ['id', 'Gt', cursor] }),
        });
        pages.push(page);
        if (page.length < 5) break;
        cursor = page[page.length - 1];
      }
      expect(pages).toEqual([
        [1, 2, 3, 4, 5],
        [6, 7, 8, 9, 10],
        [11, 12],
      ]);
    });

    h.it('pages with the cursor ANDed with a user filter', async () => {
      const pages: ID[][] = [];
      let cursor: ID = 0;
      for (let guard = 0; guard < 10; guard++) {
        const filters: Filter = [
          'And',
          [
            ['id', 'Gt', cursor],
            ['cat', 'Eq', 'b'],
          ],
        ];
        const page = await ids({ rank_by: ['id', 'asc'], limit: 2, filters });
        pages.push(page);
        if (page.length < 2) break;
        cursor = page[page.length - 1] ?? cursor;
      }
      expect(pages).toEqual([[2, 5], [8, 11], []]);
    });

    h.it('limit (number) and top_k cut the ordered result', async () => {
      expect(await ids({ rank_by: ['score', 'desc'], limit: 3 })).toEqual([12, 5, 11]);
      expect(await ids({ rank_by: ['score', 'desc'], top_k: 3 })).toEqual([12, 5, 11]);
      expect(await ids({ rank_by: ['score', 'desc'], limit: { total: 2 } })).toEqual([12, 5]);
    });

    h.it('limit.per keeps at most per.limit rows per distinct attribute value', async () => {
      expect(
        await ids({
          rank_by: ['score', 'desc'],
          limit: { total: 100, per: { attributes: ['cat'], limit: 2 } },
        }),
      ).toEqual([12, 5, 11, 4, 10, 1]);
      expect(
        await ids({
          rank_by: ['score', 'desc'],
          limit: { total: 4, per: { attributes: ['cat'], limit: 2 } },
        }),
      ).toEqual([12, 5, 11, 4]);
      expect(
        await ids({ rank_by: ['id', 'asc'], limit: { total: 100, per: { attributes: ['cat'], limit: 1 } } }),
      ).toEqual([1, 2, 4]);
    });

    h.it('limit and top_k up to 10,000 are accepted', async () => {
      expect(await ids({ rank_by: ['id', 'asc'], limit: 10_000 })).toHaveLength(12);
      expect(await ids({ rank_by: ['id', 'asc'], top_k: 10_000 })).toHaveLength(12);
    });

    h.it('limit or top_k above 10,000 is a 400', async () => {
      await expectBadRequest(ns().query({ rank_by: ['id', 'asc'], limit: 10_001 }));
      await expectBadRequest(ns().query({ rank_by: ['id', 'asc'], top_k: 10_001 }));
      await expectBadRequest(ns().query({ rank_by: ['id', 'asc'], limit: { total: 10_001 } }));
    });

    h.it('ordering by an array attribute is a 400', async () => {
      await expectBadRequest(ns().query({ rank_by: ['tags', 'asc'], limit: 10 }));
    });
  });
}
