/**
 * Resolves a namespace named in a URL to what serves it, from the current registry snapshot: the
 * declared Index (else 404 — hevlayer is not an open proxy, unless the dev-only implicitIndexes
 * mode is on), the caller's right to it (403) and its readiness (503 with the Ready condition's
 * message). What serves it is the Index's dispatch from targets/, built once per snapshot and Index
 * (with the process's read cache, when there is one).
 * The source a copy/branch write names is resolved the same way, per request (copy-source.ts).
 */
import type { CacheRuntime } from '../cache/runtime.ts';
import type { RegistrySnapshot, IndexEntry, StoreEntry } from '../registry/types.ts';
import { implicitIndexEntry } from '../registry/resolve-index.ts';
import { matchesSelector } from '../registry/labels.ts';
import { namedSource } from '../stores/copy-source.ts';
import type { VectorStore } from '../stores/port.ts';
import { indexChain } from '../targets/index-chain.ts';
import { HevError } from '../wire/errors.ts';
import { Payload } from '../wire/payload.ts';
import { authorizeIndex } from './auth.ts';
import { resolveSource, type StoreApiKey } from './copy-source.ts';
import { pageNames } from './list-namespaces.ts';
import type { ResolvedTarget, TargetResolver } from './target.ts';

export interface IndexResolverOptions {
  readonly registry: { current(): RegistrySnapshot };
  readonly stores: { get(entry: StoreEntry): VectorStore };
  /** A turbopuffer store's API key, for a copy whose source Index lives on another store. */
  readonly storeApiKey?: StoreApiKey;
  /** The read cache shared by every Index chain; without it, no Index is cached. */
  readonly cache?: CacheRuntime | undefined;
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
        dispatch: indexChain(entry, snapshot, options.stores.get(entry.store).dispatch, options.cache),
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

    resolveSource(name, body, rctx) {
      const named = namedSource(body?.value());
      if (named === undefined) return undefined;
      const snapshot = options.registry.current();
      return resolveSource({
        named,
        target: lookup(snapshot, name),
        source: snapshot.indexes.get(named.name) ?? implicitIndexEntry(snapshot, named.name),
        principal: rctx.principal,
        storeApiKey: options.storeApiKey,
      });
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
