import { describe, expect, it } from 'vitest';
import { emptyWriteResult, mergeWriteResults } from './merge-write.ts';
import { splitWrite } from './split-write.ts';

describe('mergeWriteResults', () => {
  it('sums counters, orders affected ids as in the request, sums billing, takes the slowest shard', () => {
    const { idOrder } = splitWrite({ upsert_rows: [{ id: 3 }, { id: 1 }, { id: 2 }], deletes: [9, 8] }, 4);
    const merged = mergeWriteResults(
      [
        {
          status: 'OK',
          message: 'documents committed successfully',
          rows_affected: 2,
          rows_upserted: 1,
          rows_deleted: 1,
          upserted_ids: [2],
          deleted_ids: [8],
          billing: { billable_logical_bytes_written: 10 },
          performance: { server_total_ms: 30 },
        },
        undefined, // a skipped shard
        {
          status: 'OK',
          message: 'documents committed successfully',
          rows_affected: 3,
          rows_upserted: 2,
          rows_deleted: 1,
          upserted_ids: [1, 3],
          deleted_ids: [9],
          billing: { billable_logical_bytes_written: 32, query: { billable_logical_bytes_queried: 5 } },
          performance: { server_total_ms: 12 },
        },
      ],
      idOrder,
    );
    expect(merged).toEqual({
      status: 'OK',
      message: 'documents committed successfully',
      rows_affected: 5,
      rows_upserted: 3,
      rows_deleted: 2,
      upserted_ids: [3, 1, 2],
      deleted_ids: [9, 8],
      billing: { billable_logical_bytes_written: 42, query: { billable_logical_bytes_queried: 5 } },
      performance: { server_total_ms: 30 },
    });
  });

  it('ORs rows_remaining, keeps by-filter ids (not in the request) after request ids, and stays exact for big ids', () => {
    const big = 18446744073709551615n;
    const { idOrder } = splitWrite(
      { patch_rows: [{ id: big }], patch_by_filter: { filters: [], patch: {} } },
      2,
    );
    const merged = mergeWriteResults(
      [
        { rows_affected: 2, rows_patched: 2, patched_ids: [77, big], rows_remaining: false, billing: {} },
        { rows_affected: 1, rows_patched: 1, patched_ids: [5], rows_remaining: true, billing: {} },
      ],
      idOrder,
    );
    expect(merged.patched_ids).toEqual([big, 77, 5]);
    expect(merged.rows_remaining).toBe(true);
    expect(merged.rows_patched).toBe(3);
  });

  it('leaves out counters no shard reported, but always reports rows_affected and billing', () => {
    expect(mergeWriteResults([{ status: 'OK', message: 'm', rows_affected: 0 }], new Map())).toEqual({
      status: 'OK',
      message: 'm',
      rows_affected: 0,
      billing: {},
    });
  });

  it('describes a missing shard as "nothing happened" with the counters of its operations', () => {
    expect(emptyWriteResult({ deletes: [1], patch_by_filter: {} })).toEqual({
      status: 'OK',
      message: 'documents committed successfully',
      rows_affected: 0,
      rows_patched: 0,
      rows_deleted: 0,
    });
  });
});
