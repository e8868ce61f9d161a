/**
 * What a sharded Index (every Index over N upstream namespaces) legitimately answers differently
 * from one namespace, by conformance case title, with the reason (docs/adr/sharding.md). Each
 * listed case is reported as a named skip in the sharded topology; everything else must pass.
 */
import type { KnownDifferences } from './harness.ts';

const BM25_STATISTICS =
  'BM25 scores use per-shard statistics (document count, average length, term frequencies), ' +
  'so scores and their order across shards differ from one namespace';
const BY_FILTER_CAP_PER_SHARD =
  'each shard applies the by-filter cap to its own rows, so one request patches or deletes up to ' +
  'shards × cap rows';

export const SHARDED_DIFFERENCES: KnownDifferences = {
  'ranks by term frequency and length, and drops non-matching documents': BM25_STATISTICS,
  'Sum adds the clause scores': BM25_STATISTICS,
  'BM25 rows can carry requested attributes': BM25_STATISTICS,
  'patch_by_filter over the cap is a 400 without allow_partial, batched with it': BY_FILTER_CAP_PER_SHARD,
  'delete_by_filter over the cap is a 400 without allow_partial, batched with it': BY_FILTER_CAP_PER_SHARD,
};
