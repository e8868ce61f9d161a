/**
 * The registry snapshot: everything the data plane needs to route a request, resolved once per
 * config generation and then never mutated. Config providers (file, kubernetes) build one with
 * buildRegistry() and publish it through a RegistryHolder; readers take `holder.current()` once per
 * request and keep using that snapshot, so a reload never changes a request halfway.
 */
import type { GatewayConfigSpec } from '../resources/gateway-config-schema.ts';
import type { IndexResource } from '../resources/index-schema.ts';
import type { Condition } from '../resources/meta.ts';
import type { ConfigProblem, SourceRef } from '../resources/problems.ts';
import type { VectorStoreResource } from '../resources/vector-store-schema.ts';

export type { Condition } from '../resources/meta.ts';
export type { ConfigProblem } from '../resources/problems.ts';

export interface StoreEntry {
  readonly name: string;
  /** Kubernetes namespace; `default` in file mode unless the manifest names one. */
  readonly k8sNamespace: string;
  /** The VectorStore with spec defaults filled. */
  readonly resource: VectorStoreResource;
  readonly provider: 'turbopuffer' | 'local';
  readonly isDefault: boolean;
  /** provider local: the data directory, absolute (relative paths resolved against --data). */
  readonly localPath?: string;
  readonly maxConcurrency: number;
  readonly timeoutMs: number;
  readonly source?: SourceRef;
}

/** Index policies in the units the data plane uses (milliseconds, bytes). */
export interface IndexPolicy {
  readonly distanceMetric: 'cosine_distance' | 'euclidean_squared';
  readonly shards: number;
  readonly facetFields: readonly string[];
  readonly snapshotIntervalMs: number;
  /** null = keep every snapshot body. */
  readonly retentionMs: number | null;
  readonly scanThreads: number;
  readonly cacheTtlMs: number;
  readonly cacheCapBytes: number;
  readonly cacheMode: 'standard' | 'warm' | 'off';
  readonly consistency: 'strong' | 'eventual';
}

export type IndexConditionReason =
  'Resolved' | 'NoDefaultStore' | 'AmbiguousDefaultStore' | 'StoreNotFound' | 'DuplicateName';

export interface IndexEntry {
  readonly name: string;
  readonly k8sNamespace: string;
  /** The Index with every spec default filled, including `backend.namespace` (= name by default). */
  readonly resource: IndexResource;
  /** Absent when the store could not be resolved (see conditions). */
  readonly store?: StoreEntry;
  /** `[namespace]` for one shard, else `namespace-0 … namespace-(N-1)`. */
  readonly upstreamNamespaces: readonly string[];
  /** Kubernetes metadata.labels merged with spec.metadata.labels (spec wins on a clash). */
  readonly labels: Readonly<Record<string, string>>;
  readonly tags: readonly string[];
  readonly policy: IndexPolicy;
  /** StoreResolved and Ready (metav1.Condition shape). */
  readonly conditions: readonly Condition[];
  /** Ready=True: the data plane may serve it. */
  readonly ready: boolean;
  readonly source?: SourceRef;
}

export interface ResolvedGatewayConfig {
  /** metadata.name of the GatewayConfig, absent when none was given (all defaults). */
  readonly name?: string;
  readonly spec: GatewayConfigSpec;
  /** spec.snapshots.path resolved against --data (store filesystem). */
  readonly snapshotsPath?: string;
  readonly snapshotSettleMs: number;
}

export interface RegistrySnapshot {
  /** 0 before anything was loaded; +1 per published snapshot. */
  readonly generation: number;
  /** RFC 3339 time the snapshot was built. */
  readonly loadedAt: string;
  readonly gateway: ResolvedGatewayConfig;
  /** Keyed by `<k8sNamespace>/<name>`. */
  readonly stores: ReadonlyMap<string, StoreEntry>;
  /** Keyed by Index name (the name clients use). For a duplicated name, the first by k8s namespace. */
  readonly indexes: ReadonlyMap<string, IndexEntry>;
  /** Every Index, duplicates included, sorted by name then k8s namespace. */
  readonly allIndexes: readonly IndexEntry[];
  /** Warnings of the accepted config (deprecations, unresolvable stores, dev-only modes). */
  readonly problems: readonly ConfigProblem[];
}

export function storeKey(k8sNamespace: string, name: string): string {
  return `${k8sNamespace}/${name}`;
}

/** The VectorStore `name` of a Kubernetes namespace (`default` in file mode). */
export function findStore(
  snapshot: Pick<RegistrySnapshot, 'stores'>,
  name: string,
  k8sNamespace = 'default',
): StoreEntry | undefined {
  return snapshot.stores.get(storeKey(k8sNamespace, name));
}
