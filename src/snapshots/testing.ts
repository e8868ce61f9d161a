/**
 * Test support for the snapshot writer: a local store on a hand-moved clock, a registry with one
 * Index (`products`, optionally sharded) and a GatewayConfig, its dispatch, a filesystem object
 * store (optionally made to fail), a file lease on the same clock, and writers built over them.
 * Nothing here sleeps: time moves only by `advance(ms)`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { createFileLeaseStore } from '../leases/file.ts';
import type { LeaseStore } from '../leases/port.ts';
import { createFilesystemObjectStore } from '../objects/filesystem.ts';
import { ObjectStoreError, type ObjectStore } from '../objects/port.ts';
import { buildRegistry } from '../registry/build.ts';
import type { IndexEntry, RegistrySnapshot } from '../registry/types.ts';
import { validateManifestSet } from '../resources/manifests.ts';
import { createLocalStore, type LocalStore } from '../stores/local/index.ts';
import type { Dispatch } from '../stores/operations.ts';
import { indexChain } from '../targets/index-chain.ts';
import { Payload } from '../wire/payload.ts';
import { SnapshotBridge } from './bridge.ts';
import type { CountMode } from './facets.ts';
import { SnapshotHistory } from './history.ts';
import { SnapshotLayout } from './layout.ts';
import { SnapshotWriter } from './writer.ts';

export interface KitOptions {
  readonly shards?: number;
  readonly facetFields?: readonly string[];
  readonly interval?: string;
  readonly retention?: string;
  readonly settle?: string;
  /** Extra Index spec fields. */
  readonly schema?: Record<string, unknown>;
}

/** An object store that fails every call while `failing` is set (an outage). */
export function failableStore(inner: ObjectStore): ObjectStore & { failing: boolean } {
  const guard =
    <A extends unknown[], R>(op: string, fn: (...args: A) => Promise<R>) =>
    (...args: A): Promise<R> =>
      wrapper.failing
        ? Promise.reject(new ObjectStoreError(op, String(args[0]), 'ECONNREFUSED'))
        : fn(...args);
  const wrapper = {
    kind: inner.kind,
    failing: false,
    put: guard('put', (k: string, b: Buffer | string) => inner.put(k, b)),
    get: guard('get', (k: string) => inner.get(k)),
    list: guard('list', (p: string) => inner.list(p)),
    delete: guard('delete', (k: readonly string[]) => inner.delete(k)),
    close: () => inner.close(),
  };
  return wrapper;
}

/** A registry with a GatewayConfig, the default local VectorStore and one Index (tests, bench). */
export function singleIndexRegistry(
  name: string,
  indexSpec: Record<string, unknown>,
  gatewaySpec: Record<string, unknown>,
  dataDir: string,
  loadedAt = new Date().toISOString(),
): RegistrySnapshot {
  const manifests = [
    { apiVersion: 'hevlayer.com/v1', kind: 'GatewayConfig', metadata: { name: 'gw' }, spec: gatewaySpec },
    {
      apiVersion: 'hevlayer.com/v1',
      kind: 'VectorStore',
      metadata: { name: 'local' },
      spec: { provider: 'local', default: true },
    },
    { apiVersion: 'hevlayer.com/v1', kind: 'Index', metadata: { name }, spec: indexSpec },
  ];
  const set = validateManifestSet([
    { file: 'kit.yaml', text: manifests.map((m) => stringify(m)).join('---\n') },
  ]);
  const errors = set.problems.filter((p) => p.severity === 'error');
  if (errors.length > 0) throw new Error(`manifests invalid: ${JSON.stringify(errors)}`);
  return buildRegistry({ resources: set.resources, generation: 1, loadedAt, dataDir });
}

export async function openSnapshotKit(options: KitOptions = {}) {
  let t = Date.parse('2026-06-01T00:00:00Z');
  const now = () => t;
  const dir = mkdtempSync(join(tmpdir(), 'hevlayer-snapkit-'));
  const store: LocalStore = await createLocalStore({ path: join(dir, 'local'), clock: now, readers: 1 });
  const registry = singleIndexRegistry(
    'products',
    {
      backend: { shards: options.shards ?? 1 },
      snapshot: {
        facetFields: options.facetFields ?? ['category', 'brand'],
        interval: options.interval ?? '5m',
        retention: options.retention ?? 'never',
      },
    },
    { snapshots: { settle: options.settle ?? '30s' } },
    dir,
    new Date(t).toISOString(),
  );
  const entry = registry.indexes.get('products') as IndexEntry;
  const dispatch: Dispatch = indexChain(entry, registry, store.dispatch);
  const objects = failableStore(createFilesystemObjectStore(join(dir, 'snapshots')));
  const history = new SnapshotHistory(objects, new SnapshotLayout(''));
  const leases: LeaseStore = createFileLeaseStore(join(dir, 'leases'), { now });
  const bridge = new SnapshotBridge({ history, now });

  const writer = (more: { holder?: string; countMode?: CountMode; leases?: LeaseStore } = {}) =>
    new SnapshotWriter({
      registry: { current: () => registry },
      dispatchFor: () => dispatch,
      history,
      bridge,
      leases: more.leases ?? leases,
      now,
      leaseTtlMs: 60_000,
      ...(more.holder === undefined ? {} : { holder: more.holder }),
      ...(more.countMode === undefined ? {} : { countMode: more.countMode }),
    });

  return {
    entry,
    registry,
    dispatch,
    objects,
    history,
    bridge,
    leases,
    writer,
    now,
    advance: (ms: number) => (t += ms),
    async upsert(rows: Record<string, unknown>[]): Promise<void> {
      await dispatch({ op: 'write', ns: 'products', body: Payload.fromValue({ upsert_rows: rows }) }, {});
    },
    async close(): Promise<void> {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export type SnapshotKit = Awaited<ReturnType<typeof openSnapshotKit>>;
