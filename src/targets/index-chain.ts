/**
 * The per-Index dispatch, composed in one place: Index policy → read cache (when the gateway has a
 * CacheStore) → shards → the store's own stack (limiter → instrumentation → adapter, from the store
 * pool). Operations enter with the Index name as `ns` and leave the shards layer with upstream
 * namespace names; the cache sits above the shards, so it keeps merged answers and bumps the epochs
 * of every upstream namespace of the Index. See docs/architecture.md.
 */
import { cacheLayer } from '../cache/layer.ts';
import { setName, upstreamIdentity } from '../cache/keys.ts';
import type { CacheRuntime } from '../cache/runtime.ts';
import { effectiveFanOut } from '../registry/fan-out.ts';
import type { IndexEntry, RegistrySnapshot } from '../registry/types.ts';
import { shardsLayer } from '../shards/layer.ts';
import { compose, type Dispatch, type Layer } from '../stores/operations.ts';
import { indexPolicyLayer } from './index-policy.ts';

function cacheLayerOf(entry: IndexEntry, cache: CacheRuntime | undefined): Layer[] {
  if (cache === undefined || entry.store === undefined) return [];
  return [
    cacheLayer({
      runtime: cache,
      index: entry.name,
      set: setName(entry.k8sNamespace, entry.name),
      identity: upstreamIdentity(entry.store),
      namespaces: entry.upstreamNamespaces,
      policy: entry.policy,
    }),
  ];
}

/** Builds the dispatch of one Index over the dispatch of its store. */
export function indexChain(
  entry: IndexEntry,
  snapshot: RegistrySnapshot,
  store: Dispatch,
  cache?: CacheRuntime,
): Dispatch {
  return compose(
    [
      indexPolicyLayer({ name: entry.name, distanceMetric: entry.policy.distanceMetric }),
      ...cacheLayerOf(entry, cache),
      shardsLayer({
        namespaces: entry.upstreamNamespaces,
        fanOut: effectiveFanOut(entry, snapshot),
      }),
    ],
    store,
  );
}
