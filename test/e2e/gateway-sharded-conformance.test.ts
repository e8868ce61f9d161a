/**
 * Issue 13 acceptance: the turbopuffer conformance suite, driven by the official SDK, in a fourth
 * topology: client → gateway → local store, with every conformance Index sharded 3 ways
 * (`backend.shards: 3`). What legitimately differs from one namespace is listed, with its reason,
 * in test/conformance/sharded-differences.ts.
 */
import {
  CONFORMANCE_NAMESPACES,
  CONFORMANCE_VECTOR_METRICS,
  SHARDED_DIFFERENCES,
  defineConformanceSuite,
} from '../conformance/suite.ts';
import {
  indexManifest,
  localStore,
  startGatewayFixture,
  gatewayConfigManifest,
} from '../helpers/gateway-fixture.ts';

const SHARDS = 3;

function shardedIndexes(): Record<string, unknown>[] {
  return CONFORMANCE_NAMESPACES.map((name) => {
    const metric = CONFORMANCE_VECTOR_METRICS[name];
    return indexManifest(name, {
      backend: { shards: SHARDS, ...(metric === undefined ? {} : { distanceMetric: metric }) },
    });
  });
}

defineConformanceSuite(
  `gateway → local store, every Index sharded ${SHARDS} ways`,
  async () => {
    const gw = await startGatewayFixture({
      manifests: [gatewayConfigManifest(), localStore(), ...shardedIndexes()],
    });
    return { baseURL: gw.url, apiKey: 'unused-in-open-mode', close: () => gw.close() };
  },
  { shardedDifferences: SHARDED_DIFFERENCES },
);
