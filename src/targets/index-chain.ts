/**
 * The per-Index dispatch, composed in one place: Index policy → (cache slot, issue 9) → shards →
 * the store's own stack (limiter → instrumentation → adapter, from the store pool). Operations
 * enter with the Index name as `ns` and leave the shards layer with upstream namespace names.
 * See docs/architecture.md.
 */
import { effectiveFanOut } from '../registry/fan-out.ts';
import type { IndexEntry, RegistrySnapshot } from '../registry/types.ts';
import { shardsLayer } from '../shards/layer.ts';
import { compose, type Dispatch } from '../stores/operations.ts';
import { indexPolicyLayer } from './index-policy.ts';

/** Builds the dispatch of one Index over the dispatch of its store. */
export function indexChain(entry: IndexEntry, snapshot: RegistrySnapshot, store: Dispatch): Dispatch {
  return compose(
    [
      indexPolicyLayer({ name: entry.name, distanceMetric: entry.policy.distanceMetric }),
      shardsLayer({
        namespaces: entry.upstreamNamespaces,
        fanOut: effectiveFanOut(entry, snapshot),
      }),
    ],
    store,
  );
}
