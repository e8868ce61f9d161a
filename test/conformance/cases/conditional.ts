/**
 * Conditional writes (reference §4.2): the condition is evaluated against the stored document with
 * the same id, `$ref_new` names the value being written (null for deletes), a missing document is
 * inserted by a conditional upsert but skipped by a conditional patch or delete, and counts report
 * only the rows actually written.
 */
import { describe, expect } from 'vitest';
import { allRows, type Harness } from '../harness.ts';
import { NS } from '../namespaces.ts';

export function defineConditionalCases(h: Harness): void {
  describe('conditional writes', () => {
    h.it('upsert_condition with $ref_new keeps versions monotonic and inserts missing ids', async () => {
      const ns = h.ns(NS.condUpsertVersion);
      await ns.write({
        upsert_rows: [
          { id: 1, version: 2, body: 'v2' },
          { id: 2, version: 5, body: 'v5' },
        ],
      });
      const res = await ns.write({
        upsert_rows: [
          { id: 1, version: 3, body: 'v3' },
          { id: 2, version: 4, body: 'v4' },
          { id: 3, version: 1, body: 'v1' },
        ],
        upsert_condition: ['version', 'Lt', { $ref_new: 'version' }],
      });
      expect(res.rows_upserted).toBe(2);
      expect(res.rows_affected).toBe(2);
      expect(await allRows(ns)).toEqual([
        { id: 1, version: 3, body: 'v3' },
        { id: 2, version: 5, body: 'v5' },
        { id: 3, version: 1, body: 'v1' },
      ]);
    });

    h.it('upsert_condition ["id","Eq",null] inserts only absent ids', async () => {
      const ns = h.ns(NS.condInsertAbsent);
      await ns.write({ upsert_rows: [{ id: 1, title: 'original' }] });
      const res = await ns.write({
        upsert_rows: [
          { id: 1, title: 'overwrite?' },
          { id: 4, title: 'inserted' },
        ],
        upsert_condition: ['id', 'Eq', null],
      });
      expect(res.rows_upserted).toBe(1);
      expect(await allRows(ns)).toEqual([
        { id: 1, title: 'original' },
        { id: 4, title: 'inserted' },
      ]);
    });

    h.it('patch_condition patches only where the condition holds and never creates', async () => {
      const ns = h.ns(NS.condPatch);
      await ns.write({
        upsert_rows: [
          { id: 1, version: 1, state: 'a' },
          { id: 2, version: 9, state: 'b' },
        ],
      });
      const res = await ns.write({
        patch_rows: [
          { id: 1, version: 2, state: 'patched' },
          { id: 2, version: 3, state: 'patched' },
          { id: 3, version: 7, state: 'ghost' },
        ],
        patch_condition: ['version', 'Lt', { $ref_new: 'version' }],
      });
      expect(res.rows_patched).toBe(1);
      expect(res.rows_affected).toBe(1);
      expect(await allRows(ns)).toEqual([
        { id: 1, version: 2, state: 'patched' },
        { id: 2, version: 9, state: 'b' },
      ]);
    });

    h.it('delete_condition deletes only documents that match it', async () => {
      const ns = h.ns(NS.condDelete);
      await ns.write({
        upsert_rows: [
          { id: 1, status: 'archived' },
          { id: 2, status: 'live' },
          { id: 3, status: 'archived' },
        ],
      });
      const res = await ns.write({ deletes: [1, 2, 404], delete_condition: ['status', 'Eq', 'archived'] });
      expect(res.rows_deleted).toBe(1);
      expect(await allRows(ns)).toEqual([
        { id: 2, status: 'live' },
        { id: 3, status: 'archived' },
      ]);
    });

    h.it('in delete_condition every $ref_new is null', async () => {
      const ns = h.ns(NS.condDeleteRefNew);
      await ns.write({
        upsert_rows: [{ id: 1, version: 1 }, { id: 2 }, { id: 3, version: 3 }, { id: 4 }],
      });
      // version Eq null holds exactly for documents without a version.
      const res = await ns.write({
        deletes: [1, 2, 3],
        delete_condition: ['version', 'Eq', { $ref_new: 'version' }],
      });
      expect(res.rows_deleted).toBe(1);
      expect(await allRows(ns)).toEqual([{ id: 1, version: 1 }, { id: 3, version: 3 }, { id: 4 }]);
    });

    h.it('return_affected_ids lists only the rows a conditional write applied to', async () => {
      const ns = h.ns(NS.condAffected);
      await ns.write({
        upsert_rows: [
          { id: 1, version: 5 },
          { id: 2, version: 1 },
        ],
      });
      const res = await ns.write({
        upsert_rows: [
          { id: 1, version: 2 },
          { id: 2, version: 2 },
        ],
        upsert_condition: ['version', 'Lt', { $ref_new: 'version' }],
        return_affected_ids: true,
      });
      expect(res.rows_upserted).toBe(1);
      expect(res.upserted_ids).toEqual([2]);
      const del = await ns.write({
        deletes: [1, 2],
        delete_condition: ['version', 'Gte', 5],
        return_affected_ids: true,
      });
      expect(del.deleted_ids).toEqual([1]);
    });

    h.it('conditional and by-filter writes bill the query they need (billing.query)', async () => {
      const ns = h.ns(NS.condBilling);
      await ns.write({
        upsert_rows: [
          { id: 1, n: 1 },
          { id: 2, n: 2 },
        ],
      });
      const conditional = await ns.write({
        upsert_rows: [{ id: 1, n: 3 }],
        upsert_condition: ['n', 'Lt', { $ref_new: 'n' }],
      });
      expect(typeof conditional.billing.query?.billable_logical_bytes_queried).toBe('number');
      expect(typeof conditional.billing.query?.billable_logical_bytes_returned).toBe('number');
      const byFilter = await ns.write({ delete_by_filter: ['n', 'Eq', 2] });
      expect(typeof byFilter.billing.query?.billable_logical_bytes_queried).toBe('number');
      expect(byFilter.rows_deleted).toBe(1);
    });
  });
}
