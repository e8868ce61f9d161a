import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openTestStore, type TestStore } from './testing.ts';

let t: TestStore;
beforeEach(async () => {
  t = await openTestStore({ clock: () => Date.UTC(2026, 0, 2, 3, 4, 5) });
});
afterEach(async () => t.close());

const all = (ns = 'w') => t.rows(ns, { rank_by: ['id', 'asc'], top_k: 1000, include_attributes: true });

describe('write response', () => {
  it('reports counts, ids only when asked and present, billing and performance', async () => {
    const res = await t.write('w', {
      upsert_rows: [
        { id: 1, a: 'x' },
        { id: 2, a: 'y' },
      ],
      return_affected_ids: true,
    });
    expect(res).toMatchObject({
      status: 'OK',
      message: 'documents committed successfully',
      rows_affected: 2,
      rows_upserted: 2,
      upserted_ids: [1, 2],
      billing: { billable_logical_bytes_written: 2 * (8 + 1) },
    });
    expect(res).not.toHaveProperty('rows_deleted');
    expect(res).not.toHaveProperty('rows_patched');
    expect(res).not.toHaveProperty('billing.query');
    expect(typeof (res.performance as Record<string, unknown>).server_total_ms).toBe('number');

    const res2 = await t.write('w', {
      upsert_rows: [{ id: 3 }],
      deletes: [1, 99],
      return_affected_ids: true,
    });
    expect(res2).toMatchObject({ rows_affected: 2, rows_upserted: 1, rows_deleted: 1, deleted_ids: [1] });
    const res3 = await t.write('w', { deletes: [42], return_affected_ids: true });
    expect(res3.rows_deleted).toBe(0);
    expect(res3).not.toHaveProperty('deleted_ids');
  });

  it('creates the namespace on the first write and not on a failed one', async () => {
    await t.error(
      t.write('new', {
        upsert_rows: [
          { id: 1, a: 'x' },
          { id: 1, a: 'y' },
        ],
      }),
    );
    expect(await t.error(t.query('new', {}))).toMatchObject({ status: 404, code: 'HEV_NAMESPACE_NOT_FOUND' });
    await t.write('new', { upsert_rows: [{ id: 1 }] });
    expect(await all('new')).toEqual([{ id: 1 }]);
  });

  it('rejects an empty write and unknown fields', async () => {
    expect((await t.error(t.write('w', {}))).status).toBe(400);
    expect((await t.error(t.write('w', { upsert_rows: [], bogus: 1 }))).message).toMatch(
      /unknown field `bogus`/,
    );
  });
});

describe('ids', () => {
  it('round-trips u64 ids above 2^53 exactly, in order', async () => {
    const big = 18446744073709551615n;
    const mid = 9007199254740993n;
    await t.write('w', {
      upsert_rows: [
        { id: big, v: 1 },
        { id: mid, v: 2 },
        { id: 7, v: 3 },
      ],
    });
    const rows = await all();
    expect(rows.map((r) => r.id)).toEqual([7, mid, big]);
    expect(
      await t.rows('w', { rank_by: ['id', 'desc'], top_k: 1, filters: ['id', 'Gt', 9007199254740992n] }),
    ).toEqual([{ id: big }]);
    const reopened = await t.reopen();
    t = reopened;
    expect((await all()).map((r) => r.id)).toEqual([7, mid, big]);
  });

  it('accepts uuid ids when declared and canonicalizes them', async () => {
    await t.write('u', {
      schema: { id: 'uuid' },
      upsert_rows: [{ id: 'F47AC10B-58CC-4372-A567-0E02B2C3D479' }],
    });
    expect(await all('u')).toEqual([{ id: 'f47ac10b-58cc-4372-a567-0e02b2c3d479' }]);
    expect((await t.error(t.write('u', { upsert_rows: [{ id: 'nope' }] }))).message).toMatch(/uuid ids/);
  });

  it('has one id type per namespace and limits string ids to 64 bytes', async () => {
    await t.write('s', { upsert_rows: [{ id: 'a' }] });
    expect((await t.error(t.write('s', { upsert_rows: [{ id: 5 }] }))).message).toMatch(/string ids/);
    expect((await t.error(t.write('s', { upsert_rows: [{ id: 'x'.repeat(65) }] }))).message).toMatch(
      /64 bytes/,
    );
    await t.write('n', { upsert_rows: [{ id: 5 }] });
    expect((await t.error(t.write('n', { upsert_rows: [{ id: 'a' }] }))).message).toMatch(/uint ids/);
    expect((await t.error(t.write('n', { upsert_rows: [{ id: -1 }] }))).status).toBe(400);
    expect((await t.error(t.write('n', { upsert_rows: [{ id: 1.5 }] }))).status).toBe(400);
  });

  it('rejects the same id twice in one request, across operations', async () => {
    for (const body of [
      { upsert_rows: [{ id: 1 }, { id: 1 }] },
      { upsert_rows: [{ id: 1 }], deletes: [1] },
      { upsert_columns: { id: [1] }, patch_rows: [{ id: 1 }] },
      { patch_columns: { id: [2, 2], a: [1, 2] } },
    ]) {
      const err = await t.error(t.write('w', body));
      expect([err.status, err.code]).toEqual([400, 'HEV_DUPLICATE_ID']);
    }
  });
});

