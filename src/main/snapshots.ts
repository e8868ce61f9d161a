/**
 * The snapshot writer's wiring in `hevlayer serve`: the object store GatewayConfig
 * `spec.snapshots` names (filesystem under the data dir, or S3 with credentials from a Secret or
 * the AWS chain), the lease that matches the deployment (a file lock when the cache is in-process
 * — one machine; Redis or Aerospike when the cache is shared; the operator wires a Kubernetes
 * Lease), the history bridge and the writer as a service. Object store and lease settings take
 * effect on restart, like the cache's.
 */
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { lazyConnection } from '../cache/aerospike-connection.ts';
import { DEFAULT_REDIS_NAMESPACE, redisConnectionOptions } from '../cache/redis.ts';
import { createAerospikeLeaseStore } from '../leases/aerospike.ts';
import { createFileLeaseStore } from '../leases/file.ts';
import type { LeaseStore } from '../leases/port.ts';
import { createRedisLeaseStore } from '../leases/redis.ts';
import { createFilesystemObjectStore } from '../objects/filesystem.ts';
import type { ObjectStore } from '../objects/port.ts';
import { createS3ObjectStore } from '../objects/s3.ts';
import type { IndexEntry, RegistrySnapshot, ResolvedGatewayConfig } from '../registry/types.ts';
import { SnapshotBridge, createSnapshotMetrics } from '../snapshots/bridge.ts';
import { SnapshotHistory } from '../snapshots/history.ts';
import { SnapshotLayout } from '../snapshots/layout.ts';
import { SnapshotWriter } from '../snapshots/writer.ts';
import type { VectorStore } from '../stores/port.ts';
import { indexChain } from '../targets/index-chain.ts';
import type { Logger } from '../telemetry/logger.ts';
import type { GatewayMetrics } from '../telemetry/metrics.ts';
import type { SecretSource } from './secrets.ts';
import type { ServiceStack } from './services.ts';

export function openSnapshotObjectStore(gateway: ResolvedGatewayConfig, secrets: SecretSource): ObjectStore {
  const spec = gateway.spec.snapshots;
  if (spec.store === 'filesystem')
    return createFilesystemObjectStore(gateway.snapshotsPath ?? 'data/snapshots');
  const ref = spec.credentialsSecretRef;
  const credentials =
    ref === undefined
      ? undefined
      : {
          accessKeyId: secrets.fromSecretRef({
            name: ref.name,
            key: ref.accessKeyIdKey ?? 'AWS_ACCESS_KEY_ID',
          }),
          secretAccessKey: secrets.fromSecretRef({
            name: ref.name,
            key: ref.secretAccessKeyKey ?? 'AWS_SECRET_ACCESS_KEY',
          }),
        };
  return createS3ObjectStore({
    bucket: spec.bucket ?? '',
    endpoint: spec.endpoint,
    region: spec.region,
    forcePathStyle: spec.forcePathStyle,
    credentials,
  });
}

/** The lease matching the cache: shared cache → shared lease; in-process cache → one machine. */
export function openLeaseStore(gateway: ResolvedGatewayConfig, dataDir: string): LeaseStore {
  const cache = gateway.spec.cache;
  if (cache.backend === 'redis' && cache.url !== undefined) {
    const client = new Redis(cache.url, redisConnectionOptions(1000));
    client.on('error', () => undefined); // failures surface as lease renewal failures
    return createRedisLeaseStore(client, { prefix: cache.namespace ?? DEFAULT_REDIS_NAMESPACE });
  }
  if (cache.backend === 'aerospike' && cache.hosts !== undefined && cache.namespace !== undefined) {
    const connection = lazyConnection({ hosts: cache.hosts }, 1000, Date.now);
    const store = createAerospikeLeaseStore({ namespace: cache.namespace, client: () => connection.get() });
    return { ...store, close: () => connection.close() };
  }
  return createFileLeaseStore(join(dataDir, 'data', 'leases'));
}

export interface SnapshotsWiring {
  readonly registry: { current(): RegistrySnapshot };
  readonly stores: { get(entry: NonNullable<IndexEntry['store']>): VectorStore };
  readonly secrets: SecretSource;
  readonly metrics: GatewayMetrics;
  readonly logger: Logger;
  readonly dataDir: string;
  /** The writers' leases when the caller has them (operator mode: Kubernetes Leases). */
  readonly leases?: LeaseStore | undefined;
}

export interface RunningSnapshots {
  readonly writer: SnapshotWriter;
  readonly history: SnapshotHistory;
  readonly bridge: SnapshotBridge;
}

/** Starts the `snapshots` service (after the stores, before the HTTP server). */
export async function startSnapshots(services: ServiceStack, w: SnapshotsWiring): Promise<RunningSnapshots> {
  const gateway = w.registry.current().gateway;
  const objects = openSnapshotObjectStore(gateway, w.secrets);
  const leases = w.leases ?? openLeaseStore(gateway, w.dataDir);
  const history = new SnapshotHistory(objects, new SnapshotLayout(gateway.spec.snapshots.prefix));
  const bridge = new SnapshotBridge({
    history,
    metrics: createSnapshotMetrics(w.metrics.registry),
    onError: (err, entry) =>
      w.logger.warn({ index: entry.name, err: String(err) }, 'snapshot status not readable/writable'),
  });
  const writer = new SnapshotWriter({
    registry: w.registry,
    dispatchFor: (entry) =>
      entry.ready && entry.store !== undefined
        ? indexChain(entry, w.registry.current(), w.stores.get(entry.store).dispatch)
        : undefined,
    history,
    bridge,
    leases,
    logger: w.logger,
  });
  await services.start({
    name: 'snapshots',
    start: (signal) => writer.start(signal),
    close: async () => {
      await writer.close();
      await leases.close();
      await objects.close();
    },
  });
  w.logger.info(
    { store: objects.kind, holder: writer.holder, prefix: gateway.spec.snapshots.prefix },
    'facet snapshot writer',
  );
  return { writer, history, bridge };
}
