/**
 * Over-cap by-filter writes (reference §4.3): without `*_allow_partial` the whole request fails and
 * nothing changes; with it, up to the cap is processed and `rows_remaining: true` says to repeat.
 * Real caps are 50k/5M rows, so these run only against targets that declare small caps.
 */
import { describe, expect } from 'vitest';
import type { NamespaceWriteParams } from '@turbopuffer/turbopuffer';
import { allRows, expectBadRequest, idsWhere, type Harness } from '../harness.ts';
import { NS } from '../namespaces.ts';

export interface ByFilterCaps {
  /** Rows one patch_by_filter may patch on the target. */
  readonly patch: number;
  /** Rows one delete_by_filter may delete on the target. */
  readonly delete: number;
}

const seed = (count: number) => Array.from({ length: count }, (_, i) => ({ id: i + 1, n: i + 1 }));

export function defineByFilterCapCases(h: Harness, caps: ByFilterCaps | undefined): void {
  describe.skipIf(caps === undefined)('by-filter writes over the cap', () => {
    const patchCap = caps?.patch ?? 0;
    const deleteCap = caps?.delete ?? 0;

    h.it('patch_by_filter over the cap is a 400 without allow_partial, batched with it', async () => {
      const ns = h.ns(NS.writeCapPatch);
      await ns.write({ upsert_rows: seed(patchCap + 2) });
      const before = await allRows(ns);
      const patch: NamespaceWriteParams.PatchByFilter = {
        filters: ['done', 'Eq', null],
        patch: { done: true },
      };
      await expectBadRequest(ns.write({ patch_by_filter: patch }));
      expect(await allRows(ns)).toEqual(before);
      const first = await ns.write({ patch_by_filter: patch, patch_by_filter_allow_partial: true });
      expect(first.rows_patched).toBe(patchCap);
      expect(first.rows_remaining).toBe(true);
      expect(await idsWhere(ns, ['done', 'Eq', true])).toHaveLength(patchCap);
      const second = await ns.write({ patch_by_filter: patch, patch_by_filter_allow_partial: true });
      expect(second.rows_patched).toBe(2);
      expect(second.rows_remaining ?? false).toBe(false);
      expect(await idsWhere(ns, ['done', 'Eq', true])).toHaveLength(patchCap + 2);
    });

    h.it('delete_by_filter over the cap is a 400 without allow_partial, batched with it', async () => {
      const ns = h.ns(NS.writeCapDelete);
      await ns.write({ upsert_rows: seed(deleteCap + 2) });
      const before = await allRows(ns);
      await expectBadRequest(ns.write({ delete_by_filter: ['n', 'Gte', 1] }));
      expect(await allRows(ns)).toEqual(before);
      const first = await ns.write({
        delete_by_filter: ['n', 'Gte', 1],
        delete_by_filter_allow_partial: true,
      });
      expect(first.rows_deleted).toBe(deleteCap);
      expect(first.rows_remaining).toBe(true);
      expect(await allRows(ns)).toHaveLength(2);
      const second = await ns.write({
        delete_by_filter: ['n', 'Gte', 1],
        delete_by_filter_allow_partial: true,
      });
      expect(second.rows_deleted).toBe(2);
      expect(second.rows_remaining ?? false).toBe(false);
      expect(await allRows(ns)).toEqual([]);
    });
  });
}