describe('operations', () => {
  it('upsert_columns, patch_rows, patch_columns and deletes', async () => {
    await t.write('w', { upsert_columns: { id: [1, 2, 3], a: ['x', null, 'z'], n: [1, 2, 3] } });
    await t.write('w', {
      patch_rows: [
        { id: 1, a: 'X', extra: true },
        { id: 99, a: 'ghost' },
      ],
      patch_columns: { id: [2, 3], n: [20, null] },
      deletes: [],
    });
    expect(await all()).toEqual([
      { id: 1, a: 'X', n: 1, extra: true },
      { id: 2, n: 20 },
      { id: 3, a: 'z' },
    ]);
  });

  it('upsert replaces the whole document', async () => {
    await t.write('w', { upsert_rows: [{ id: 1, a: 'x', b: 1 }] });
    await t.write('w', { upsert_rows: [{ id: 1, b: 2 }] });
    expect(await all()).toEqual([{ id: 1, b: 2 }]);
  });

  it('applies delete_by_filter, then patch_by_filter, then the rest', async () => {
    await t.write('w', { upsert_rows: [1, 2, 3, 4, 5].map((id) => ({ id, n: id, s: 'old' })) });
    const res = await t.write('w', {
      delete_by_filter: ['n', 'Lte', 2],
      patch_by_filter: { filters: ['n', 'Gte', 1], patch: { s: 'patched' } },
      patch_rows: [
        { id: 1, s: 'ignored: deleted earlier' },
        { id: 5, n: 50 },
      ],
      upsert_rows: [{ id: 2, n: 200, s: 'reborn' }],
      return_affected_ids: true,
    });
    expect(res).toMatchObject({
      rows_deleted: 2,
      deleted_ids: [1, 2],
      rows_patched: 3,
      patched_ids: [3, 4, 5],
      rows_upserted: 1,
      rows_remaining: false,
    });
    expect(res).toHaveProperty('billing.query.billable_logical_bytes_queried');
    expect(await all()).toEqual([
      { id: 2, n: 200, s: 'reborn' },
      { id: 3, n: 3, s: 'patched' },
      { id: 4, n: 4, s: 'patched' },
      { id: 5, n: 50, s: 'patched' },
    ]);
  });

  it('enforces by-filter caps: 400 and nothing changed, or partial with rows_remaining', async () => {
    const small = await t.reopen({ limits: { patchByFilterMax: 2, deleteByFilterMax: 3 } });
    t = small;
    await t.write('w', { upsert_rows: [1, 2, 3, 4, 5].map((id) => ({ id, n: id })) });
    const err = await t.error(
      t.write('w', {
        patch_by_filter: { filters: ['n', 'Gt', 0], patch: { n: 0 } },
        upsert_rows: [{ id: 9 }],
      }),
    );
    expect(err.message).toMatch(/patch_by_filter matched 5 documents, more than the limit of 2/);
    expect((await all()).length).toBe(5);
    const res = await t.write('w', {
      delete_by_filter: ['n', 'Gt', 0],
      delete_by_filter_allow_partial: true,
    });
    expect(res).toMatchObject({ rows_deleted: 3, rows_remaining: true });
    expect((await all()).map((r) => r.id)).toEqual([4, 5]);
  });

  it('by-filter writes on a missing namespace are 404', async () => {
    expect((await t.error(t.write('missing', { delete_by_filter: ['id', 'Gt', 0] }))).status).toBe(404);
  });
});

