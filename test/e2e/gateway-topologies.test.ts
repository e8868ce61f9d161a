/**
 * Issue 4 acceptance: the whole turbopuffer conformance suite, driven by the official SDK, through
 * the gateway in two topologies:
 *   (a) client → gateway (declared Indexes) → local store;
 *   (b) client → gateway A (turbopuffer adapter, baseURL = gateway B) → gateway B → local store.
 * In (b) both gateways require keys, and they differ: B would answer 401 if A forwarded the
 * client's key instead of its own store key.
 */
import {
  CONFORMANCE_NAMESPACES,
  CONFORMANCE_VECTOR_METRICS,
  defineConformanceSuite,
} from '../conformance/suite.ts';
import {
  indexManifest,
  localStore,
  startGatewayFixture,
  gatewayConfigManifest,
  turbopufferStore,
} from '../helpers/gateway-fixture.ts';

function conformanceIndexes(): Record<string, unknown>[] {
  return CONFORMANCE_NAMESPACES.map((name) => {
    const metric = CONFORMANCE_VECTOR_METRICS[name];
    return indexManifest(name, metric === undefined ? {} : { backend: { distanceMetric: metric } });
  });
}

function gatewayConfig(keyEnv?: string): Record<string, unknown> {
  return gatewayConfigManifest(
    keyEnv === undefined ? {} : { auth: { apiKeys: [{ name: 'client', keyEnv }] } },
  );
}

defineConformanceSuite('gateway → local store', async () => {
  const gw = await startGatewayFixture({
    manifests: [gatewayConfig(), localStore(), ...conformanceIndexes()],
  });
  return { baseURL: gw.url, apiKey: 'unused-in-open-mode', close: () => gw.close() };
});

defineConformanceSuite('gateway A (turbopuffer adapter) → gateway B → local store', async () => {
  const gatewayB = await startGatewayFixture({
    manifests: [gatewayConfig('B_CLIENT_KEY'), localStore(), ...conformanceIndexes()],
    env: { B_CLIENT_KEY: 'key-of-gateway-a-at-b' },
  });
  const upstream = turbopufferStore('gateway-b', { baseURL: gatewayB.url, apiKeyEnv: 'B_STORE_KEY' });
  try {
    const gatewayA = await startGatewayFixture({
      manifests: [gatewayConfig('A_CLIENT_KEY'), upstream, ...conformanceIndexes()],
      env: { A_CLIENT_KEY: 'client-key-at-a', B_STORE_KEY: 'key-of-gateway-a-at-b' },
    });
    return {
      baseURL: gatewayA.url,
      apiKey: 'client-key-at-a',
      close: async () => {
        await gatewayA.close();
        await gatewayB.close();
      },
    };
  } catch (err) {
    await gatewayB.close();
    throw err;
  }
});
