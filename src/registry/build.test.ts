import { describe, expect, it } from 'vitest';
import type { ValidatedResource } from '../resources/manifests.ts';
import { manifest, validResource } from '../resources/test-helpers.ts';
import { buildRegistry, emptyRegistry } from './build.ts';
import { implicitIndexEntry } from './resolve-index.ts';
import type { IndexEntry, RegistrySnapshot } from './types.ts';

const T0 = '2026-01-01T00:00:00.000Z';
const T1 = '2026-01-01T00:01:00.000Z';

function res(kind: string, name: string, spec: unknown, namespace?: string): ValidatedResource {
  const doc = manifest(kind, spec, name);
  if (namespace !== undefined) (doc.metadata as Record<string, unknown>).namespace = namespace;
  return { resource: validResource(doc), source: { file: `${name}.yaml`, document: 1, line: 1 } };
}
const local = (name: string, extra: Record<string, unknown> = {}, ns?: string) =>
  res('VectorStore', name, { provider: 'local', ...extra }, ns);
const index = (name: string, spec: unknown = {}, ns?: string) => res('Index', name, spec, ns);

function build(resources: ValidatedResource[], previous?: RegistrySnapshot, loadedAt = T0): RegistrySnapshot {
  return buildRegistry({
    resources,
    generation: (previous?.generation ?? 0) + 1,
    loadedAt,
    dataDir: '/srv/hev',
    ...(previous ? { previous } : {}),
  });
}

function summary(entry: IndexEntry | undefined) {
  const cond = (type: string) => entry?.conditions.find((c) => c.type === type);
  return {
    store: entry?.store?.name,
    storeResolved: `${cond('StoreResolved')?.status}/${cond('StoreResolved')?.reason}`,
    ready: `${cond('Ready')?.status}/${cond('Ready')?.reason}`,
  };
}

describe('store resolution (table)', () => {
  const rows: readonly (readonly [
    title: string,
    resources: ValidatedResource[],
    expected: ReturnType<typeof summary>,
  ])[] = [
    [
      'storeRef to a store',
      [local('a'), index('p', { backend: { storeRef: 'a' } })],
      { store: 'a', storeResolved: 'True/Resolved', ready: 'True/Resolved' },
    ],
    [
      'storeRef wins over the default',
      [local('a'), local('d', { default: true }), index('p', { backend: { storeRef: 'a' } })],
      { store: 'a', storeResolved: 'True/Resolved', ready: 'True/Resolved' },
    ],
    [
      'storeRef to nothing',
      [local('d', { default: true }), index('p', { backend: { storeRef: 'gone' } })],
      { store: undefined, storeResolved: 'False/StoreNotFound', ready: 'False/StoreNotFound' },
    ],
    [
      'storeRef to a store in another namespace',
      [local('a', {}, 'other'), index('p', { backend: { storeRef: 'a' } })],
      { store: undefined, storeResolved: 'False/StoreNotFound', ready: 'False/StoreNotFound' },
    ],
    [
      'the single default store',
      [local('a'), local('d', { default: true }), index('p')],
      { store: 'd', storeResolved: 'True/Resolved', ready: 'True/Resolved' },
    ],
    [
      'no default store',
      [local('a'), index('p')],
      { store: undefined, storeResolved: 'False/NoDefaultStore', ready: 'False/NoDefaultStore' },
    ],
    [
      'no store at all',
      [index('p')],
      { store: undefined, storeResolved: 'False/NoDefaultStore', ready: 'False/NoDefaultStore' },
    ],
    [
      'two default stores',
      [local('a', { default: true }), local('b', { default: true }), index('p')],
      {
        store: undefined,
        storeResolved: 'False/AmbiguousDefaultStore',
        ready: 'False/AmbiguousDefaultStore',
      },
    ],
    [
      'a default store in another namespace does not count',
      [local('d', { default: true }, 'other'), index('p')],
      { store: undefined, storeResolved: 'False/NoDefaultStore', ready: 'False/NoDefaultStore' },
    ],
    [
      'the default store of its own namespace',
      [local('d', { default: true }), local('e', { default: true }, 'shop'), index('p', {}, 'shop')],
      { store: 'e', storeResolved: 'True/Resolved', ready: 'True/Resolved' },
    ],
  ];
  it.each(rows)('%s', (_title, resources, expected) => {
    expect(summary(build(resources).indexes.get('p'))).toEqual(expected);
  });

  it('explains an ambiguous default in the condition message', () => {
    const snapshot = build([local('b', { default: true }), local('a', { default: true }), index('p')]);
    expect(snapshot.indexes.get('p')?.conditions.find((c) => c.type === 'Ready')?.message).toBe(
      'no spec.backend.storeRef, and 2 VectorStores in namespace default have spec.default: true (a, b); set spec.backend.storeRef',
    );
  });

  it('marks both Indexes of a name declared in two Kubernetes namespaces DuplicateName', () => {
    const snapshot = build([
      local('d', { default: true }),
      local('d', { default: true }, 'shop'),
      index('p'),
      index('p', {}, 'shop'),
    ]);
    expect(snapshot.allIndexes.map((e) => [e.k8sNamespace, summary(e).ready, e.store?.name])).toEqual([
      ['default', 'False/DuplicateName', 'd'],
      ['shop', 'False/DuplicateName', 'd'],
    ]);
    expect(snapshot.indexes.get('p')?.k8sNamespace).toBe('default');
    expect(snapshot.indexes.get('p')?.ready).toBe(false);
  });

  it('reports unserved Indexes as warnings in the snapshot, never as a failure', () => {
    const snapshot = build([index('p', { backend: { storeRef: 'gone' } })]);
    expect(snapshot.problems).toEqual([
      {
        severity: 'warning',
        file: 'p.yaml',
        document: 1,
        line: 1,
        kind: 'Index',
        name: 'p',
        path: 'spec.backend.storeRef',
        message: 'not served (StoreNotFound): VectorStore "gone" not found in namespace default',
      },
    ]);
  });
});

