import { describe, expect, it } from 'vitest';
import { combinePerformance, sumBlocks } from './combine.ts';
import { mergeMetadata, mergeSchemas } from './merge-namespace.ts';

const shard = (over: Record<string, unknown>) => ({
  schema: { id: { type: 'uint' }, title: { type: 'string' } },
  approx_row_count: 10,
  approx_logical_bytes: 1000,
  created_at: '2026-01-02T00:00:00Z',
  updated_at: '2026-01-05T00:00:00Z',
  last_write_at: '2026-01-05T00:00:00Z',
  encryption: { mode: 'default' },
  index: { status: 'up-to-date' },
  ...over,
});

describe('mergeMetadata', () => {
  it('sums counts, takes the earliest creation and the latest writes', () => {
    const merged = mergeMetadata([
      shard({}),
      shard({
        approx_row_count: 5,
        created_at: '2026-01-01T10:00:00.000Z',
        last_write_at: '2026-01-07T00:00:00Z',
      }),
      shard({ approx_logical_bytes: 24, updated_at: '2026-01-09T00:00:00Z' }),
    ]);
    expect(merged).toEqual({
      schema: { id: { type: 'uint' }, title: { type: 'string' } },
      approx_row_count: 25,
      approx_logical_bytes: 2024,
      created_at: '2026-01-01T10:00:00.000Z',
      updated_at: '2026-01-09T00:00:00Z',
      last_write_at: '2026-01-07T00:00:00Z',
      encryption: { mode: 'default' },
      index: { status: 'up-to-date' },
    });
  });

  it('is updating while any shard is, with the unindexed bytes summed', () => {
    const merged = mergeMetadata([
      shard({ index: { status: 'updating', unindexed_bytes: 100 } }),
      shard({}),
      shard({ index: { status: 'updating', unindexed_bytes: 23 } }),
    ]);
    expect(merged.index).toEqual({ status: 'updating', unindexed_bytes: 123 });
  });

  it('unions the schemas, first shard first', () => {
    expect(
      mergeSchemas([
        { id: { type: 'uint' }, a: { type: 'string', filterable: true } },
        { id: { type: 'uint' }, a: { type: 'string', filterable: false }, b: { type: 'int' } },
      ]),
    ).toEqual({ id: { type: 'uint' }, a: { type: 'string', filterable: true }, b: { type: 'int' } });
  });
});

describe('billing and performance', () => {
  it('sums billing blocks, nested ones too, exactly past 2^53', () => {
    expect(
      sumBlocks([
        { billable_logical_bytes_queried: 2 ** 53, query: { x: 1 } },
        { billable_logical_bytes_queried: 1, query: { x: 2 } },
      ]),
    ).toEqual({ billable_logical_bytes_queried: 2n ** 53n + 1n, query: { x: 3 } });
    expect(sumBlocks([undefined, 'x'])).toBeUndefined();
  });

  it('takes the slowest time, the coldest cache, the mean hit ratio and the earliest included write', () => {
    expect(
      combinePerformance([
        {
          server_total_ms: 5,
          query_execution_ms: 4,
          cache_hit_ratio: 1,
          cache_temperature: 'hot',
          exhaustive_search_count: 2,
          approx_namespace_size: 10,
          last_included_write_at: '2026-01-02T00:00:00Z',
        },
        {
          server_total_ms: 9,
          query_execution_ms: 1,
          cache_hit_ratio: 0.5,
          cache_temperature: 'warm',
          exhaustive_search_count: 3,
          approx_namespace_size: 20,
          last_included_write_at: '2026-01-01T00:00:00Z',
        },
      ]),
    ).toEqual({
      server_total_ms: 9,
      query_execution_ms: 4,
      cache_hit_ratio: 0.75,
      cache_temperature: 'warm',
      exhaustive_search_count: 5,
      approx_namespace_size: 30,
      last_included_write_at: '2026-01-01T00:00:00Z',
    });
  });
});
