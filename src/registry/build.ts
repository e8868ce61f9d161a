/**
 * buildRegistry: validated manifests → an immutable RegistrySnapshot. Pure (time, generation and
 * the data directory come in as arguments), so every resolution rule is a table test.
 *
 * Resolution: an Index's store is its storeRef in the same Kubernetes namespace, else the single
 * VectorStore there with `spec.default: true`. Anything else is a condition on the Index
 * (StoreNotFound, NoDefaultStore, AmbiguousDefaultStore), never an exception: one bad Index must
 * not stop the gateway from serving the others. Two Indexes with one name in different Kubernetes
 * namespaces cannot both be addressed by name, so both are DuplicateName.
 */
import { resolve } from 'node:path';
import { parseDuration } from '../resources/duration.ts';
import { defaultGatewayConfigSpec } from '../resources/gateway-config-schema.ts';
import type { IndexResource } from '../resources/index-schema.ts';
import type { ValidatedResource } from '../resources/manifests.ts';
import { DEFAULT_K8S_NAMESPACE } from '../resources/meta.ts';
import type { ConfigProblem } from '../resources/problems.ts';
import type { VectorStoreResource } from '../resources/vector-store-schema.ts';
import { deepFreeze, resolveIndex, type IndexContext } from './resolve-index.ts';
import {
  storeKey,
  type IndexEntry,
  type RegistrySnapshot,
  type ResolvedGatewayConfig,
  type StoreEntry,
} from './types.ts';

export interface BuildRegistryInput {
  readonly resources: readonly ValidatedResource[];
  /** Warnings from validation, carried into the snapshot. */
  readonly warnings?: readonly ConfigProblem[];
  readonly generation: number;
  /** RFC 3339. */
  readonly loadedAt: string;
  /** Absolute base for relative paths (`--data`). */
  readonly dataDir: string;
  /** The snapshot this one replaces: unchanged conditions keep their lastTransitionTime. */
  readonly previous?: RegistrySnapshot;
}

export function storeEntry(
  resource: VectorStoreResource,
  dataDir: string,
  source?: ValidatedResource['source'],
): StoreEntry {
  const { spec, metadata } = resource;
  const localPath =
    spec.provider === 'local' ? resolve(dataDir, spec.local?.path ?? `data/${metadata.name}`) : undefined;
  return {
    name: metadata.name,
    k8sNamespace: metadata.namespace ?? DEFAULT_K8S_NAMESPACE,
    resource,
    provider: spec.provider,
    isDefault: spec.default,
    ...(localPath === undefined ? {} : { localPath }),
    maxConcurrency: spec.limits.maxConcurrency,
    timeoutMs: parseDuration(spec.limits.timeout),
    ...(source === undefined ? {} : { source }),
  };
}

export function resolveGateway(
  resources: readonly ValidatedResource[],
  dataDir: string,
): ResolvedGatewayConfig {
  const found = resources.find((r) => r.resource.kind === 'GatewayConfig')?.resource;
  const spec = found?.kind === 'GatewayConfig' ? found.spec : defaultGatewayConfigSpec();
  const snapshotsPath =
    spec.snapshots.store === 'filesystem'
      ? resolve(dataDir, spec.snapshots.path ?? 'data/snapshots')
      : undefined;
  return {
    ...(found === undefined ? {} : { name: found.metadata.name }),
    spec,
    ...(snapshotsPath === undefined ? {} : { snapshotsPath }),
    snapshotSettleMs: parseDuration(spec.snapshots.settle),
  };
}

export function buildRegistry(input: BuildRegistryInput): RegistrySnapshot {
  const stores = new Map<string, StoreEntry>();
  for (const { resource, source } of input.resources) {
    if (resource.kind !== 'VectorStore') continue;
    const entry = storeEntry(resource, input.dataDir, source);
    stores.set(storeKey(entry.k8sNamespace, entry.name), entry);
  }

  const declared = input.resources.filter(
    (r): r is ValidatedResource & { resource: IndexResource } => r.resource.kind === 'Index',
  );
  const namespacesByName = new Map<string, string[]>();
  for (const { resource } of declared) {
    const list = namespacesByName.get(resource.metadata.name) ?? [];
    list.push(resource.metadata.namespace ?? DEFAULT_K8S_NAMESPACE);
    namespacesByName.set(resource.metadata.name, list);
  }

  const previousByKey = new Map(
    (input.previous?.allIndexes ?? []).map((e) => [storeKey(e.k8sNamespace, e.name), e]),
  );
  const problems: ConfigProblem[] = [...(input.warnings ?? [])];
  const allIndexes: IndexEntry[] = declared.map(({ resource, source }) => {
    const k8sNamespace = resource.metadata.namespace ?? DEFAULT_K8S_NAMESPACE;
    const others = (namespacesByName.get(resource.metadata.name) ?? []).filter((ns) => ns !== k8sNamespace);
    const ctx: IndexContext = {
      stores,
      now: input.loadedAt,
      ...(others.length > 0 ? { duplicateIn: others } : {}),
      ...(source === undefined ? {} : { source }),
    };
    const previous = previousByKey.get(storeKey(k8sNamespace, resource.metadata.name));
    const entry = resolveIndex(resource, ctx, previous?.conditions);
    const notReady = entry.conditions.find((c) => c.type === 'Ready' && c.status !== 'True');
    if (notReady !== undefined && source !== undefined) {
      problems.push({
        severity: 'warning',
        file: source.file,
        document: source.document,
        ...(source.line === undefined ? {} : { line: source.line }),
        kind: 'Index',
        name: entry.name,
        path: notReady.reason === 'DuplicateName' ? 'metadata.name' : 'spec.backend.storeRef',
        message: `not served (${notReady.reason}): ${notReady.message}`,
      });
    }
    return entry;
  });
  allIndexes.sort((a, b) => a.name.localeCompare(b.name) || a.k8sNamespace.localeCompare(b.k8sNamespace));

  const indexes = new Map<string, IndexEntry>();
  for (const entry of allIndexes) if (!indexes.has(entry.name)) indexes.set(entry.name, entry);

  return deepFreeze({
    generation: input.generation,
    loadedAt: input.loadedAt,
    gateway: resolveGateway(input.resources, input.dataDir),
    stores,
    indexes,
    allIndexes,
    problems,
  });
}

/** The snapshot before any config was loaded: nothing declared, every gateway default. */
export function emptyRegistry(dataDir: string, loadedAt = new Date(0).toISOString()): RegistrySnapshot {
  return buildRegistry({ resources: [], generation: 0, loadedAt, dataDir });
}
