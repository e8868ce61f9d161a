/**
 * Table tests for reconcile(): every condition transition, generation handling, store resolution
 * (storeRef, unresolvable ref, two default stores), an invalid spec, the upstream down and back,
 * and the idle case (a status that already says it all produces no write).
 */
import { describe, expect, it } from 'vitest';
import { validateObject, type KubeObject } from '../config/kubernetes/objects.ts';
import { buildRegistry } from '../registry/build.ts';
import type { IndexEntry } from '../registry/types.ts';
import type { Condition } from '../resources/meta.ts';
import {
  reconcile,
  type IndexObjectView,
  type IndexObserved,
  type UpstreamObservation,
} from './reconcile.ts';

const T0 = '2026-12-06T10:00:00.000Z';
const T1 = '2026-12-06T10:01:00.000Z';
const T2 = '2026-12-06T10:02:00.000Z';
const NS = 'layer';

const store = (name: string, isDefault: boolean): KubeObject => ({
  apiVersion: 'hevlayer.com/v1',
  kind: 'VectorStore',
  metadata: { name, namespace: NS },
  spec: { provider: 'local', default: isDefault },
});

function indexObject(
  spec: Record<string, unknown> = {},
  generation = 1,
  labels?: Record<string, string>,
): KubeObject {
  return {
    apiVersion: 'hevlayer.com/v1',
    kind: 'Index',
    metadata: { name: 'products', namespace: NS, generation, ...(labels === undefined ? {} : { labels }) },
    spec,
  };
}

/** The registry's entry for an Index object among stores (undefined when the object is invalid). */
function entryOf(object: KubeObject, stores: readonly KubeObject[]): IndexEntry | undefined {
  const checked = [...stores.map((s) => validateObject('VectorStore', s)), validateObject('Index', object)];
  const snapshot = buildRegistry({
    resources: checked.flatMap((c) => (c.resource === undefined ? [] : [c.resource])),
    generation: 1,
    loadedAt: T0,
    dataDir: '/tmp',
  });
  return snapshot.indexes.get('products');
}

function observe(
  object: KubeObject,
  now: string,
  stores: readonly KubeObject[],
  upstream?: UpstreamObservation,
): IndexObserved {
  const check = validateObject('Index', object);
  const entry = entryOf(object, stores);
  return {
    now,
    problems: check.problems.filter((p) => p.severity === 'error').map((p) => `${p.path}: ${p.message}`),
    ...(entry === undefined ? {} : { entry }),
    ...(upstream === undefined ? {} : { upstream }),
  };
}

const UP: UpstreamObservation = {
  reachable: true,
  facts: { approxRowCount: 3, approxLogicalBytes: 120, indexStatus: 'up-to-date', lastWriteAt: T0 },
};
const DOWN: UpstreamObservation = { reachable: false, message: 'VectorStore "main": connect ECONNREFUSED' };

const view = (object: KubeObject, status?: Record<string, unknown>): IndexObjectView =>
  ({ metadata: object.metadata, ...(status === undefined ? {} : { status }) }) as IndexObjectView;

const brief = (conditions: readonly Condition[]) =>
  conditions.map((c) => `${c.type}=${c.status}/${c.reason}`);

