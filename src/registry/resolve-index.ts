/**
 * One Index → IndexEntry: its store, upstream namespaces, effective policy and conditions.
 */
import { parseDuration, parseRetention } from '../resources/duration.ts';
import { defaultIndexSpec, type IndexResource } from '../resources/index-schema.ts';
import { API_VERSION, DEFAULT_K8S_NAMESPACE, type Condition } from '../resources/meta.ts';
import type { SourceRef } from '../resources/problems.ts';
import { upstreamNamespaces } from '../resources/validate-rules.ts';
import { makeCondition, type ConditionInput } from './conditions.ts';
import {
  storeKey,
  type IndexConditionReason,
  type IndexEntry,
  type IndexPolicy,
  type RegistrySnapshot,
  type StoreEntry,
} from './types.ts';

const GIB = 1024 ** 3;

export interface IndexContext {
  readonly stores: ReadonlyMap<string, StoreEntry>;
  readonly now: string;
  /** Other Kubernetes namespaces declaring an Index of the same name. */
  readonly duplicateIn?: readonly string[];
  readonly source?: SourceRef;
}

type StoreResolution = { store: StoreEntry } | { reason: IndexConditionReason; message: string };

function resolveStore(
  index: IndexResource,
  k8sNamespace: string,
  stores: ReadonlyMap<string, StoreEntry>,
): StoreResolution {
  const ref = index.spec.backend.storeRef;
  if (ref !== undefined) {
    const store = stores.get(storeKey(k8sNamespace, ref));
    return store !== undefined
      ? { store }
      : { reason: 'StoreNotFound', message: `VectorStore "${ref}" not found in namespace ${k8sNamespace}` };
  }
  const defaults = [...stores.values()].filter((s) => s.k8sNamespace === k8sNamespace && s.isDefault);
  const [only] = defaults;
  if (defaults.length === 1 && only !== undefined) return { store: only };
  if (defaults.length === 0) {
    return {
      reason: 'NoDefaultStore',
      message: `no spec.backend.storeRef, and no VectorStore in namespace ${k8sNamespace} has spec.default: true`,
    };
  }
  const names = defaults.map((s) => s.name).sort();
  return {
    reason: 'AmbiguousDefaultStore',
    message: `no spec.backend.storeRef, and ${defaults.length} VectorStores in namespace ${k8sNamespace} have spec.default: true (${names.join(', ')}); set spec.backend.storeRef`,
  };
}

export function indexPolicy(index: IndexResource): IndexPolicy {
  const { spec } = index;
  return {
    distanceMetric: spec.backend.distanceMetric,
    shards: spec.backend.shards,
    facetFields: spec.snapshot.facetFields,
    snapshotIntervalMs: parseDuration(spec.snapshot.interval),
    retentionMs: parseRetention(spec.snapshot.retention),
    scanThreads: spec.scan.threads,
    cacheTtlMs: parseDuration(spec.cache.ttl),
    cacheCapBytes: Math.floor(spec.cache.capGiB * GIB),
    cacheMode: spec.cache.mode,
    consistency: spec.consistency,
  };
}

export function resolveIndex(
  index: IndexResource,
  ctx: IndexContext,
  previous?: readonly Condition[],
): IndexEntry {
  const name = index.metadata.name;
  const k8sNamespace = index.metadata.namespace ?? DEFAULT_K8S_NAMESPACE;
  const namespace = index.spec.backend.namespace ?? name;
  const resource: IndexResource = {
    ...index,
    spec: { ...index.spec, backend: { ...index.spec.backend, namespace } },
  };
  const resolution = resolveStore(index, k8sNamespace, ctx.stores);
  const generation = index.metadata.generation;
  const condition = (input: ConditionInput) => makeCondition(input, ctx.now, previous, generation);

  const storeResolved =
    'store' in resolution
      ? condition({
          type: 'StoreResolved',
          status: 'True',
          reason: 'Resolved',
          message: `VectorStore "${resolution.store.name}" (${resolution.store.provider})`,
        })
      : condition({
          type: 'StoreResolved',
          status: 'False',
          reason: resolution.reason,
          message: resolution.message,
        });
  const namespaces = upstreamNamespaces(namespace, index.spec.backend.shards);
  let ready: ConditionInput;
  if (ctx.duplicateIn !== undefined && ctx.duplicateIn.length > 0) {
    ready = {
      type: 'Ready',
      status: 'False',
      reason: 'DuplicateName',
      message: `an Index named "${name}" is also declared in namespace ${ctx.duplicateIn.join(', ')}; clients address Indexes by name alone, so none of them is served`,
    };
  } else if ('store' in resolution) {
    const shards =
      namespaces.length === 1
        ? `upstream namespace ${namespace}`
        : `${namespaces.length} upstream namespaces ${namespace}-0…${namespace}-${namespaces.length - 1}`;
    ready = {
      type: 'Ready',
      status: 'True',
      reason: 'Resolved',
      message: `serving ${shards} on VectorStore "${resolution.store.name}"`,
    };
  } else {
    ready = { type: 'Ready', status: 'False', reason: resolution.reason, message: resolution.message };
  }
  const readyCondition = condition(ready);

  return {
    name,
    k8sNamespace,
    resource,
    ...('store' in resolution ? { store: resolution.store } : {}),
    upstreamNamespaces: namespaces,
    labels: { ...index.metadata.labels, ...index.spec.metadata.labels },
    tags: index.spec.metadata.tags,
    policy: indexPolicy(resource),
    conditions: [storeResolved, readyCondition],
    ready: readyCondition.status === 'True',
    ...(ctx.source === undefined ? {} : { source: ctx.source }),
  };
}

/**
 * DEVELOPMENT ONLY (`GatewayConfig spec.implicitIndexes: true`): an undeclared namespace is served
 * as if an Index with every default existed in the `default` Kubernetes namespace. Returns
 * undefined when the mode is off or the name is declared.
 */
export function implicitIndexEntry(snapshot: RegistrySnapshot, name: string): IndexEntry | undefined {
  if (!snapshot.gateway.spec.implicitIndexes || snapshot.indexes.has(name)) return undefined;
  const index: IndexResource = {
    apiVersion: API_VERSION,
    kind: 'Index',
    metadata: { name, namespace: DEFAULT_K8S_NAMESPACE, annotations: { 'hevlayer.com/implicit': 'true' } },
    spec: defaultIndexSpec(),
  };
  return deepFreeze(resolveIndex(index, { stores: snapshot.stores, now: snapshot.loadedAt }));
}

/** Freezes plain objects and arrays reachable from value (Maps are frozen shallowly, their values deeply). */
export function deepFreeze<T>(value: T): T {
  if (value === null || typeof value !== 'object' || Object.isFrozen(value)) return value;
  if (value instanceof Map) {
    for (const v of value.values()) deepFreeze(v);
    return Object.freeze(value);
  }
  for (const v of Object.values(value)) deepFreeze(v);
  return Object.freeze(value);
}
