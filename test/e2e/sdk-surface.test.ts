/**
 * Issue 13 acceptance: every method of the official SDK's Namespace — enumerated from the SDK
 * itself, so a method a future SDK adds fails this test until it has a case — called through the
 * gateway on a declared Index in three topologies:
 *   (a) gateway → local store;
 *   (b) gateway A (turbopuffer adapter, baseURL = gateway B) → gateway B → local store;
 *   (c) gateway → 3-shard Index over the local store.
 * Each answer is either the correct result (values checked) or a 400 naming the feature; never a
 * 404 on a declared Index. copyFrom/branchFrom copy the topology's Index into a fresh declared
 * Index of the same shard count and check the documents arrived.
 */
import Turbopuffer, { APIError } from '@turbopuffer/turbopuffer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shardOf } from '../../src/shards/hash.ts';
import {
  indexManifest,
  localStore,
  startGatewayFixture,
  type GatewayFixture,
  gatewayConfigManifest,
  turbopufferStore,
} from '../helpers/gateway-fixture.ts';

type Ns = ReturnType<Turbopuffer['namespace']>;

interface Topology {
  readonly name: string;
  /** The Index the SDK talks to. */
  readonly index: string;
  /** Shards of the Index (1 = unsharded). */
  readonly shards: number;
}

const TOPOLOGIES: readonly Topology[] = [
  { name: 'local store', index: 'surface-local', shards: 1 },
  { name: 'turbopuffer store (gateway chain)', index: 'surface-chain', shards: 1 },
  { name: 'sharded Index (3 shards)', index: 'surface-sharded', shards: 3 },
];

const IDS = Array.from({ length: 12 }, (_, i) => i + 1);
const CATEGORIES = ['a', 'b', 'c'];
const category = (id: number) => CATEGORIES[id % 3] as string;
/** Unit vectors 0.25 rad apart: the nearest neighbours of [1, 0] are ids 1, 2, 3 in that order. */
const vectorOf = (id: number) => [Math.cos(0.25 * (id - 1)), Math.sin(0.25 * (id - 1))];

/** What one exhaustive search of top_k finds, averaged over the (existing) shards recall runs on. */
function expectedCount(t: Topology, topK: number, matching: readonly number[]): number {
  if (t.shards === 1) return Math.min(topK, matching.length);
  const existing = [...new Set(IDS.map((id) => shardOf(id, t.shards)))];
  const counts = existing.map((s) =>
    Math.min(topK, matching.filter((id) => shardOf(id, t.shards) === s).length),
  );
  return counts.reduce((a, b) => a + b, 0) / counts.length;
}

/** The error an SDK call failed with (fails the test when it succeeded). */
async function failure(p: Promise<unknown>): Promise<APIError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof APIError) return err;
    throw err;
  }
  throw new Error('expected the call to fail');
}

function errorText(err: APIError): string {
  const body = err.error as { error?: unknown; code?: unknown } | undefined;
  return `${String(body?.code)} ${String(body?.error)}`;
}

/** Every document's id and category, by id. */
async function idsAndCategories(ns: Ns): Promise<unknown[][]> {
  const res = await ns.query({ rank_by: ['id', 'asc'], top_k: 100, include_attributes: ['category'] });
  return (res.rows ?? []).map((r) => [r.id, r.category]);
}

type Case = (ns: Ns, t: Topology, client: Turbopuffer) => Promise<void>;

