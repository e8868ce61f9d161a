/**
 * Resolves a namespace named in a URL to what serves it, from the current registry snapshot: the
 * declared Index (else 404 — hevlayer is not an open proxy, unless the dev-only implicitIndexes
 * mode is on), the caller's right to it (403), its readiness (503 with the Ready condition's
 * message), its store, and its shards. Targets are built once per snapshot and Index.
 */
import type { RegistrySnapshot, IndexEntry, StoreEntry } from '../registry/types.ts';
import { implicitIndexEntry } from '../registry/resolve-index.ts';
import { matchesSelector } from '../registry/labels.ts';
import { createShardedTarget } from '../shards/sharded-target.ts';
import type { VectorStore } from '../stores/port.ts';
import { HevError } from '../wire/errors.ts';
import { Payload } from '../wire/payload.ts';
import { authorizeIndex } from './auth.ts';
import { pageNames } from './list-namespaces.ts';
import { bindStore, type NamespaceTarget, type ResolvedTarget, type TargetResolver } from './target.ts';
import { applyDistanceMetric } from './write-policy.ts';

export interface IndexResolverOptions {
  readonly registry: { current(): RegistrySnapshot };
  readonly stores: { get(entry: StoreEntry): VectorStore };
}

/** min(Index scan.threads, server cap, shard count), at least 1 (PRODUCT.md "scan.threads"). */
export function effectiveFanOut(entry: IndexEntry, snapshot: RegistrySnapshot): number {
  const cap = snapshot.gateway.spec.scan.maxThreads;
  return Math.max(1, Math.min(entry.policy.scanThreads, cap, entry.upstreamNamespaces.length));
}

function withIndexPolicy(target: NamespaceTarget, entry: IndexEntry): NamespaceTarget {
  return {
    ...target,
    write: (body, ctx) =>
      target.write(applyDistanceMetric(body, entry.policy.distanceMetric, entry.name), ctx),
  };
}

function buildTarget(entry: IndexEntry, store: VectorStore, snapshot: RegistrySnapshot): NamespaceTarget {
  const names = entry.upstreamNamespaces;
  const base =
    names.length === 1
      ? bindStore(store, names[0]!)
      : createShardedTarget(
          names.map((ns) => bindStore(store, ns)),
          { fanOut: effectiveFanOut(entry, snapshot), shardNames: names },
        );
  return withIndexPolicy(base, entry);
}

export function createIndexResolver(options: IndexResolverOptions): TargetResolver {
  const cache = new WeakMap<RegistrySnapshot, Map<string, ResolvedTarget>>();

  const lookup = (snapshot: RegistrySnapshot, name: string): IndexEntry => {
    const entry = snapshot.indexes.get(name) ?? implicitIndexEntry(snapshot, name);
    if (entry === undefined) {
      throw new HevError(
        'HEV_INDEX_NOT_FOUND',
        `🤷 namespace ${JSON.stringify(name)} not found: no Index named ${JSON.stringify(name)} is declared on this gateway`,
      );
    }
    return entry;
  };

  return {
    resolve(name, rctx) {
      const snapshot = options.registry.current();
      const entry = lookup(snapshot, name);
      authorizeIndex(rctx.principal, entry.name, entry.labels);
      let perSnapshot = cache.get(snapshot);
      const cached = perSnapshot?.get(name);
      if (cached !== undefined) return cached;
      if (!entry.ready || entry.store === undefined) {
        const ready = entry.conditions.find((c) => c.type === 'Ready');
        throw new HevError(
          'HEV_INDEX_NOT_READY',
          `Index ${JSON.stringify(name)} cannot be served: ${ready?.message ?? 'its store is not resolved'}`,
          { index: entry.name },
        );
      }
      const resolved: ResolvedTarget = {
        target: buildTarget(entry, options.stores.get(entry.store), snapshot),
        index: entry.name,
        store: entry.store.name,
      };
      if (perSnapshot === undefined) {
        perSnapshot = new Map();
        cache.set(snapshot, perSnapshot);
      }
      perSnapshot.set(name, resolved);
      return resolved;
    },

    async list(params, rctx) {
      const snapshot = options.registry.current();
      const selector = rctx.principal?.matchLabels ?? {};
      const names = [...snapshot.indexes.values()]
        .filter((entry) => matchesSelector(entry.labels, selector))
        .map((entry) => entry.name);
      return Payload.fromValue(pageNames(names, params));
    },
  };
}