describe('conditional writes', () => {
  beforeEach(async () => {
    await t.write('c', {
      upsert_rows: [
        { id: 1, version: 5, s: 'a' },
        { id: 2, version: 1, s: 'b' },
      ],
    });
  });

  it('upsert_condition with $ref_new: only newer versions win; missing docs are inserted', async () => {
    const res = await t.write('c', {
      upsert_rows: [
        { id: 1, version: 4, s: 'stale' },
        { id: 2, version: 2, s: 'fresh' },
        { id: 3, version: 1, s: 'new' },
      ],
      upsert_condition: ['version', 'Lt', { $ref_new: 'version' }],
      return_affected_ids: true,
    });
    expect(res).toMatchObject({ rows_upserted: 2, upserted_ids: [2, 3], billing: { query: {} } });
    expect((await all('c')).map((r) => r.s)).toEqual(['a', 'fresh', 'new']);
  });

  it('insert-if-absent with ["id","Eq",null]', async () => {
    const res = await t.write('c', {
      upsert_rows: [
        { id: 1, s: 'x' },
        { id: 9, s: 'y' },
      ],
      upsert_condition: ['id', 'Eq', null],
    });
    expect(res.rows_upserted).toBe(1);
    expect((await all('c')).map((r) => r.s)).toEqual(['a', 'b', 'y']);
  });

  it('patch_condition and delete_condition skip missing docs and false conditions', async () => {
    const res = await t.write('c', {
      patch_rows: [
        { id: 1, s: 'p1' },
        { id: 7, s: 'ghost' },
      ],
      patch_condition: ['version', 'Gte', 5],
      deletes: [2, 8],
      delete_condition: ['s', 'Eq', 'nope'],
    });
    expect(res).toMatchObject({ rows_patched: 1, rows_deleted: 0, rows_affected: 1 });
    const res2 = await t.write('c', { deletes: [2], delete_condition: ['s', 'Eq', { $ref_new: 's' }] });
    expect(res2.rows_deleted).toBe(0); // $ref_new is null for deletes
    expect((await all('c')).map((r) => r.s)).toEqual(['p1', 'b']);
  });
});

describe('atomicity', () => {
  it('a request failing in any part changes nothing', async () => {
    await t.write('w', { upsert_rows: [{ id: 1, n: 1, s: 'a' }] });
    const before = await t.store.metadata('w').then((p) => p.value());
    const bad = [
      { upsert_rows: [{ id: 2, n: 2 }], patch_rows: [{ id: 1, n: 'not an int' }] },
      { upsert_rows: [{ id: 2, n: 2 }], deletes: [1], delete_condition: ['s', 'Eq', 5] },
      { delete_by_filter: ['n', 'Gt', 0], upsert_rows: [{ id: 3, s: 7 }] },
      {
        upsert_rows: [
          { id: 4, n: 1 },
          { id: 5, n: 'x' },
        ],
      },
      { upsert_rows: [{ id: 6, $bad: 1 }] },
      { upsert_rows: [{ id: 6, ['x'.repeat(129)]: 1 }] },
    ];
    for (const body of bad) expect((await t.error(t.write('w', body))).status).toBe(400);
    expect(await all()).toEqual([{ id: 1, n: 1, s: 'a' }]);
    expect(await t.store.metadata('w').then((p) => p.value())).toEqual(before);
    const reopened = await t.reopen();
    t = reopened;
    expect(await all()).toEqual([{ id: 1, n: 1, s: 'a' }]);
  });
});