/** One case per SDK Namespace method, in the order they run (write first, deleteAll last). */
const CASES: Record<string, Case> = {
  async write(ns) {
    const res = await ns.write({
      upsert_rows: IDS.map((id) => ({
        id,
        vector: vectorOf(id),
        category: category(id),
        title: `doc ${id}`,
      })),
      distance_metric: 'cosine_distance',
      schema: { title: { type: 'string', full_text_search: true } },
      return_affected_ids: true,
    });
    expect(res.rows_affected).toBe(12);
    expect(res.upserted_ids).toEqual(IDS);
  },

  async updateSchema(ns) {
    const schema = await ns.updateSchema({ schema: { note: { type: 'string', filterable: true } } });
    expect(schema.note).toMatchObject({ type: 'string', filterable: true });
    expect(schema.title).toMatchObject({ type: 'string' });
  },

  async query(ns) {
    const res = await ns.query({
      rank_by: ['vector', 'ANN', [1, 0]],
      top_k: 3,
      include_attributes: ['category'],
    });
    expect(res.rows?.map((r) => [r.id, r.category])).toEqual([
      [1, 'b'],
      [2, 'c'],
      [3, 'a'],
    ]);
  },

  async multiQuery(ns) {
    const res = await ns.multiQuery({
      queries: [{ rank_by: ['id', 'desc'], top_k: 2 }, { aggregate_by: { n: ['Count'] } }],
    });
    expect(res.results[0]?.rows?.map((r) => r.id)).toEqual([12, 11]);
    expect(res.results[1]?.aggregations).toEqual({ n: 12 });
  },

  async explainQuery(ns, t) {
    const res = await ns.explainQuery({
      rank_by: ['vector', 'ANN', [1, 0]],
      top_k: 3,
      filters: ['category', 'Eq', 'a'],
    });
    const plan = res.plan_text ?? '';
    expect(plan).toMatch(/exhaustive vector scan of "vector"/);
    expect(plan).toMatch(/filter \["category","Eq","a"\]/);
    if (t.shards === 1) {
      // The engine that ran it names its namespace: the Index's upstream namespace, unchanged.
      expect(plan).toMatch(new RegExp(`namespace "${t.index}": 12 documents`));
      expect(plan).toMatch(/returned: 3 rows/);
    } else {
      for (let i = 0; i < t.shards; i++)
        expect(plan).toMatch(new RegExp(`shard ${i} \\(${t.index}-${i}\\):`));
    }
    // A query the engine rejects is rejected alike when explained.
    const bad = { rank_by: ['vector', 'Closest', [1, 0]], top_k: 1 } as never;
    const asQuery = await failure(ns.query(bad));
    const asExplain = await failure(ns.explainQuery(bad));
    expect([asQuery.status, asExplain.status]).toEqual([400, 400]);
    // A sharded Index names the shard that answered first, which varies from call to call.
    const unlabelled = (err: APIError) => errorText(err).replace(/shard \d+ \([^)]*\): /, '');
    expect(unlabelled(asExplain)).toBe(unlabelled(asQuery));
  },

  async recall(ns, t) {
    const res = await ns.recall({ num: 5, top_k: 3 });
    expect(res).toEqual({
      avg_recall: 1,
      avg_ann_count: expectedCount(t, 3, IDS),
      avg_exhaustive_count: expectedCount(t, 3, IDS),
    });
    const inA = IDS.filter((id) => category(id) === 'a');
    const filtered = await ns.recall({ num: 4, top_k: 10, filters: ['category', 'Eq', 'a'] });
    expect(filtered).toEqual({
      avg_recall: 1,
      avg_ann_count: expectedCount(t, 10, inA),
      avg_exhaustive_count: expectedCount(t, 10, inA),
    });
    if (t.shards === 1) {
      const truth = await ns.recall({
        rank_by: ['vector', 'ANN', [1, 0]],
        top_k: 2,
        include_ground_truth: true,
      });
      expect(truth.ground_truth?.map((g) => g.nearest_neighbors.map((r) => r.id))).toEqual([[1, 2]]);
      expect(truth.ground_truth?.[0]?.query_vector).toEqual([1, 0]);
    } else {
      const err = await failure(ns.recall({ num: 2, include_ground_truth: true }));
      expect(err.status).toBe(400);
      expect(errorText(err)).toMatch(/include_ground_truth is not supported on a sharded Index/);
    }
  },

  async metadata(ns) {
    const meta = await ns.metadata();
    expect(meta.approx_row_count).toBe(12);
    expect(meta.schema.title).toBeDefined();
  },

  async updateMetadata(ns) {
    const pinned = await failure(ns.updateMetadata({ pinning: { replicas: 2 } }));
    expect(pinned.status).toBe(400);
    expect(errorText(pinned)).toMatch(/HEV_UNSUPPORTED .*pinning/);
    // Nothing to change, and unpinning an unpinned namespace: the metadata comes back.
    for (const body of [{}, { pinning: null }, { pinning: false }]) {
      const meta = await ns.updateMetadata(body);
      expect(meta.approx_row_count).toBe(12);
      expect(meta.pinning).toBeUndefined();
    }
  },

  async schema(ns) {
    const schema = await ns.schema();
    expect(Object.keys(schema)).toEqual(
      expect.arrayContaining(['id', 'vector', 'category', 'title', 'note']),
    );
    expect(schema.title?.full_text_search).toBeTruthy();
  },

  async exists(ns, _t, client) {
    expect(await ns.exists()).toBe(true);
    expect(await client.namespace('not-declared-here').exists()).toBe(false);
  },

  async hintCacheWarm(ns) {
    expect(await ns.hintCacheWarm()).toMatchObject({ status: 'ACCEPTED' });
  },

  async copyFrom(_ns, t, client) {
    const target = client.namespace(`${t.index}-copy`);
    expect(await target.copyFrom({ source_namespace: t.index })).toMatchObject({ status: 'OK' });
    expect(await idsAndCategories(target)).toEqual(IDS.map((id) => [id, category(id)]));
  },

  async branchFrom(_ns, t, client) {
    const target = client.namespace(`${t.index}-branch`);
    expect(await target.branchFrom({ source_namespace: t.index })).toMatchObject({ status: 'OK' });
    expect(await idsAndCategories(target)).toEqual(IDS.map((id) => [id, category(id)]));
  },

  async deleteAll(ns) {
    expect(await ns.deleteAll()).toMatchObject({ status: 'OK' });
    expect(await ns.exists()).toBe(false);
  },
};