describe('upstream namespaces, labels and policy', () => {
  it.each([
    [{}, ['p']],
    [{ backend: { namespace: 'catalog-v2' } }, ['catalog-v2']],
    [{ backend: { shards: 3 } }, ['p-0', 'p-1', 'p-2']],
    [{ backend: { namespace: 'c', shards: 2 } }, ['c-0', 'c-1']],
  ])('spec %j → %j', (spec, expected) => {
    const entry = build([local('d', { default: true }), index('p', spec)]).indexes.get('p');
    expect(entry?.upstreamNamespaces).toEqual(expected);
    expect(entry?.resource.spec.backend.namespace).toBe(
      expected.length === 1 ? expected[0] : (expected[0] ?? '').replace(/-0$/, ''),
    );
  });

  it('merges Kubernetes labels with spec.metadata.labels (spec wins)', () => {
    const doc = manifest(
      'Index',
      { metadata: { labels: { app: 'shop', tier: 'gold' }, tags: ['catalog'] } },
      'p',
    );
    (doc.metadata as Record<string, unknown>).labels = { app: 'k8s', team: 'search' };
    const entry = build([
      { resource: validResource(doc), source: { file: 'p.yaml', document: 1 } },
    ]).indexes.get('p');
    expect(entry?.labels).toEqual({ app: 'shop', team: 'search', tier: 'gold' });
    expect(entry?.tags).toEqual(['catalog']);
  });

  it('turns durations and sizes into the units the data plane uses', () => {
    const spec = {
      snapshot: { interval: '10m', retention: '30d', facetFields: ['brand'] },
      cache: { ttl: '1h', capGiB: 0.5, mode: 'warm' },
    };
    expect(build([index('p', spec)]).indexes.get('p')?.policy).toEqual({
      distanceMetric: 'cosine_distance',
      shards: 1,
      facetFields: ['brand'],
      snapshotIntervalMs: 600_000,
      retentionMs: 2_592_000_000,
      scanThreads: 8,
      cacheTtlMs: 3_600_000,
      cacheCapBytes: 536_870_912,
      cacheMode: 'warm',
      consistency: 'strong',
    });
    expect(build([index('p')]).indexes.get('p')?.policy.retentionMs).toBeNull();
  });
});

