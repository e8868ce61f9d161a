import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { buildRegistry } from '../registry/build.ts';
import type { RegistrySnapshot } from '../registry/types.ts';
import { validateManifestSet } from '../resources/manifests.ts';
import { silentLogger } from '../telemetry/logger.ts';
import { Payload } from '../wire/payload.ts';
import { createSecretSource } from './secrets.ts';
import { openStore, storeIdentity } from './store-factory.ts';
import { StorePool } from './store-pool.ts';

const V = 'hevlayer.com/v1';
let generation = 0;

function snapshotOf(dataDir: string, stores: Record<string, unknown>[]): RegistrySnapshot {
  const text = stores.map((s) => stringify({ apiVersion: V, kind: 'VectorStore', ...s })).join('---\n');
  const set = validateManifestSet([{ file: 'x.yaml', text }]);
  expect(set.problems.filter((p) => p.severity === 'error')).toEqual([]);
  return buildRegistry({
    resources: set.resources,
    generation: ++generation,
    loadedAt: new Date().toISOString(),
    dataDir,
  });
}

const local = (name: string, path: string) => ({
  metadata: { name },
  spec: { provider: 'local', local: { path } },
});

describe('StorePool', () => {
  const dirs: string[] = [];
  const pools: StorePool[] = [];
  afterEach(async () => {
    await Promise.all(pools.splice(0).map((p) => p.close()));
    await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
  });

  async function setup() {
    const dir = await mkdtemp(join(tmpdir(), 'hevlayer-pool-'));
    dirs.push(dir);
    const opened: string[] = [];
    const options = { secrets: createSecretSource({}, undefined), maxInFlightPerNamespace: 4 };
    const pool = new StorePool({
      identity: (e) => storeIdentity(e, options),
      open: async (e) => {
        opened.push(e.name);
        return openStore(e, options);
      },
      logger: silentLogger(),
    });
    pools.push(pool);
    return { dir, pool, opened };
  }

  const write = (pool: StorePool, snap: RegistrySnapshot, store: string, id: number) =>
    pool
      .get([...snap.stores.values()].find((s) => s.name === store)!)
      .write('ns', Payload.fromValue({ upsert_rows: [{ id }] }));
  const count = async (pool: StorePool, snap: RegistrySnapshot, store: string) =>
    (
      (
        await pool
          .get([...snap.stores.values()].find((s) => s.name === store)!)
          .query('ns', Payload.fromValue({ aggregate_by: { n: ['Count'] } }))
      ).value() as {
        aggregations: { n: number };
      }
    ).aggregations.n;

  it('shares one engine between stores on one path and keeps it across unchanged reloads', async () => {
    const { dir, pool, opened } = await setup();
    const first = snapshotOf(dir, [local('a', 'data/one'), local('b', 'data/one')]);
    pool.sync(first);
    await write(pool, first, 'a', 1);
    expect(await count(pool, first, 'b')).toBe(1);
    const second = snapshotOf(dir, [local('a', 'data/one'), local('b', 'data/one')]);
    pool.sync(second);
    expect(await count(pool, second, 'a')).toBe(1);
    expect(opened).toEqual(['a']);
  });

  it('closes a store nobody uses and reopens a path after its previous engine closed', async () => {
    const { dir, pool, opened } = await setup();
    const first = snapshotOf(dir, [local('a', 'data/one')]);
    pool.sync(first);
    await write(pool, first, 'a', 7);
    pool.sync(snapshotOf(dir, [local('c', 'data/two')]));
    const third = snapshotOf(dir, [local('a', 'data/one')]);
    pool.sync(third);
    // The engine on data/one was closed (releasing its lock) before it was opened again.
    expect(await count(pool, third, 'a')).toBe(1);
    expect(opened).toEqual(['a', 'c', 'a']);
  });

  it('answers 503 naming the store when it cannot be opened, and says nothing of secret values', async () => {
    const { dir, pool } = await setup();
    const snap = snapshotOf(dir, [
      {
        metadata: { name: 'tp' },
        spec: {
          provider: 'turbopuffer',
          turbopuffer: { baseURL: 'http://127.0.0.1:9', apiKeyEnv: 'MISSING_KEY' },
        },
      },
    ]);
    pool.sync(snap);
    const entry = [...snap.stores.values()][0]!;
    await expect(pool.get(entry).query('ns', Payload.fromValue({}))).rejects.toMatchObject({
      status: 503,
      message: expect.stringContaining(
        'VectorStore tp could not be opened: environment variable MISSING_KEY is not set',
      ) as unknown,
    });
    expect(pool.state(entry)).toMatchObject({ state: 'failed' });
  });
});