/** The fresh Indexes copyFrom and branchFrom write into. */
function copyTargets(index: string, spec: Record<string, unknown> = {}): Record<string, unknown>[] {
  return [indexManifest(`${index}-copy`, spec), indexManifest(`${index}-branch`, spec)];
}

let gatewayB: GatewayFixture;
let gatewayA: GatewayFixture;
const clients = new Map<string, Turbopuffer>();

beforeAll(async () => {
  gatewayB = await startGatewayFixture({
    manifests: [
      gatewayConfigManifest(),
      localStore(),
      indexManifest('surface-local'),
      indexManifest('surface-chain'),
      indexManifest('surface-sharded', { backend: { shards: 3 } }),
      ...copyTargets('surface-local'),
      ...copyTargets('surface-chain'),
      ...copyTargets('surface-sharded', { backend: { shards: 3 } }),
    ],
  });
  gatewayA = await startGatewayFixture({
    manifests: [
      gatewayConfigManifest(),
      turbopufferStore('gateway-b', { baseURL: gatewayB.url, apiKeyEnv: 'B_KEY' }),
      indexManifest('surface-chain'),
      ...copyTargets('surface-chain'),
    ],
    env: { B_KEY: 'key-of-a-at-b' },
  });
  const client = (url: string) =>
    new Turbopuffer({ apiKey: 'unused-in-open-mode', baseURL: url, maxRetries: 0 });
  clients.set('surface-local', client(gatewayB.url));
  clients.set('surface-sharded', client(gatewayB.url));
  clients.set('surface-chain', client(gatewayA.url));
});

afterAll(async () => {
  await gatewayA?.close();
  await gatewayB?.close();
});

/** The SDK's own list of namespace methods. */
function sdkNamespaceMethods(): string[] {
  const ns = new Turbopuffer({ apiKey: 'x', baseURL: 'http://127.0.0.1:1' }).namespace('x');
  const proto = Object.getPrototypeOf(ns) as object;
  return Object.getOwnPropertyNames(proto).filter(
    (name) => name !== 'constructor' && typeof (proto as Record<string, unknown>)[name] === 'function',
  );
}

describe('the SDK surface through the gateway', () => {
  it('has a case for every Namespace method of the SDK, and no case for a method it lacks', () => {
    const methods = sdkNamespaceMethods();
    expect(methods.length).toBeGreaterThanOrEqual(14);
    expect(methods.filter((m) => CASES[m] === undefined)).toEqual([]);
    expect(Object.keys(CASES).filter((m) => !methods.includes(m))).toEqual([]);
  });

  for (const t of TOPOLOGIES) {
    describe(t.name, () => {
      for (const [method, run] of Object.entries(CASES)) {
        it(`${method}: the correct answer or a 400 naming the feature`, async () => {
          const client = clients.get(t.index) as Turbopuffer;
          await run(client.namespace(t.index), t, client);
        });
      }
    });
  }
});
