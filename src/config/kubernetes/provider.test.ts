/**
 * The Kubernetes provider against the test API server: objects reach the registry, changes and
 * deletes follow, a dropped watch and a 410 Expired both recover without losing an update, an
 * invalid Index is left out while the others serve, and the operator's own status writes never
 * republish.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { emptyRegistry } from '../../registry/build.ts';
import { RegistryHolder } from '../../registry/holder.ts';
import { silentLogger } from '../../telemetry/logger.ts';
import { startKubeApiServer, type KubeApiServer } from '../../../test/helpers/kube-api-server.ts';
import {
  apply,
  eventually,
  kubeIndex,
  kubeLocalStore,
  kubeSecret,
  mergePatch,
  remove,
} from '../../../test/helpers/kube-fixtures.ts';
import { loadKubeConfig } from './kube-config.ts';
import { KubernetesConfigProvider } from './provider.ts';

const NS = 'layer';
let api: KubeApiServer;
let holder: RegistryHolder;
let provider: KubernetesConfigProvider;

async function startProvider(): Promise<void> {
  holder = new RegistryHolder({ initial: emptyRegistry('/tmp'), source: 'kubernetes', location: NS });
  provider = new KubernetesConfigProvider({
    kubeConfig: loadKubeConfig({ text: api.kubeconfig() }),
    namespace: NS,
    holder,
    dataDir: '/tmp/hev-k8s-provider',
    logger: silentLogger(),
    debounceMs: 10,
    backoff: { initialMs: 20, maxMs: 100 },
  });
  await provider.start();
}

beforeEach(async () => {
  api = await startKubeApiServer();
  await apply(api, kubeLocalStore('local', NS, 'data/local'), kubeIndex('products', NS, {}, { app: 'shop' }));
});

afterEach(async () => {
  await provider.close();
  await api.close();
});

describe('KubernetesConfigProvider', () => {
  it('publishes the Indexes and VectorStores of its namespace into the registry at start', async () => {
    await apply(api, kubeIndex('elsewhere', 'other'));
    await startProvider();
    const snapshot = holder.current();
    expect([...snapshot.indexes.keys()]).toEqual(['products']);
    expect(snapshot.indexes.get('products')?.store?.name).toBe('local');
    expect(snapshot.indexes.get('products')?.labels).toEqual({ app: 'shop' });
  });

  it('follows create, update and delete of an Index', async () => {
    await startProvider();
    await apply(api, kubeIndex('books', NS));
    await eventually(() => holder.current().indexes.get('books'));
    await mergePatch(api, 'Index', NS, 'books', { spec: { consistency: 'eventual' } });
    await eventually(() =>
      holder.current().indexes.get('books')?.policy.consistency === 'eventual' ? true : undefined,
    );
    await remove(api, 'Index', NS, 'books');
    await eventually(() => (holder.current().indexes.has('books') ? undefined : true));
  });

  it('recovers from a watch dropped mid-stream without losing the update made while it was down', async () => {
    await startProvider();
    await eventually(() => (api.openWatches() === 4 ? true : undefined));
    expect(api.dropWatches()).toBe(4);
    await mergePatch(api, 'Index', NS, 'products', { spec: { consistency: 'eventual' } });
    await eventually(() =>
      holder.current().indexes.get('products')?.policy.consistency === 'eventual' ? true : undefined,
    );
    expect(provider.restarts().Index).toBeGreaterThanOrEqual(1);
  });

  it('relists after 410 Expired (history compacted while the watch was down) and keeps the update', async () => {
    await startProvider();
    await eventually(() => (api.openWatches() === 4 ? true : undefined));
    const relists = () => api.requests.filter((r) => r.verb === 'list' && r.resource === 'indexes').length;
    const before = relists();
    api.dropWatches();
    await mergePatch(api, 'Index', NS, 'products', { spec: { scan: { threads: 3 } } });
    api.store.compact();
    await eventually(() =>
      holder.current().indexes.get('products')?.policy.scanThreads === 3 ? true : undefined,
    );
    expect(relists()).toBeGreaterThan(before);
  });

  it('leaves an invalid Index out of the registry, keeps its problems and serves the others', async () => {
    await apply(api, kubeIndex('broken', NS, { scan: { threads: 0 } }));
    await startProvider();
    expect([...holder.current().indexes.keys()]).toEqual(['products']);
    const broken = provider.indexes().find((v) => v.key === `${NS}/Index/broken`);
    expect(broken?.resource).toBeUndefined();
    expect(broken?.problems.map((p) => p.path)).toContain('spec.scan.threads');
  });

  it('does not republish when only an Index status changes (the operator writing status)', async () => {
    await startProvider();
    const generation = holder.current().generation;
    await api.kube(
      'PATCH',
      `/apis/hevlayer.com/v1/namespaces/${NS}/indexes/products/status`,
      { status: { observedGeneration: 1 } },
      'application/merge-patch+json',
    );
    await apply(api, kubeSecret('unrelated', NS, { x: 'y' }));
    await new Promise((r) => setTimeout(r, 150));
    expect(holder.current().generation).toBe(generation);
  });

  it('republishes when a referenced Secret changes, and the new value is what the secret source returns', async () => {
    await apply(api, kubeSecret('tpuf', NS, { apiKey: 'key-one' }), {
      apiVersion: 'hevlayer.com/v1',
      kind: 'VectorStore',
      metadata: { name: 'remote', namespace: NS },
      spec: {
        provider: 'turbopuffer',
        turbopuffer: { baseURL: 'http://127.0.0.1:9', apiKeySecretRef: { name: 'tpuf', key: 'apiKey' } },
      },
    });
    await startProvider();
    const generation = holder.current().generation;
    expect(provider.secrets.fromSecretRef({ name: 'tpuf', key: 'apiKey', namespace: NS })).toBe('key-one');
    await mergePatch(api, 'Secret', NS, 'tpuf', {
      data: { apiKey: Buffer.from('key-two').toString('base64') },
    });
    await eventually(() => (holder.current().generation > generation ? true : undefined));
    expect(provider.secrets.fromSecretRef({ name: 'tpuf', key: 'apiKey', namespace: NS })).toBe('key-two');
  });
});
