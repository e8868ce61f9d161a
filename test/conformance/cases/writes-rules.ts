/**
 * Rules that span a whole write request: order of application, affected ids, duplicate ids,
 * atomicity of a failing request, reserved names and schema changes (reference §3.2, §4.1, §4.4).
 */
import { describe, expect } from 'vitest';
import type { ID, Row } from '@turbopuffer/turbopuffer';
import { allRows, expectBadRequest, type Harness } from '../harness.ts';
import { NS } from '../namespaces.ts';

const sorted = (ids: readonly unknown[] | undefined): unknown[] =>
  [...(ids ?? [])].sort((a, b) => Number(a) - Number(b));

export function defineWriteRuleCases(h: Harness): void {
  describe('writes: request-level rules', () => {
    h.it('applies delete_by_filter, then patch_by_filter, then upserts/patches/deletes', async () => {
      const ns = h.ns(NS.writeOrder);
      await ns.write({
        upsert_rows: [
          { id: 1, status: 'old' },
          { id: 2, status: 'old' },
          { id: 3, status: 'keep' },
        ],
      });
      const res = await ns.write({
        delete_by_filter: ['status', 'Eq', 'old'],
        // Runs after the delete (1, 2 are gone) and before the upsert (4 does not exist yet).
        patch_by_filter: { filters: ['status', 'In', ['old', 'new']], patch: { flag: true } },
        upsert_rows: [{ id: 4, status: 'new' }],
        // Patches to rows deleted earlier in the same request are ignored.
        patch_rows: [{ id: 2, flag: true }],
      });
      expect(res.rows_deleted).toBe(2);
      expect(res.rows_upserted).toBe(1);
      expect(res.rows_patched).toBe(0);
      expect(await allRows(ns)).toEqual([
        { id: 3, status: 'keep' },
        { id: 4, status: 'new' },
      ]);
    });

    h.it('return_affected_ids lists upserted, patched and deleted ids', async () => {
      const ns = h.ns(NS.writeAffected);
      await ns.write({
        upsert_rows: [
          { id: 3, n: 3 },
          { id: 4, n: 4 },
        ],
      });
      const res = await ns.write({
        upsert_rows: [
          { id: 2, n: 2 },
          { id: 1, n: 1 },
        ],
        patch_rows: [{ id: 4, n: 40 }],
        deletes: [3],
        return_affected_ids: true,
      });
      expect(res.rows_affected).toBe(4);
      expect(res.rows_upserted).toBe(2);
      expect(res.rows_patched).toBe(1);
      expect(res.rows_deleted).toBe(1);
      expect(sorted(res.upserted_ids)).toEqual([1, 2]);
      expect(res.patched_ids).toEqual([4]);
      expect(res.deleted_ids).toEqual([3]);
    });

    h.it('with return_affected_ids, *_ids appear only for op types that affected ids', async () => {
      const ns = h.ns(NS.writeAffected);
      const res = await ns.write({ upsert_rows: [{ id: 10, n: 10 }], return_affected_ids: true });
      expect(res.upserted_ids).toEqual([10]);
      expect(res.patched_ids).toBeUndefined();
      expect(res.deleted_ids).toBeUndefined();
      const plain = await ns.write({ upsert_rows: [{ id: 11, n: 11 }] });
      expect(plain.upserted_ids).toBeUndefined();
    });

    h.it('the same id twice in upsert_rows is a 400 and writes nothing', async () => {
      const ns = h.ns(NS.writeDup);
      await ns.write({ upsert_rows: [{ id: 1, n: 1 }] });
      await expectBadRequest(
        ns.write({
          upsert_rows: [
            { id: 2, n: 2 },
            { id: 2, n: 3 },
          ],
        }),
      );
      expect(await allRows(ns)).toEqual([{ id: 1, n: 1 }]);
      // Control: without the duplicate the same write is fine.
      await ns.write({ upsert_rows: [{ id: 2, n: 2 }] });
      expect(await allRows(ns)).toEqual([
        { id: 1, n: 1 },
        { id: 2, n: 2 },
      ]);
    });

    h.it('the same id across upserts, patches and deletes of one request is a 400', async () => {
      const ns = h.ns(NS.writeDupOps);
      await ns.write({
        upsert_rows: [
          { id: 1, n: 1 },
          { id: 2, n: 2 },
        ],
      });
      const before = await allRows(ns);
      await expectBadRequest(ns.write({ upsert_rows: [{ id: 1, n: 10 }], deletes: [1] }));
      await expectBadRequest(ns.write({ upsert_rows: [{ id: 2, n: 20 }], patch_rows: [{ id: 2, n: 30 }] }));
      await expectBadRequest(
        ns.write({ upsert_columns: { id: [5, 6], n: [5, 6] }, upsert_rows: [{ id: 5, n: 50 }] }),
      );
      expect(await allRows(ns)).toEqual(before);
      // Control: the same op types on distinct ids are fine in one request.
      await ns.write({ upsert_rows: [{ id: 3, n: 3 }], patch_rows: [{ id: 2, n: 20 }], deletes: [1] });
      expect(await allRows(ns)).toEqual([
        { id: 2, n: 20 },
        { id: 3, n: 3 },
      ]);
    });

    h.it('a request that fails validation part-way changes nothing (atomic)', async () => {
      const ns = h.ns(NS.writeAtomic);
      await ns.write({
        upsert_rows: [
          { id: 1, n: 1, title: 'one' },
          { id: 2, n: 2, title: 'two' },
        ],
      });
      const before = await allRows(ns);
      await expectBadRequest(
        ns.write({
          upsert_rows: [
            { id: 3, n: 3, title: 'three' },
            { id: 4, n: 'four', title: 'four' }, // n is an int attribute: type mismatch
          ],
          patch_rows: [{ id: 1, title: 'patched' }],
          deletes: [2],
        }),
      );
      expect(await allRows(ns)).toEqual(before);
      // Control: with the bad value fixed, the same request applies in full.
      await ns.write({
        upsert_rows: [
          { id: 3, n: 3, title: 'three' },
          { id: 4, n: 4, title: 'four' },
        ],
        patch_rows: [{ id: 1, title: 'patched' }],
        deletes: [2],
      });
      expect(await allRows(ns)).toEqual([
        { id: 1, n: 1, title: 'patched' },
        { id: 3, n: 3, title: 'three' },
        { id: 4, n: 4, title: 'four' },
      ]);
    });

    h.it('a row without an id, or with an id that is not a u64, string or uuid, is a 400', async () => {
      const ns = h.ns(NS.writeBadIds);
      await ns.write({ upsert_rows: [{ id: 1, n: 1 }] });
      await expectBadRequest(ns.write({ upsert_rows: [{ id: 2, n: 2 }, { n: 3 } as unknown as Row] }));
      for (const id of [-1, 1.5, 18446744073709551616, { nested: 1 }, true]) {
        await expectBadRequest(ns.write({ upsert_rows: [{ id: id as unknown as ID, n: 9 }] }));
      }
      expect(await allRows(ns)).toEqual([{ id: 1, n: 1 }]);
      await ns.write({ upsert_rows: [{ id: 0, n: 0 }] }); // control: 0 is a valid u64 id
      expect(await allRows(ns)).toEqual([
        { id: 0, n: 0 },
        { id: 1, n: 1 },
      ]);
    });

    h.it('one namespace holds one id type: a string id in a u64 namespace is a 400', async () => {
      const ns = h.ns(NS.writeMixedIds);
      await ns.write({ upsert_rows: [{ id: 1, n: 1 }] });
      await expectBadRequest(ns.write({ upsert_rows: [{ id: 'one', n: 1 }] }));
      expect(await allRows(ns)).toEqual([{ id: 1, n: 1 }]);
    });

    h.it('an attribute name starting with $ is a 400 and writes nothing', async () => {
      const ns = h.ns(NS.writeDollar);
      await ns.write({ upsert_rows: [{ id: 1, n: 1 }] });
      await expectBadRequest(ns.write({ upsert_rows: [{ id: 2, $secret: 'x' }] }));
      expect(await allRows(ns)).toEqual([{ id: 1, n: 1 }]);
      await ns.write({ upsert_rows: [{ id: 2, secret: 'x' }] }); // control: the same name without $
      expect(await allRows(ns)).toEqual([
        { id: 1, n: 1 },
        { id: 2, secret: 'x' },
      ]);
    });

    h.it('a write may carry only a schema change for an existing namespace', async () => {
      const ns = h.ns(NS.writeSchemaOnly);
      await ns.write({
        upsert_rows: [
          { id: 1, text: 'the walrus sings' },
          { id: 2, text: 'a quiet night' },
        ],
      });
      const res = await ns.write({ schema: { text: { type: 'string', full_text_search: true } } });
      expect(res.status).toBe('OK');
      expect(res.rows_affected).toBe(0);
      const schema = await ns.schema();
      expect(schema['text']?.type).toBe('string');
      expect(schema['text']?.full_text_search).toBeTruthy();
      const hits = await ns.query({ rank_by: ['text', 'BM25', 'walrus'], limit: 10 });
      expect(hits.rows?.map((r) => r.id)).toEqual([1]);
    });

    h.it("changing an attribute's type through a write is a 400 and writes nothing", async () => {
      const ns = h.ns(NS.writeTypeChange);
      await ns.write({ upsert_rows: [{ id: 1, n: 1 }] });
      await expectBadRequest(ns.write({ schema: { n: 'string' }, upsert_rows: [{ id: 2, n: '2' }] }));
      expect((await ns.schema())['n']?.type).toBe('int');
      expect(await allRows(ns)).toEqual([{ id: 1, n: 1 }]);
      await ns.write({ schema: { n: 'int' }, upsert_rows: [{ id: 2, n: 2 }] }); // control: same type
      expect(await allRows(ns)).toEqual([
        { id: 1, n: 1 },
        { id: 2, n: 2 },
      ]);
    });
  });
}