describe('reconcile', () => {
  it.each([
    {
      name: 'a valid Index on the single default store with a reachable upstream is Ready',
      spec: {},
      stores: [store('main', true)],
      upstream: UP,
      want: [
        'SpecValid=True/Valid',
        'StoreResolved=True/Resolved',
        'UpstreamReachable=True/Reachable',
        'Ready=True/Ready',
      ],
      sync: 'Synced',
    },
    {
      name: 'a storeRef naming a VectorStore that does not exist is StoreNotFound, not a crash',
      spec: { backend: { storeRef: 'missing' } },
      stores: [store('main', true)],
      upstream: undefined,
      want: [
        'SpecValid=True/Valid',
        'StoreResolved=False/StoreNotFound',
        'UpstreamReachable=Unknown/StoreNotResolved',
        'Ready=False/StoreNotFound',
      ],
      sync: 'Synced',
    },
    {
      name: 'two default stores and no storeRef is AmbiguousDefaultStore',
      spec: {},
      stores: [store('a', true), store('b', true)],
      upstream: undefined,
      want: [
        'SpecValid=True/Valid',
        'StoreResolved=False/AmbiguousDefaultStore',
        'UpstreamReachable=Unknown/StoreNotResolved',
        'Ready=False/AmbiguousDefaultStore',
      ],
      sync: 'Synced',
    },
    {
      name: 'no default store and no storeRef is NoDefaultStore',
      spec: {},
      stores: [store('a', false)],
      upstream: undefined,
      want: [
        'SpecValid=True/Valid',
        'StoreResolved=False/NoDefaultStore',
        'UpstreamReachable=Unknown/StoreNotResolved',
        'Ready=False/NoDefaultStore',
      ],
      sync: 'Synced',
    },
    {
      name: 'storeRef picks a non-default store by name',
      spec: { backend: { storeRef: 'b' } },
      stores: [store('a', true), store('b', false)],
      upstream: UP,
      want: [
        'SpecValid=True/Valid',
        'StoreResolved=True/Resolved',
        'UpstreamReachable=True/Reachable',
        'Ready=True/Ready',
      ],
      sync: 'Synced',
    },
    {
      name: 'an invalid spec is SpecValid=False/InvalidSpec and metadataSync Failed',
      spec: { scan: { threads: 0 } },
      stores: [store('main', true)],
      upstream: undefined,
      want: [
        'SpecValid=False/InvalidSpec',
        'StoreResolved=Unknown/InvalidSpec',
        'UpstreamReachable=Unknown/InvalidSpec',
        'Ready=False/InvalidSpec',
      ],
      sync: 'Failed',
    },
    {
      name: 'an unreachable upstream is UpstreamReachable=False and Ready=False/UpstreamUnreachable',
      spec: {},
      stores: [store('main', true)],
      upstream: DOWN,
      want: [
        'SpecValid=True/Valid',
        'StoreResolved=True/Resolved',
        'UpstreamReachable=False/Unreachable',
        'Ready=False/UpstreamUnreachable',
      ],
      sync: 'Synced',
    },
  ])('$name', ({ spec, stores, upstream, want, sync }) => {
    const object = indexObject(spec);
    const { status, actions } = reconcile(view(object), observe(object, T0, stores, upstream));
    expect(brief(status.conditions)).toEqual(want);
    expect(status.metadataSync?.state).toBe(sync);
    expect(status.observedGeneration).toBe(1);
    expect(status.conditions.map((c) => c.observedGeneration)).toEqual([1, 1, 1, 1]);
    expect(actions[0]?.type).toBe('patchStatus');
  });

  it('fills defaults into status: backend.namespace is the Index name, the upstream facts are recorded', () => {
    const object = indexObject();
    const { status } = reconcile(view(object), observe(object, T0, [store('main', true)], UP));
    expect(status.backend).toEqual({
      store: 'main',
      namespace: 'products',
      upstreamNamespaces: ['products'],
    });
    expect(status.upstream).toEqual(UP.reachable ? UP.facts : undefined);
    expect(status.metadataSync).toEqual({
      state: 'Synced',
      lastSyncTime: T0,
      message: 'generation 1 applied to the registry (labels: none; tags: none)',
    });
  });

  it('asks for no write when the status already says everything (an idle cluster writes nothing)', () => {
    const object = indexObject();
    const first = reconcile(view(object), observe(object, T0, [store('main', true)], UP));
    const again = reconcile(view(object, first.status), observe(object, T1, [store('main', true)], UP));
    expect(again.actions).toEqual([]);
    expect(again.status).toEqual(first.status);
  });

  it('a spec change the registry has not applied yet is Pending with a requeue; Ready flips and its time moves', () => {
    const stores = [store('main', true)];
    const v1 = indexObject({}, 1);
    const first = reconcile(view(v1), observe(v1, T0, stores, UP));
    const v2 = indexObject({ consistency: 'eventual' }, 2);
    const stale = { ...observe(v1, T1, stores, UP), now: T1 };
    const pending = reconcile(view(v2, first.status), stale);
    expect(pending.status.metadataSync?.state).toBe('Pending');
    expect(brief(pending.status.conditions).at(-1)).toBe('Ready=False/SyncPending');
    expect(pending.status.conditions.find((c) => c.type === 'Ready')?.lastTransitionTime).toBe(T1);
    expect(pending.status.conditions.find((c) => c.type === 'SpecValid')?.lastTransitionTime).toBe(T0);
    expect(pending.status.observedGeneration).toBe(2);
    expect(pending.actions.map((a) => a.type)).toEqual(['patchStatus', 'requeue']);
    const synced = reconcile(view(v2, pending.status), observe(v2, T2, stores, UP));
    expect(synced.status.metadataSync).toMatchObject({ state: 'Synced', lastSyncTime: T2 });
    expect(synced.status.conditions.find((c) => c.type === 'Ready')).toMatchObject({
      status: 'True',
      lastTransitionTime: T2,
      observedGeneration: 2,
    });
  });

  it('upstream down and back: Ready False then True, transition times at each flip, last known facts kept while down', () => {
    const stores = [store('main', true)];
    const object = indexObject();
    const up = reconcile(view(object), observe(object, T0, stores, UP));
    const down = reconcile(view(object, up.status), observe(object, T1, stores, DOWN));
    expect(brief(down.status.conditions).slice(2)).toEqual([
      'UpstreamReachable=False/Unreachable',
      'Ready=False/UpstreamUnreachable',
    ]);
    expect(down.status.conditions.find((c) => c.type === 'Ready')?.lastTransitionTime).toBe(T1);
    expect(down.status.upstream).toEqual(up.status.upstream);
    expect(down.actions).toContainEqual({ type: 'requeue', afterMs: 5000, reason: 'UpstreamUnreachable' });
    const back = reconcile(view(object, down.status), observe(object, T2, stores, UP));
    expect(brief(back.status.conditions).slice(2)).toEqual([
      'UpstreamReachable=True/Reachable',
      'Ready=True/Ready',
    ]);
    expect(back.status.conditions.find((c) => c.type === 'UpstreamReachable')?.lastTransitionTime).toBe(T2);
    expect(back.status.conditions.find((c) => c.type === 'StoreResolved')?.lastTransitionTime).toBe(T0);
  });

  it('new upstream facts are written, but no condition time moves', () => {
    const stores = [store('main', true)];
    const object = indexObject();
    const first = reconcile(view(object), observe(object, T0, stores, UP));
    const more: UpstreamObservation = {
      reachable: true,
      facts: { approxRowCount: 9, approxLogicalBytes: 400, indexStatus: 'updating' },
    };
    const next = reconcile(view(object, first.status), observe(object, T1, stores, more));
    expect(next.actions[0]).toEqual({
      type: 'patchStatus',
      patch: expect.objectContaining({ upstream: more.reachable ? more.facts : {} }),
    });
    expect(next.status.conditions.map((c) => c.lastTransitionTime)).toEqual([T0, T0, T0, T0]);
  });

  it('a label change re-syncs metadata: lastSyncTime moves, the message names the labels and tags', () => {
    const stores = [store('main', true)];
    const before = indexObject({ metadata: { tags: ['catalog'] } }, 1);
    const first = reconcile(view(before), observe(before, T0, stores, UP));
    const after = indexObject({ metadata: { tags: ['catalog'] } }, 1, { app: 'shop' });
    const next = reconcile(view(after, first.status), observe(after, T1, stores, UP));
    expect(next.status.metadataSync).toEqual({
      state: 'Synced',
      lastSyncTime: T1,
      message: 'generation 1 applied to the registry (labels: app=shop; tags: catalog)',
    });
  });

  it('the status patch names only reconciler fields and keeps the bridge conditions in the list', () => {
    const object = indexObject();
    const bridged = {
      cache: { entries: 1, bytes: 10, hitRatio: 0.5 },
      conditions: [
        { type: 'CacheDegraded', status: 'False', reason: 'Healthy', message: 'ok', lastTransitionTime: T0 },
      ],
    };
    const { actions } = reconcile(view(object, bridged), observe(object, T1, [store('main', true)], UP));
    const patch = actions[0]?.type === 'patchStatus' ? actions[0].patch : {};
    expect(Object.keys(patch).sort()).toEqual([
      'backend',
      'conditions',
      'metadataSync',
      'observedGeneration',
      'upstream',
    ]);
    expect((patch.conditions as Condition[]).map((c) => c.type)).toEqual([
      'SpecValid',
      'StoreResolved',
      'UpstreamReachable',
      'Ready',
      'CacheDegraded',
    ]);
    // A merge patch replaces top-level status fields it names and keeps the others.
    expect({ ...bridged, ...patch }).toMatchObject({ cache: bridged.cache });
  });
});
