/**
 * Namespace-level endpoints (reference §6): listing with prefix/page_size/cursor, metadata, schema
 * get/update, exists, delete and hint_cache_warm.
 */
import { describe, expect } from 'vitest';
import { NotFoundError } from '@turbopuffer/turbopuffer';
import { allRows, expectBadRequest, expectNotFound, idsOf, type Harness } from '../harness.ts';
import { LIST_PREFIX, NS, metricOf } from '../namespaces.ts';

const LISTED = [NS.listA, NS.listB, NS.listC, NS.listD, NS.listE];
const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

export function defineNamespaceApiCases(h: Harness): void {
  describe('namespace endpoints', () => {
    h.it('lists by prefix in pages of page_size, following next_cursor', async () => {
      for (const name of LISTED) await h.ns(name).write({ upsert_rows: [{ id: 1, name }] });
      const seen: string[] = [];
      let page = await h.client.namespaces({ prefix: LIST_PREFIX, page_size: 2 });
      for (let guard = 0; guard < 10; guard++) {
        expect(page.namespaces.length).toBeLessThanOrEqual(2);
        seen.push(...page.namespaces.map((n) => n.id));
        if (!page.hasNextPage()) break;
        expect(typeof page.next_cursor).toBe('string');
        page = await page.getNextPage();
      }
      expect(seen).toHaveLength(LISTED.length);
      expect([...seen].sort()).toEqual([...LISTED].sort());
    });

    h.it('iterates every page with the SDK auto-pager, and a longer prefix narrows the list', async () => {
      for (const name of LISTED) await h.ns(name).write({ upsert_rows: [{ id: 2, name }] });
      const all: string[] = [];
      for await (const summary of h.client.namespaces({ prefix: LIST_PREFIX, page_size: 3 }))
        all.push(summary.id);
      expect([...all].sort()).toEqual([...LISTED].sort());
      const narrow = await h.client.namespaces({ prefix: NS.listC });
      expect(narrow.namespaces.map((n) => n.id)).toEqual([NS.listC]);
    });

    h.it('metadata reports counts, timestamps, index status and schema after writes', async () => {
      const ns = h.ns(NS.meta);
      await ns.write({
        distance_metric: metricOf(NS.meta),
        upsert_rows: [
          { id: 1, vector: [1, 0], title: 'a', private: true },
          { id: 2, vector: [0, 1], title: 'b', private: false },
          { id: 3, vector: [1, 1], title: 'c', private: true },
        ],
      });
      const meta = await ns.metadata();
      expect(meta.approx_row_count).toBe(3);
      expect(meta.approx_logical_bytes).toBeGreaterThan(0);
      expect(meta.created_at).toMatch(ISO_8601);
      expect(meta.updated_at).toMatch(ISO_8601);
      expect(Date.parse(meta.updated_at)).toBeGreaterThanOrEqual(Date.parse(meta.created_at));
      expect(['up-to-date', 'updating']).toContain(meta.index.status);
      expect(meta.encryption).toBeDefined();
      expect(meta.schema['id']?.type).toBe('uint');
      expect(meta.schema['title']?.type).toBe('string');
      expect(meta.schema['private']?.type).toBe('bool');
      expect(meta.schema['vector']).toMatchObject({
        type: '[2]f32',
        ann: { distance_metric: 'cosine_distance' },
      });
    });

    h.it('metadata follows later writes: row count after deletes, updated_at never moves back', async () => {
      const ns = h.ns(NS.metaUpdate);
      await ns.write({ upsert_rows: [1, 2, 3, 4].map((id) => ({ id, n: id })) });
      const first = await ns.metadata();
      expect(first.approx_row_count).toBe(4);
      await ns.write({ deletes: [1, 2, 3] });
      const second = await ns.metadata();
      expect(second.approx_row_count).toBe(1);
      expect(second.created_at).toBe(first.created_at);
      expect(Date.parse(second.updated_at)).toBeGreaterThanOrEqual(Date.parse(first.updated_at));
    });

    h.it('schema() returns every attribute with its type', async () => {
      const ns = h.ns(NS.schemaGet);
      await ns.write({ upsert_rows: [{ id: 1, s: 'x', i: -3, b: true, f: 0.5, tags: ['a'], nums: [1, 2] }] });
      const schema = await ns.schema();
      const types = Object.fromEntries(Object.entries(schema).map(([k, v]) => [k, v.type]));
      expect(types).toEqual({
        id: 'uint',
        s: 'string',
        i: 'int',
        b: 'bool',
        f: 'float',
        tags: '[]string',
        nums: '[]int',
      });
    });

    h.it('updateSchema enables full-text search on an existing attribute and adds new ones', async () => {
      const ns = h.ns(NS.schemaUpdate);
      await ns.write({
        upsert_rows: [
          { id: 1, text: 'walrus on the beach' },
          { id: 2, text: 'penguin on ice' },
        ],
      });
      const updated = await ns.updateSchema({
        schema: { text: { type: 'string', full_text_search: true }, seen_at: 'datetime' },
      });
      expect(updated['text']?.type).toBe('string');
      expect(updated['text']?.full_text_search).toBeTruthy();
      expect(updated['seen_at']?.type).toBe('datetime');
      expect((await ns.schema())['seen_at']?.type).toBe('datetime');
      const hits = await ns.query({ rank_by: ['text', 'BM25', 'penguin'], top_k: 5 });
      expect(idsOf(hits.rows)).toEqual([2]);
      await ns.write({ upsert_rows: [{ id: 3, text: 'late penguin', seen_at: '2024-05-01T00:00:00Z' }] });
      expect(await allRows(ns)).toHaveLength(3);
    });

    h.it("updateSchema changing an attribute's type is a 400 and changes nothing", async () => {
      const ns = h.ns(NS.schemaConflict);
      await ns.write({ upsert_rows: [{ id: 1, n: 1 }] });
      await expectBadRequest(ns.updateSchema({ schema: { n: 'string' } }));
      expect((await ns.schema())['n']?.type).toBe('int');
      const same = await ns.updateSchema({ schema: { n: { type: 'int', filterable: true } } }); // control
      expect(same['n']?.type).toBe('int');
    });

    h.it('exists() is false until the first write creates the namespace', async () => {
      const ns = h.ns(NS.exists);
      expect(await ns.exists()).toBe(false);
      await ns.write({ upsert_rows: [{ id: 1 }] });
      expect(await ns.exists()).toBe(true);
    });

    h.it('deleteAll removes the namespace: then query and metadata are 404', async () => {
      const ns = h.ns(NS.deleteNs);
      await ns.write({ upsert_rows: [{ id: 1, n: 1 }] });
      expect(await ns.deleteAll()).toMatchObject({ status: expect.stringMatching(/^ok$/i) as unknown });
      await expectNotFound(ns.query({ rank_by: ['id', 'asc'], limit: 10 }));
      await expectNotFound(ns.metadata());
      expect(await ns.exists()).toBe(false);
    });

    h.it('a deleted namespace name can be written again and starts empty', async () => {
      const ns = h.ns(NS.deleteReuse);
      await ns.write({ upsert_rows: [{ id: 1, old: true }] });
      await ns.deleteAll();
      await ns.write({ upsert_rows: [{ id: 2, fresh: 'yes' }] });
      expect(await allRows(ns)).toEqual([{ id: 2, fresh: 'yes' }]);
      expect((await ns.schema())['old']).toBeUndefined();
    });

    h.it('a namespace that was never written is a 404 for query, metadata, schema and delete', async () => {
      const ns = h.ns(NS.neverWritten);
      await expectNotFound(ns.query({ rank_by: ['id', 'asc'], limit: 10 }));
      await expectNotFound(ns.metadata());
      await expectNotFound(ns.schema());
      await expectNotFound(ns.deleteAll());
      const err = await ns.query({ aggregate_by: { n: ['Count'] } }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(NotFoundError);
    });

    h.it('a namespace emptied by deletes still exists and answers with no rows', async () => {
      const ns = h.ns(NS.emptied);
      await ns.write({ upsert_rows: [{ id: 1 }, { id: 2 }] });
      await ns.write({ deletes: [1, 2] });
      expect(await ns.exists()).toBe(true);
      expect((await ns.query({ rank_by: ['id', 'asc'], limit: 10 })).rows).toEqual([]);
    });

    h.it('hint_cache_warm answers 202 {status: ACCEPTED}', async () => {
      const ns = h.ns(NS.warm);
      await ns.write({ upsert_rows: [{ id: 1 }] });
      const res = await ns.hintCacheWarm();
      expect(res.status).toBe('ACCEPTED');
      const raw = await h.raw('GET', `/v1/namespaces/${NS.warm}/hint_cache_warm`);
      expect(raw.status).toBe(202);
      expect(raw.json()).toMatchObject({ status: 'ACCEPTED' });
    });
  });
}
