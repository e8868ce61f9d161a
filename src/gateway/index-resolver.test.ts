import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { buildRegistry } from '../registry/build.ts';
import type { RegistrySnapshot, StoreEntry } from '../registry/types.ts';
import { validateManifestSet } from '../resources/manifests.ts';
import type { VectorStore } from '../stores/port.ts';
import { HevError } from '../wire/errors.ts';
import { Payload } from '../wire/payload.ts';
import { effectiveFanOut } from '../registry/fan-out.ts';
import { storeMethods } from '../stores/port.ts';
import { createIndexResolver } from './index-resolver.ts';

const V = 'hevlayer.com/v1';

function snapshotOf(manifests: Record<string, unknown>[]): RegistrySnapshot {
  const set = validateManifestSet([
    { file: 'all.yaml', text: manifests.map((m) => stringify(m)).join('---\n') },
  ]);
  expect(set.problems.filter((p) => p.severity === 'error')).toEqual([]);
  return buildRegistry({
    resources: set.resources,
    generation: 1,
    loadedAt: '2026-01-01T00:00:00Z',
    dataDir: '/tmp',
  });
}

const store = {
  apiVersion: V,
  kind: 'VectorStore',
  metadata: { name: 'local' },
  spec: { provider: 'local', default: true },
};
const index = (name: string, spec: Record<string, unknown> = {}, labels?: Record<string, string>) => ({
  apiVersion: V,
  kind: 'Index',
  metadata: { name, ...(labels === undefined ? {} : { labels }) },
  spec,
});

/** Records which upstream namespaces were called and with what body. */
function recordingStore(calls: { ns: string; body?: unknown }[]): VectorStore {
  return {
    kind: 'local',
    dispatch: ({ op, ns, body }) => {
      calls.push({ ns, ...(body === undefined ? {} : { body: body.value() }) });
      if (op === 'write') return Promise.resolve(Payload.fromValue({ status: 'OK', rows_affected: 0 }));
      return Promise.resolve(Payload.fromValue({ rows: [], aggregations: { n: 0 } }));
    },
    ping: () => Promise.resolve(),
    close: () => Promise.resolve(),
  };
}

function failure(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    return err instanceof HevError ? `${err.status} ${err.code}` : String(err);
  }
}

describe('createIndexResolver', () => {
  const snapshot = snapshotOf([
    store,
    index('products', { backend: { distanceMetric: 'euclidean_squared' } }, { app: 'shop' }),
    index('blog', {}, { app: 'blog' }),
    index('sharded', { backend: { shards: 3, namespace: 'up' }, scan: { threads: 2 } }),
    index('orphan', { backend: { storeRef: 'missing' } }),
  ]);
  const calls: { ns: string; body?: unknown }[] = [];
  const resolver = createIndexResolver({
    registry: { current: () => snapshot },
    stores: { get: (_e: StoreEntry) => recordingStore(calls) },
  });
  const shop = { name: 'shop', matchLabels: { app: 'shop' } };

  it.each([
    ['nope', undefined, '404 HEV_INDEX_NOT_FOUND'],
    ['orphan', undefined, '503 HEV_INDEX_NOT_READY'],
    ['blog', shop, '403 HEV_FORBIDDEN'],
    ['products', shop, undefined],
    ['blog', undefined, undefined],
  ])('resolve(%s) for %j → %s', (name, principal, expected) => {
    expect(failure(() => resolver.resolve(name, principal === undefined ? {} : { principal }))).toBe(
      expected,
    );
  });

  it('reuses one target per snapshot and Index', () => {
    expect(resolver.resolve('products', {})).toBe(resolver.resolve('products', {}));
  });

  it('applies the Index distance metric on vector writes', async () => {
    calls.length = 0;
    await storeMethods(resolver.resolve('products', {}).dispatch).write(
      'products',
      Payload.fromValue({ upsert_rows: [{ id: 1, vector: [1, 2] }] }),
    );
    expect(calls).toEqual([
      {
        ns: 'products',
        body: { upsert_rows: [{ id: 1, vector: [1, 2] }], distance_metric: 'euclidean_squared' },
      },
    ]);
  });

  it('scatters a sharded Index over its upstream namespaces', async () => {
    calls.length = 0;
    await storeMethods(resolver.resolve('sharded', {}).dispatch).query(
      'sharded',
      Payload.fromValue({ aggregate_by: { n: ['Count'] } }),
    );
    // The query calls (those with a body); the shards layer also reads each shard's schema first.
    const queried = calls.filter((c) => c.body !== undefined).map((c) => c.ns);
    expect(queried.sort()).toEqual(['up-0', 'up-1', 'up-2']);
    expect(effectiveFanOut(snapshot.indexes.get('sharded')!, snapshot)).toBe(2);
  });

  it('lists declared Indexes visible to the caller', async () => {
    const all = (await resolver.list({}, {}, {})).value();
    expect(all).toEqual({
      namespaces: ['blog', 'orphan', 'products', 'sharded'].map((id) => ({ id })),
      next_cursor: null,
    });
    const mine = (await resolver.list({}, { principal: shop }, {})).value();
    expect(mine).toEqual({ namespaces: [{ id: 'products' }], next_cursor: null });
  });

  it('serves undeclared names only in the dev-only implicitIndexes mode', () => {
    const open = snapshotOf([
      store,
      { apiVersion: V, kind: 'GatewayConfig', metadata: { name: 'g' }, spec: { implicitIndexes: true } },
    ]);
    const dev = createIndexResolver({
      registry: { current: () => open },
      stores: { get: () => recordingStore([]) },
    });
    expect(dev.resolve('anything', {}).index).toBe('anything');
  });
});
