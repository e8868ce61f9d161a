import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLocalStore } from './index.ts';
import { Payload } from '../../wire/payload.ts';
import { openTestStore, type TestStore } from './testing.ts';

let now = Date.UTC(2026, 0, 1);
let t: TestStore;
beforeEach(async () => {
  now = Date.UTC(2026, 0, 1);
  t = await openTestStore({ clock: () => now });
});
afterEach(async () => t.close());

const list = async (params: { prefix?: string; cursor?: string; pageSize?: number }) =>
  (await t.store.listNamespaces(params)).value() as {
    namespaces: { id: string }[];
    next_cursor: string | null;
  };

describe('listing', () => {
  it('pages in name order with prefix and cursor; next_cursor is null on the last page', async () => {
    for (const ns of ['b', 'a', 'foo', 'foo-bar', 'foo.baz', 'zed'])
      await t.write(ns, { upsert_rows: [{ id: 1 }] });
    const first = await list({ pageSize: 4 });
    expect(first.namespaces.map((n) => n.id)).toEqual(['a', 'b', 'foo', 'foo-bar']);
    expect(first.next_cursor).toEqual(expect.any(String));
    const second = await list({ pageSize: 4, cursor: first.next_cursor as string });
    expect(second).toEqual({ namespaces: [{ id: 'foo.baz' }, { id: 'zed' }], next_cursor: null });
    expect((await list({ prefix: 'foo' })).namespaces.map((n) => n.id)).toEqual([
      'foo',
      'foo-bar',
      'foo.baz',
    ]);
    expect((await list({})).namespaces).toHaveLength(6);
    expect((await t.error(t.store.listNamespaces({ pageSize: 1001 }))).status).toBe(400);
  });
});

describe('metadata', () => {
  it('has the schema, exact counts and timestamps', async () => {
    await t.write('m', {
      upsert_rows: [
        { id: 1, title: 'hello', vector: [1, 0] },
        { id: 2, title: 'world', vector: [0, 1] },
      ],
      distance_metric: 'cosine_distance',
      schema: { title: { type: 'string', full_text_search: true } },
    });
    now += 60_000;
    await t.store.updateSchema('m', payload({ title: { type: 'string', full_text_search: { k1: 1.5 } } }));
    const md = (await t.store.metadata('m')).value();
    expect(md).toEqual({
      schema: {
        id: { type: 'uint' },
        title: {
          type: 'string',
          filterable: false,
          full_text_search: {
            tokenizer: 'word_v3',
            case_sensitive: false,
            language: 'english',
            stemming: false,
            remove_stopwords: true,
            ascii_folding: false,
            max_token_length: 39,
            k1: 1.5,
            b: 0.75,
            k3: 8,
          },
        },
        vector: { type: '[2]f32', ann: { distance_metric: 'cosine_distance' } },
      },
      approx_row_count: 2,
      approx_logical_bytes: 2 * (8 + 5 + 8),
      created_at: '2026-01-01T00:00:00Z',
      updated_at: '2026-01-01T00:01:00Z',
      last_write_at: '2026-01-01T00:00:00Z',
      encryption: { mode: 'default' },
      index: { status: 'up-to-date' },
    });
    expect((await t.error(t.store.metadata('missing'))).status).toBe(404);
  });
});

function payload(v: unknown) {
  return Payload.fromValue(v);
}

describe('schema endpoints', () => {
  beforeEach(async () => {
    await t.write('s', {
      upsert_rows: [{ id: 1, private: true, name: 'n', vector: [1, 2] }],
      distance_metric: 'euclidean_squared',
    });
  });

  it('GET has every key with nulls', async () => {
    expect((await t.store.getSchema('s')).value()).toEqual({
      id: { type: 'uint', filterable: null, full_text_search: null },
      private: { type: 'bool', filterable: true, full_text_search: null },
      name: { type: 'string', filterable: true, full_text_search: null },
      vector: { type: '[2]f32', ann: true, filterable: null, full_text_search: null },
    });
  });

  it('POST changes online options, adds attributes, and never changes types', async () => {
    const res = (
      await t.store.updateSchema(
        's',
        payload({ name: { type: 'string', full_text_search: true, regex: true }, added: '[]int' }),
      )
    ).value();
    expect(res).toMatchObject({
      name: { type: 'string', filterable: true, full_text_search: { k1: 1.2 }, regex: true },
      added: { type: '[]int', filterable: true, full_text_search: null },
    });
    // The new index serves at once.
    expect(await t.rows('s', { rank_by: ['name', 'BM25', 'n'] })).toEqual([
      { id: 1, $dist: expect.any(Number) },
    ]);
    const off = (
      await t.store.updateSchema('s', payload({ name: { type: 'string', full_text_search: false } }))
    ).value();
    expect(off).toMatchObject({ name: { full_text_search: null } });
    const err = await t.error(t.store.updateSchema('s', payload({ private: 'string' })));
    expect([err.status, err.details]).toEqual([400, { attribute: 'private' }]);
    expect((await t.error(t.store.updateSchema('s', payload({ name: { filterable: false } })))).status).toBe(
      422,
    );
    expect((await t.error(t.store.updateSchema('s', payload({ schema: { name: 'string' } })))).status).toBe(
      422,
    );
    expect((await t.error(t.store.updateSchema('missing', payload({ a: 'string' })))).status).toBe(404);
  });
});