describe('schema and types', () => {
  it('infers types, keeps them, and rejects type changes', async () => {
    await t.write('w', {
      upsert_rows: [
        { id: 1, s: 'x', i: 1, f: 2, b: true, tags: ['a'], nums: [1, 2.5] },
        { id: 2, f: 2.5 },
      ],
    });
    const schema = (await t.store.getSchema('w')).value() as Record<string, { type: string }>;
    expect(Object.fromEntries(Object.entries(schema).map(([k, v]) => [k, v.type]))).toEqual({
      id: 'uint',
      s: 'string',
      i: 'int',
      f: 'float',
      b: 'bool',
      tags: '[]string',
      nums: '[]float',
    });
    expect((await t.error(t.write('w', { upsert_rows: [{ id: 3, i: 'x' }] }))).message).toMatch(
      /type mismatch for attribute `i`: expected int/,
    );
    const err = await t.error(t.write('w', { schema: { s: 'int' } }));
    expect(err.message).toMatch(/cannot change attribute type from string to int/);
    expect(err.details).toEqual({ attribute: 's' });
  });

  it('keeps empty arrays of a new attribute and enforces per-namespace limits', async () => {
    await t.write('w', { upsert_rows: [{ id: 1, tags: [] }] });
    expect(await all()).toEqual([{ id: 1, tags: [] }]);
    const vectors = Object.fromEntries(
      Array.from({ length: 9 }, (_, i) => [`v${i}`, { type: '[2]f32', ann: true }]),
    );
    const err = await t.error(t.write('many', { schema: vectors, distance_metric: 'cosine_distance' }));
    expect(err.message).toMatch(/at most 8/);
  });

  it('stores datetimes as instants and returns them as ISO strings', async () => {
    await t.write('w', {
      schema: { at: 'datetime' },
      upsert_rows: [
        { id: 1, at: '2024-03-15T10:30:45+02:00' },
        { id: 2, at: '2024-03-15' },
      ],
    });
    expect((await all()).map((r) => r.at)).toEqual(['2024-03-15T08:30:45Z', '2024-03-15T00:00:00Z']);
  });

  it('vectors: distance_metric is required and fixed, dims fixed, every doc carries them, no patches', async () => {
    expect((await t.error(t.write('v', { upsert_rows: [{ id: 1, vector: [1, 0] }] }))).message).toMatch(
      /distance_metric is required/,
    );
    await t.write('v', { upsert_rows: [{ id: 1, vector: [1, 0] }], distance_metric: 'euclidean_squared' });
    expect(
      (
        await t.error(
          t.write('v', { upsert_rows: [{ id: 2, vector: [1, 0] }], distance_metric: 'cosine_distance' }),
        )
      ).message,
    ).toMatch(/fixed at creation/);
    expect((await t.error(t.write('v', { upsert_rows: [{ id: 2, vector: [1, 0, 0] }] }))).message).toMatch(
      /dimension mismatch/,
    );
    expect((await t.error(t.write('v', { upsert_rows: [{ id: 2 }] }))).message).toMatch(
      /missing vector attribute/,
    );
    expect((await t.error(t.write('v', { patch_rows: [{ id: 1, vector: [0, 1] }] }))).message).toMatch(
      /cannot be patched/,
    );
    const b64 = Buffer.from(new Float32Array([0.5, -2]).buffer).toString('base64');
    await t.write('v', { upsert_rows: [{ id: 2, vector: b64 }], distance_metric: 'euclidean_squared' });
    expect(await t.rows('v', { rank_by: ['id', 'asc'], include_attributes: ['vector'] })).toEqual([
      { id: 1, vector: [1, 0] },
      { id: 2, vector: [0.5, -2] },
    ]);
  });

  it('f16 vectors are rounded to half precision', async () => {
    await t.write('h', {
      schema: { vector: { type: '[2]f16', ann: true } },
      distance_metric: 'cosine_distance',
      upsert_rows: [{ id: 1, vector: [0.1, 1000.3] }],
    });
    expect(await t.rows('h', { include_attributes: ['vector'] })).toEqual([{ id: 1, vector: [0.1, 1000.5] }]);
  });

  it('refuses features it does not implement with a 400 naming them', async () => {
    const cases: [unknown, RegExp][] = [
      [
        { upsert_rows: [{ id: 1 }], encryption: { mode: 'customer-managed', key_name: 'k' } },
        /customer-managed encryption/,
      ],
      [{ upsert_rows: [{ id: 1 }], sharding: { num_shards: 2 } }, /sharding/],
      [{ schema: { e: { type: 'string', embed: 'model' } } }, /Embed/],
      [{ schema: { s: { type: '{}f16', sparse_knn: { distance_metric: 'dot_product' } } } }, /SparseKNN/],
      [{ schema: { t: { type: 'string', full_text_search: { language: 'french' } } } }, /language "french"/],
    ];
    for (const [body, message] of cases) {
      const err = await t.error(t.write('w', body));
      expect([err.status, err.code]).toEqual([400, 'HEV_UNSUPPORTED']);
      expect(err.message).toMatch(message);
    }
  });
});
