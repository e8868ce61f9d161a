/**
 * The official turbopuffer SDK against the local engine behind the gateway routes: proves the SDK
 * accepts the engine's responses (shapes, content types, status codes, errors).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Turbopuffer from '@turbopuffer/turbopuffer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGatewayServer, type GatewayServer } from '../../src/gateway/server.ts';
import { openResolver } from '../../src/gateway/target.ts';
import { createLocalStore, type LocalStore } from '../../src/stores/local/index.ts';
import { listenOnFreePort } from '../helpers/listen.ts';

let dir: string;
let store: LocalStore;
let app: GatewayServer;
let client: Turbopuffer;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hevlayer-sdk-'));
  store = await createLocalStore({ path: dir });
  app = createGatewayServer({ resolver: openResolver(store) });
  client = new Turbopuffer({ apiKey: 'x', baseURL: await listenOnFreePort(app), maxRetries: 0 });
});
afterAll(async () => {
  await app.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('turbopuffer SDK against the local engine', () => {
  it('writes, queries, multi-queries and reads metadata and schema', async () => {
    const ns = client.namespace('sdk-docs');
    const write = await ns.write({
      upsert_rows: [
        { id: 1, vector: [1, 0], title: 'quick brown fox', color: 'red' },
        { id: 2, vector: [0, 1], title: 'lazy dog', color: 'blue' },
      ],
      distance_metric: 'cosine_distance',
      schema: { title: { type: 'string', full_text_search: true } },
      return_affected_ids: true,
    });
    expect(write).toMatchObject({ status: 'OK', rows_affected: 2, upserted_ids: [1, 2] });

    const ann = await ns.query({
      rank_by: ['vector', 'ANN', [0.9, 0.1]],
      top_k: 1,
      include_attributes: ['color'],
    });
    expect(ann.rows).toEqual([{ id: 1, $dist: expect.any(Number), color: 'red' }]);
    expect(ann.performance.approx_namespace_size).toBe(2);

    const bm25 = await ns.query({ rank_by: ['title', 'BM25', 'dog'], top_k: 5 });
    expect(bm25.rows?.map((r) => r.id)).toEqual([2]);

    const agg = await ns.query({ aggregate_by: { n: ['Count'] }, group_by: ['color'] });
    expect(agg.aggregation_groups).toEqual([
      { color: 'blue', n: 1 },
      { color: 'red', n: 1 },
    ]);

    const multi = await ns.multiQuery({
      queries: [{ rank_by: ['id', 'asc'], top_k: 1 }, { aggregate_by: { n: ['Count'] } }],
    });
    expect(multi.results).toEqual([{ rows: [{ id: 1 }] }, { aggregations: { n: 2 } }]);

    const md = await ns.metadata();
    expect(md).toMatchObject({
      approx_row_count: 2,
      index: { status: 'up-to-date' },
      encryption: { mode: 'default' },
    });
    const schema = await ns.schema();
    expect(schema.color).toEqual({ type: 'string', filterable: true, full_text_search: null });
    const updated = await ns.updateSchema({ schema: { color: { type: 'string', glob: true } } } as never);
    expect(updated.color).toMatchObject({ glob: true });
    expect(await ns.exists()).toBe(true);
    expect(await client.namespace('sdk-missing').exists()).toBe(false);
  });

  it('lists, warms and deletes namespaces', async () => {
    await client.namespace('sdk-list-a').write({ upsert_rows: [{ id: 'x' }] });
    await client.namespace('sdk-list-b').write({ upsert_rows: [{ id: 'y' }] });
    const ids: string[] = [];
    for await (const n of client.namespaces({ prefix: 'sdk-list-', page_size: 1 })) ids.push(n.id);
    expect(ids).toEqual(['sdk-list-a', 'sdk-list-b']);
    expect(await client.namespace('sdk-list-a').hintCacheWarm()).toMatchObject({ status: 'ACCEPTED' });
    expect(await client.namespace('sdk-list-a').deleteAll()).toEqual({ status: 'OK' });
    await expect(client.namespace('sdk-list-a').query({ top_k: 1 })).rejects.toMatchObject({ status: 404 });
  });

  it('maps engine errors to SDK errors', async () => {
    const ns = client.namespace('sdk-errors');
    await ns.write({ upsert_rows: [{ id: 1, n: 1 }] });
    await expect(ns.write({ upsert_rows: [{ id: 2 }, { id: 2 }] })).rejects.toMatchObject({ status: 400 });
    await expect(ns.query({ rank_by: ['vector', 'kNN', [1, 0]], top_k: 1 })).rejects.toBeInstanceOf(
      Turbopuffer.BadRequestError,
    );
    await expect(ns.query({ rank_by: ['n', 'asc'], filters: ['n', 'Eq', 'x'] })).rejects.toThrow(
      /type mismatch/,
    );
  });
});