describe('delete and warm', () => {
  it('deletes a namespace (404 afterwards and when missing); the name is reusable', async () => {
    await t.write('d', { upsert_rows: [{ id: 1, a: 'x' }] });
    expect((await t.store.deleteNamespace('d')).value()).toEqual({ status: 'OK' });
    expect((await t.error(t.query('d', {}))).status).toBe(404);
    expect((await t.error(t.store.deleteNamespace('d'))).status).toBe(404);
    await t.write('d', { upsert_rows: [{ id: 'a', a: 5 }] });
    expect(await t.rows('d', { include_attributes: true })).toEqual([{ id: 'a', a: 5 }]);
  });

  it('an emptied namespace still exists', async () => {
    await t.write('e', { upsert_rows: [{ id: 1 }] });
    await t.write('e', { deletes: [1] });
    expect(await t.rows('e', {})).toEqual([]);
  });

  it('hint_cache_warm accepts and loads in the background', async () => {
    await t.write('h', { upsert_rows: [{ id: 1 }] });
    const reopened = await t.reopen({ clock: () => now });
    t = reopened;
    expect((await t.store.hintCacheWarm('h')).value()).toEqual({
      status: 'ACCEPTED',
      message: 'cache warm hint accepted',
    });
    await new Promise((r) => setImmediate(r));
    const res = await t.query('h', {});
    expect(res.performance).toMatchObject({ cache_temperature: 'hot', cache_hit_ratio: 1 });
    expect((await t.error(t.store.hintCacheWarm('missing'))).status).toBe(404);
  });
});

describe('durability and locking', () => {
  it('a second store on the same directory is refused with a clear error', async () => {
    await expect(createLocalStore({ path: t.dir })).rejects.toThrow(/in use by another process/);
  });

  it('everything survives a clean close and reopen', async () => {
    await t.write('r', {
      upsert_rows: [{ id: 1, text: 'hello world', vector: [0.5, 0.25], tags: ['a'] }],
      distance_metric: 'cosine_distance',
      schema: { text: { type: 'string', full_text_search: true } },
    });
    const before = (await t.store.metadata('r')).value();
    const reopened = await t.reopen({ clock: () => now });
    t = reopened;
    expect((await t.store.metadata('r')).value()).toEqual(before);
    const cold = await t.query('r', { rank_by: ['text', 'BM25', 'hello'], include_attributes: true });
    expect(cold.rows).toEqual([
      { id: 1, $dist: expect.any(Number), text: 'hello world', vector: [0.5, 0.25], tags: ['a'] },
    ]);
    expect(cold.performance).toMatchObject({ cache_temperature: 'cold', cache_hit_ratio: 0 });
  });

  it('evicted namespaces are reloaded from disk transparently', async () => {
    const small = await t.reopen({ maxLoadedNamespaces: 1, clock: () => now });
    t = small;
    await t.write('one', { upsert_rows: [{ id: 1, a: 1 }] });
    await t.write('two', { upsert_rows: [{ id: 2, a: 2 }] });
    expect(await t.rows('one', { include_attributes: ['a'] })).toEqual([{ id: 1, a: 1 }]);
    await t.write('two', { patch_rows: [{ id: 2, a: 3 }] });
    expect(await t.rows('two', { include_attributes: ['a'] })).toEqual([{ id: 2, a: 3 }]);
  });

  it('a closed store refuses calls', async () => {
    await t.store.close();
    expect((await t.error(t.query('x', {}))).status).toBe(503);
  });
});