describe('stores and gateway', () => {
  it.each([
    [{}, '/srv/hev/data/s'],
    [{ local: { path: './data/local' } }, '/srv/hev/data/local'],
    [{ local: { path: '/var/lib/hev' } }, '/var/lib/hev'],
  ])('local path %j resolves to %s', (extra, path) => {
    expect(build([local('s', extra)]).stores.get('default/s')?.localPath).toBe(path);
  });

  it('store limits in milliseconds', () => {
    const entry = build([local('s', { limits: { timeout: '2m', maxConcurrency: 5 } })]).stores.get(
      'default/s',
    );
    expect([entry?.timeoutMs, entry?.maxConcurrency, entry?.provider, entry?.isDefault]).toEqual([
      120_000,
      5,
      'local',
      false,
    ]);
  });

  it('uses every gateway default without a GatewayConfig', () => {
    const { gateway } = build([]);
    expect(gateway.name).toBeUndefined();
    expect(gateway.spec.listen).toEqual({ host: '127.0.0.1', port: 8080 });
    expect(gateway.spec.upstream.maxInFlightPerNamespace).toBe(16);
    expect(gateway.snapshotsPath).toBe('/srv/hev/data/snapshots');
    expect(gateway.snapshotSettleMs).toBe(30_000);
  });

  it('takes the GatewayConfig when given', () => {
    const { gateway } = build([
      res('GatewayConfig', 'gw', { snapshots: { store: 's3', bucket: 'b' }, scan: { maxThreads: 4 } }),
    ]);
    expect([gateway.name, gateway.spec.scan.maxThreads, gateway.snapshotsPath]).toEqual(['gw', 4, undefined]);
  });
});

describe('snapshots over time', () => {
  it('keeps lastTransitionTime while a condition keeps its status, and moves it on a flip', () => {
    const first = build([local('d', { default: true }), index('p')], undefined, T0);
    const same = build([local('d', { default: true }), index('p', { scan: { threads: 2 } })], first, T1);
    expect(same.indexes.get('p')?.conditions.map((c) => c.lastTransitionTime)).toEqual([T0, T0]);
    const flipped = build([index('p')], same, T1);
    expect(flipped.indexes.get('p')?.conditions.map((c) => [c.status, c.lastTransitionTime])).toEqual([
      ['False', T1],
      ['False', T1],
    ]);
  });

  it('is immutable', () => {
    const snapshot = build([local('d', { default: true }), index('p')]);
    const entry = snapshot.indexes.get('p');
    expect(Object.isFrozen(snapshot)).toBe(true);
    expect(Object.isFrozen(entry)).toBe(true);
    expect(Object.isFrozen(entry?.resource.spec.snapshot.facetFields)).toBe(true);
    expect(() => (entry?.upstreamNamespaces as string[]).push('x')).toThrow(TypeError);
  });

  it('starts empty at generation 0', () => {
    const empty = emptyRegistry('/srv/hev');
    expect([empty.generation, empty.indexes.size, empty.stores.size]).toEqual([0, 0, 0]);
  });
});

describe('implicit Indexes (development mode)', () => {
  const gw = (implicitIndexes: boolean) => res('GatewayConfig', 'gw', { implicitIndexes });

  it('are off by default', () => {
    expect(implicitIndexEntry(build([local('d', { default: true })]), 'anything')).toBeUndefined();
  });

  it('serve an undeclared name from the default store when on', () => {
    const entry = implicitIndexEntry(build([gw(true), local('d', { default: true })]), 'scratch');
    expect([entry?.name, entry?.store?.name, entry?.ready, entry?.upstreamNamespaces]).toEqual([
      'scratch',
      'd',
      true,
      ['scratch'],
    ]);
    expect(entry?.policy.consistency).toBe('strong');
  });

  it('never shadow a declared Index', () => {
    expect(
      implicitIndexEntry(build([gw(true), local('d', { default: true }), index('p')]), 'p'),
    ).toBeUndefined();
  });
});
