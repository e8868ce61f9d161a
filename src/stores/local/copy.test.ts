import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openTestStore, type TestStore } from './testing.ts';

let t: TestStore;
beforeEach(async () => {
  t = await openTestStore();
});
afterEach(async () => t.close());

const all = (ns: string) => t.rows(ns, { rank_by: ['id', 'asc'], top_k: 1000, include_attributes: true });

const SCHEMA = { title: { type: 'string', full_text_search: true }, n: 'int' };

async function seed(ns = 'src'): Promise<void> {
  await t.write(ns, {
    schema: SCHEMA,
    distance_metric: 'euclidean_squared',
    upsert_rows: [
      { id: 2, title: 'blue shoe', n: 7, vector: [0, 1] },
      { id: 1, title: 'red hat', n: 3, vector: [1, 0] },
    ],
  });
}

describe.each(['copy_from_namespace', 'branch_from_namespace'])('%s on the local engine', (field) => {
  it.each([
    ['string form', (name: string) => name],
    ['object form', (name: string) => ({ source_namespace: name })],
  ])('%s copies every document and the schema into a new namespace', async (_form, source) => {
    await seed();
    const res = await t.write('dst', { [field]: source('src') });
    expect(res).toMatchObject({ status: 'OK', rows_affected: 2 });
    expect(await all('dst')).toEqual(await all('src'));
    expect(await all('dst')).toEqual([
      { id: 1, title: 'red hat', n: 3, vector: [1, 0] },
      { id: 2, title: 'blue shoe', n: 7, vector: [0, 1] },
    ]);
    const schema = await t.store.getSchema('dst');
    expect(schema.value()).toEqual((await t.store.getSchema('src')).value());
    const nearest = await t.rows('dst', { rank_by: ['vector', 'ANN', [0.9, 0.1]], top_k: 1 });
    expect(nearest.map((r) => r.id)).toEqual([1]);
    const bm25 = await t.rows('dst', { rank_by: ['title', 'BM25', 'shoe'], top_k: 5 });
    expect(bm25.map((r) => r.id)).toEqual([2]);
  });

  it('the copy is independent of its source afterwards, and durable', async () => {
    await seed();
    await t.write('dst', { [field]: 'src' });
    await t.write('src', { deletes: [1] });
    await t.write('dst', { upsert_rows: [{ id: 3, title: 'green', n: 1, vector: [1, 1] }] });
    t = await t.reopen();
    expect((await all('src')).map((r) => r.id)).toEqual([2]);
    expect((await all('dst')).map((r) => r.id)).toEqual([1, 2, 3]);
  });

  it('refuses a target that already exists, and changes nothing', async () => {
    await seed();
    await t.write('dst', { upsert_rows: [{ id: 9 }] });
    const err = await t.error(t.write('dst', { [field]: 'src' }));
    expect(err.status).toBe(400);
    expect(err.message).toMatch(/needs an empty target, and namespace 'dst' already exists/);
    expect(await all('dst')).toEqual([{ id: 9 }]);
  });

  it('answers 404 for a missing source and creates nothing', async () => {
    const err = await t.error(t.write('dst', { [field]: 'nope' }));
    expect(err).toMatchObject({ status: 404, code: 'HEV_NAMESPACE_NOT_FOUND' });
    expect((await t.error(t.query('dst', {}))).status).toBe(404);
  });

  it('refuses copying a namespace into itself', async () => {
    await seed();
    const err = await t.error(t.write('src', { [field]: 'src' }));
    expect(err.message).toMatch(/cannot be copied into itself/);
  });
});

describe('copy_from_namespace: what travels with it', () => {
  it.each([
    [
      { copy_from_namespace: 'src', return_affected_ids: true },
      /cannot be combined with `return_affected_ids`/,
    ],
    [
      { copy_from_namespace: { source_namespace: 'src', source_region: 'x' } },
      /source_region is not accepted/,
    ],
    [
      { copy_from_namespace: { source_namespace: 'src', dest_encryption: { mode: 'customer-managed' } } },
      /dest_encryption other than/,
    ],
    [{ copy_from_namespace: 'src', upsert_rows: [{ id: 5 }] }, /cannot be combined with upsert_rows/],
  ])('%j is a 400 and creates nothing', async (body, message) => {
    await seed();
    const err = await t.error(t.write('dst', body));
    expect(err.status).toBe(400);
    expect(err.message).toMatch(message);
    expect((await t.error(t.query('dst', {}))).status).toBe(404);
  });

  it('accepts default encryption', async () => {
    await seed();
    await t.write('dst', { copy_from_namespace: 'src', encryption: { mode: 'default' } });
    expect((await all('dst')).length).toBe(2);
  });
});
