/**
 * Write operations one by one: upserts (rows, columns), patches (rows, columns), deletes and the
 * by-filter writes, each checked by reading the namespace back (reference §4.1, §4.3, §4.4).
 */
import { describe, expect } from 'vitest';
import { allRows, expectBadRequest, idsWhere, type Harness } from '../harness.ts';
import { NS, metricOf } from '../namespaces.ts';

export function defineWriteBasicCases(h: Harness): void {
  describe('writes: upserts, patches, deletes', () => {
    h.it('upsert_rows stores rows and reports only rows_upserted', async () => {
      const ns = h.ns(NS.writeRows);
      const res = await ns.write({
        upsert_rows: [
          { id: 2, title: 'two', n: 20 },
          { id: 1, title: 'one', n: 10 },
          { id: 3, title: 'three', n: 30 },
        ],
      });
      expect(res.status).toBe('OK');
      expect(typeof res.message).toBe('string');
      expect(res.rows_affected).toBe(3);
      expect(res.rows_upserted).toBe(3);
      expect(res.rows_patched).toBeUndefined();
      expect(res.rows_deleted).toBeUndefined();
      expect(res.upserted_ids).toBeUndefined();
      expect(await allRows(ns)).toEqual([
        { id: 1, title: 'one', n: 10 },
        { id: 2, title: 'two', n: 20 },
        { id: 3, title: 'three', n: 30 },
      ]);
    });

    h.it('a plain upsert carries billing.billable_logical_bytes_written and no billing.query', async () => {
      const res = await h.ns(NS.writeBilling).write({ upsert_rows: [{ id: 1, text: 'hello world' }] });
      expect(typeof res.billing.billable_logical_bytes_written).toBe('number');
      expect(res.billing.billable_logical_bytes_written).toBeGreaterThan(0);
      expect(res.billing.query).toBeUndefined();
    });

    h.it('upsert_columns stores columns, null meaning no value', async () => {
      const ns = h.ns(NS.writeColumns);
      const res = await ns.write({
        upsert_columns: { id: [1, 2, 3], title: ['a', null, 'c'], n: [1, 2, null] },
      });
      expect(res.rows_upserted).toBe(3);
      expect(res.rows_affected).toBe(3);
      expect(await allRows(ns)).toEqual([
        { id: 1, title: 'a', n: 1 },
        { id: 2, n: 2 },
        { id: 3, title: 'c' },
      ]);
      expect(await idsWhere(ns, ['title', 'Eq', null])).toEqual([2]);
    });

    h.it('upsert_columns with columns of different lengths is a 400 and writes nothing', async () => {
      const ns = h.ns(NS.writeColumnsBad);
      await ns.write({ upsert_rows: [{ id: 1, title: 'kept' }] });
      await expectBadRequest(ns.write({ upsert_columns: { id: [2, 3, 4], title: ['x', 'y'] } }));
      expect(await allRows(ns)).toEqual([{ id: 1, title: 'kept' }]);
    });

    h.it('an upsert replaces the whole document (attributes not sent become null)', async () => {
      const ns = h.ns(NS.writeReplace);
      await ns.write({ upsert_rows: [{ id: 1, a: 1, b: 'keep?' }] });
      await ns.write({ upsert_rows: [{ id: 1, a: 5 }] });
      expect(await allRows(ns)).toEqual([{ id: 1, a: 5 }]);
    });

    h.it('patch_rows changes only the listed attributes', async () => {
      const ns = h.ns(NS.writePatchRows);
      await ns.write({
        upsert_rows: [
          { id: 1, title: 'one', n: 1, tag: 'x' },
          { id: 2, title: 'two', n: 2, tag: 'y' },
          { id: 3, title: 'three', n: 3, tag: 'z' },
        ],
      });
      const res = await ns.write({
        patch_rows: [
          { id: 1, n: 100 },
          { id: 3, tag: 'patched', extra: true },
        ],
      });
      expect(res.rows_patched).toBe(2);
      expect(res.rows_affected).toBe(2);
      expect(res.rows_upserted).toBeUndefined();
      expect(res.rows_deleted).toBeUndefined();
      expect(await allRows(ns)).toEqual([
        { id: 1, title: 'one', n: 100, tag: 'x' },
        { id: 2, title: 'two', n: 2, tag: 'y' },
        { id: 3, title: 'three', n: 3, tag: 'patched', extra: true },
      ]);
    });

    h.it('patch_rows silently ignores ids that do not exist (no document is created)', async () => {
      const ns = h.ns(NS.writePatchMissing);
      await ns.write({ upsert_rows: [{ id: 1, title: 'one' }] });
      const res = await ns.write({
        patch_rows: [
          { id: 1, title: 'uno' },
          { id: 99, title: 'ghost' },
        ],
      });
      expect(res.status).toBe('OK');
      expect(await allRows(ns)).toEqual([{ id: 1, title: 'uno' }]);
    });

    h.it('patch_columns patches existing ids, ignores missing ones, keeps other attributes', async () => {
      const ns = h.ns(NS.writePatchColumns);
      await ns.write({
        upsert_rows: [
          { id: 1, title: 'one', n: 1 },
          { id: 2, title: 'two', n: 2 },
        ],
      });
      const res = await ns.write({ patch_columns: { id: [2, 1, 77], n: [20, 10, 770] } });
      expect(res.status).toBe('OK');
      expect(await allRows(ns)).toEqual([
        { id: 1, title: 'one', n: 10 },
        { id: 2, title: 'two', n: 20 },
      ]);
    });

    h.it('a patch to null removes the value (Eq null then matches)', async () => {
      const ns = h.ns(NS.writePatchNull);
      await ns.write({
        upsert_rows: [
          { id: 1, title: 'one', color: 'red' },
          { id: 2, title: 'two', color: 'blue' },
        ],
      });
      await ns.write({ patch_rows: [{ id: 1, color: null }] });
      expect(await allRows(ns)).toEqual([
        { id: 1, title: 'one' },
        { id: 2, title: 'two', color: 'blue' },
      ]);
      expect(await idsWhere(ns, ['color', 'Eq', null])).toEqual([1]);
    });

    h.it('patching a vector is a 400 and changes nothing', async () => {
      const ns = h.ns(NS.writePatchVector);
      await ns.write({
        distance_metric: metricOf(NS.writePatchVector),
        upsert_rows: [{ id: 1, vector: [0.5, 0.25], title: 'v' }],
      });
      const before = await allRows(ns);
      await expectBadRequest(ns.write({ patch_rows: [{ id: 1, vector: [1, 0] }] }));
      expect(await allRows(ns)).toEqual(before);
      await ns.write({ patch_rows: [{ id: 1, title: 'w' }] }); // control: patching an attribute is fine
      expect(await allRows(ns)).toEqual([{ id: 1, vector: [0.5, 0.25], title: 'w' }]);
    });

    h.it('deletes removes the listed ids and reports only rows_deleted', async () => {
      const ns = h.ns(NS.writeDeletes);
      await ns.write({ upsert_rows: [1, 2, 3, 4].map((id) => ({ id, n: id })) });
      const res = await ns.write({ deletes: [2, 4] });
      expect(res.rows_deleted).toBe(2);
      expect(res.rows_affected).toBe(2);
      expect(res.rows_upserted).toBeUndefined();
      expect(res.rows_patched).toBeUndefined();
      expect(await allRows(ns)).toEqual([
        { id: 1, n: 1 },
        { id: 3, n: 3 },
      ]);
    });

    h.it('delete_by_filter deletes exactly the matching documents', async () => {
      const ns = h.ns(NS.writeDeleteFilter);
      await ns.write({ upsert_rows: [1, 2, 3, 4, 5, 6].map((id) => ({ id, n: id, odd: id % 2 === 1 })) });
      const res = await ns.write({
        delete_by_filter: [
          'And',
          [
            ['odd', 'Eq', true],
            ['n', 'Gt', 1],
          ],
        ],
      });
      expect(res.rows_deleted).toBe(2);
      expect(res.rows_affected).toBe(2);
      expect(await idsWhere(ns, ['id', 'Gte', 0])).toEqual([1, 2, 4, 6]);
    });

    h.it('patch_by_filter patches exactly the matching documents', async () => {
      const ns = h.ns(NS.writePatchFilter);
      await ns.write({
        upsert_rows: [
          { id: 1, status: 'new', n: 1 },
          { id: 2, status: 'old', n: 2 },
          { id: 3, status: 'old', n: 3 },
          { id: 4, status: 'new', n: 4 },
        ],
      });
      const res = await ns.write({
        patch_by_filter: { filters: ['status', 'Eq', 'old'], patch: { status: 'archived', flag: true } },
      });
      expect(res.rows_patched).toBe(2);
      expect(res.rows_affected).toBe(2);
      expect(await allRows(ns)).toEqual([
        { id: 1, status: 'new', n: 1 },
        { id: 2, status: 'archived', n: 2, flag: true },
        { id: 3, status: 'archived', n: 3, flag: true },
        { id: 4, status: 'new', n: 4 },
      ]);
    });

    h.it('the *_allow_partial flags are accepted and, under the cap, everything is processed', async () => {
      const ns = h.ns(NS.writePartial);
      await ns.write({ upsert_rows: [1, 2, 3, 4, 5].map((id) => ({ id, n: id })) });
      const patched = await ns.write({
        patch_by_filter: { filters: ['n', 'Lte', 3], patch: { low: true } },
        patch_by_filter_allow_partial: true,
      });
      expect(patched.rows_patched).toBe(3);
      expect(patched.rows_remaining ?? false).toBe(false);
      const deleted = await ns.write({
        delete_by_filter: ['n', 'Gte', 4],
        delete_by_filter_allow_partial: true,
      });
      expect(deleted.rows_deleted).toBe(2);
      expect(deleted.rows_remaining ?? false).toBe(false);
      expect(await idsWhere(ns, ['low', 'Eq', true])).toEqual([1, 2, 3]);
      expect(await idsWhere(ns, ['id', 'Gte', 0])).toEqual([1, 2, 3]);
    });
  });
}
