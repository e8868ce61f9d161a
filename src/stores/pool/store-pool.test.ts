import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { buildRegistry } from '../../registry/build.ts';
import type { RegistrySnapshot } from '../../registry/types.ts';
import { validateManifestSet } from '../../resources/manifests.ts';
import { silentLogger } from '../../telemetry/logger.ts';
import { Payload } from '../../wire/payload.ts';
import { storeMethods } from '../port.ts';
import { createSecretSource } from '../../main/secrets.ts';
import { openStore, storeIdentity } from './store-factory.ts';
import { StorePool } from './store-pool.ts';
import type { NamespaceLimiter } from '../limiter/index.ts';

const V = 'hevlayer.com/v1';
let generation = 0;

function snapshotOf(
  dataDir: string,
  stores: Record<string, unknown>[],
  gateway?: Record<string, unknown>,
): RegistrySnapshot {
  const manifests: Record<string, unknown>[] = stores.map((s) => ({
    apiVersion: V,
    kind: 'VectorStore',
    ...s,
  }));
  if (gateway !== undefined)
    manifests.push({ apiVersion: V, kind: 'GatewayConfig', metadata: { name: 'g' }, spec: gateway });
  const text = manifests.map((m) => stringify(m)).join('---\n');
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
    const limiters: NamespaceLimiter[] = [];
    const options = { secrets: createSecretSource({}, undefined), maxInFlightPerNamespace: 4 };
    const pool = new StorePool({
      identity: storeIdentity,
      open: async (e) => {
        opened.push(e.name);
        const open = await openStore(e, options);
        limiters.push(open.limiter);
        return open;
      },
      logger: silentLogger(),
    });
    pools.push(pool);
    return { dir, pool, opened, limiters };
  }

  const write = (pool: StorePool, snap: RegistrySnapshot, store: string, id: number) =>
    storeMethods(pool.get([...snap.stores.values()].find((s) => s.name === store)!).dispatch).write(
      'ns',
      Payload.fromValue({ upsert_rows: [{ id }] }),
    );
  const count = async (pool: StorePool, snap: RegistrySnapshot, store: string) =>
    (
      (
        await storeMethods(pool.get([...snap.stores.values()].find((s) => s.name === store)!).dispatch).query(
          'ns',
          Payload.fromValue({ aggregate_by: { n: ['Count'] } }),
        )
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

  it('applies a changed maxInFlightPerNamespace to open stores without reopening them', async () => {
    const { dir, pool, opened, limiters } = await setup();
    const first = snapshotOf(dir, [local('a', 'data/one')], { upstream: { maxInFlightPerNamespace: 4 } });
    pool.sync(first);
    await write(pool, first, 'a', 1);
    const resized: number[] = [];
    const limiter = limiters[0]!;
    const setMax = limiter.setMaxInFlight.bind(limiter);
    limiter.setMaxInFlight = (n) => {
      resized.push(n);
      setMax(n);
    };
    const second = snapshotOf(dir, [local('a', 'data/one')], { upstream: { maxInFlightPerNamespace: 2 } });
    pool.sync(second);
    expect(await count(pool, second, 'a')).toBe(1);
    expect(opened).toEqual(['a']);
    expect(resized).toEqual([2]);
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
    await expect(
      storeMethods(pool.get(entry).dispatch).query('ns', Payload.fromValue({})),
    ).rejects.toMatchObject({
      status: 503,
      message: expect.stringContaining(
        'VectorStore tp could not be opened: environment variable MISSING_KEY is not set',
      ) as unknown,
    });
    expect(pool.state(entry)).toMatchObject({ state: 'failed' });
  });
});
