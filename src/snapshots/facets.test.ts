/**
 * Facet counts equal an independent count computed here over the same rows: one shard and four
 * (merged by the shards layer), the grouped path with and without paging, the scan path, the
 * null/missing bucket, array fields (one count per distinct element) and the order of values.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Dispatch } from '../stores/operations.ts';
import { unsupported } from '../wire/errors.ts';
import { countFacets, sortFacet, type FacetValue } from './facets.ts';
import { openSnapshotKit, type SnapshotKit } from './testing.ts';

const CATEGORIES = ['shoes', 'hats', 'bags', 'socks', 'belts', 'coats', 'scarves'];

/** Deterministic pseudo-random rows: ~10% without a brand, tags of 0–3 elements. */
function catalog(n: number): Record<string, unknown>[] {
  let seed = 7;
  const rand = (k: number) => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % k;
  };
  return Array.from({ length: n }, (_, i) => {
    const brandNo = rand(40);
    const tags = Array.from({ length: rand(4) }, () => `t${rand(6)}`);
    return {
      id: i + 1,
      category: CATEGORIES[rand(CATEGORIES.length)],
      ...(brandNo < 4 ? {} : { brand: `brand-${brandNo}` }),
      tags,
    };
  });
}

/** The expected facet, counted here: null for missing, distinct elements for arrays. */
function independentCount(rows: Record<string, unknown>[], field: string): FacetValue[] {
  const tally = new Map<unknown, number>();
  for (const row of rows) {
    const v = row[field];
    const values = Array.isArray(v) ? (v.length === 0 ? [null] : [...new Set(v)]) : [v ?? null];
    for (const value of values) tally.set(value, (tally.get(value) ?? 0) + 1);
  }
  return [...tally]
    .map(([value, count]) => ({ value, count }))
    .sort((a, b) =>
      a.count !== b.count
        ? b.count - a.count
        : a.value === null
          ? 1
          : b.value === null
            ? -1
            : String(a.value) < String(b.value)
              ? -1
              : 1,
    );
}

let kit: SnapshotKit;
/** What the counting reads: the kit's Index dispatch, entry and registry. */
const target = (k: SnapshotKit) => ({ dispatch: k.dispatch, entry: k.entry, snapshot: k.registry });
afterEach(async () => {
  await kit.close();
});

async function schemaOf(k: SnapshotKit): Promise<unknown> {
  const meta = (await k.dispatch({ op: 'metadata', ns: 'products' }, {})).value() as { schema: unknown };
  return meta.schema;
}

describe('facet counts', () => {
  const rows = catalog(3000);
  const fields = ['category', 'brand', 'tags'];

  it.each([
    ['1 shard, grouped', 1, 'grouped', 10_000],
    ['4 shards, grouped', 4, 'grouped', 10_000],
    ['4 shards, grouped, paged 5 groups at a time', 4, 'grouped', 5],
    ['4 shards, scan', 4, 'scan', 10_000],
    ['1 shard, scan paged 100 rows at a time', 1, 'scan', 100],
  ] as const)('equal an independent count: %s', async (_title, shards, mode, pageSize) => {
    kit = await openSnapshotKit({ shards, facetFields: fields });
    for (let i = 0; i < rows.length; i += 1000) await kit.upsert(rows.slice(i, i + 1000));
    const counts = await countFacets(target(kit), fields, await schemaOf(kit), {
      mode,
      pageSize,
    });
    expect(counts.method).toBe(mode);
    expect(counts.rowCount).toBe(rows.length);
    for (const field of fields) expect(counts.facets[field]).toEqual(independentCount(rows, field));
  });

  it('falls back to the scan in auto mode when an array field has more elements than one grouped page', async () => {
    kit = await openSnapshotKit({ facetFields: ['tags'] });
    await kit.upsert(rows.slice(0, 500));
    const counts = await countFacets(target(kit), ['tags'], await schemaOf(kit), {
      pageSize: 3,
    });
    expect(counts.method).toBe('scan');
    expect(counts.facets.tags).toEqual(independentCount(rows.slice(0, 500), 'tags'));
  });

  it('counts a field no document has as missing on every row, in both paths', async () => {
    kit = await openSnapshotKit({ facetFields: ['category'] });
    await kit.upsert(rows.slice(0, 50));
    for (const mode of ['grouped', 'scan'] as const) {
      const counts = await countFacets(target(kit), ['nope'], await schemaOf(kit), { mode });
      expect(counts).toMatchObject({
        method: mode,
        rowCount: 50,
        facets: { nope: [{ value: null, count: 50 }] },
      });
    }
  });

  it('fails in grouped mode when the store cannot group, and scans in auto mode', async () => {
    kit = await openSnapshotKit({ facetFields: ['category'] });
    await kit.upsert(rows.slice(0, 50));
    const noGrouping: Dispatch = (operation, ctx) => {
      const body = operation.body?.value() as Record<string, unknown> | undefined;
      if (body?.aggregate_by !== undefined) return Promise.reject(unsupported('aggregate_by'));
      return kit.dispatch(operation, ctx);
    };
    const schema = await schemaOf(kit);
    await expect(
      countFacets({ ...target(kit), dispatch: noGrouping }, ['category'], schema, { mode: 'grouped' }),
    ).rejects.toThrow(/aggregate_by is not supported/);
    const counts = await countFacets({ ...target(kit), dispatch: noGrouping }, ['category'], schema);
    expect(counts.method).toBe('scan');
    expect(counts.facets.category).toEqual(independentCount(rows.slice(0, 50), 'category'));
  });
});

describe('sortFacet', () => {
  it('orders by count descending, then value ascending, with the null bucket last among equals', () => {
    const tally = new Map<unknown, number>([
      ['b', 2],
      [null, 2],
      ['a', 2],
      ['z', 5],
      [3, 1],
      [1, 1],
    ]);
    expect(sortFacet(tally)).toEqual([
      { value: 'z', count: 5 },
      { value: 'a', count: 2 },
      { value: 'b', count: 2 },
      { value: null, count: 2 },
      { value: 1, count: 1 },
      { value: 3, count: 1 },
    ]);
  });
});
