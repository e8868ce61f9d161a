/**
 * Opens the VectorStore adapter a StoreEntry describes and stacks the store-level layers on it the
 * same way for every provider: the per-namespace upstream limiter outside, call timing (metrics)
 * inside, so measured latency excludes queueing and queue waits are measured on their own.
 */
import { createHash } from 'node:crypto';
import type { StoreEntry } from '../../registry/types.ts';
import type { GatewayMetrics } from '../../telemetry/metrics.ts';
import { instrumentLayer } from '../instrument/index.ts';
import { createNamespaceLimiter, type NamespaceLimiter } from '../limiter/index.ts';
import { createLocalStore } from '../local/index.ts';
import { compose, type Layer } from '../operations.ts';
import type { VectorStore } from '../port.ts';
import { createTurbopufferStore } from '../turbopuffer/index.ts';

/** Where API keys come from (main/secrets.ts); errors name the source, never a value. */
export interface KeySource {
  fromEnv(variable: string): string;
  /** `namespace`: the Kubernetes namespace of the VectorStore (operator mode). */
  fromSecretRef(ref: { readonly name: string; readonly key: string; readonly namespace?: string }): string;
}

export interface StoreFactoryOptions {
  readonly secrets: KeySource;
  readonly metrics?: GatewayMetrics | undefined;
  /** Read when a store opens; later changes reach open stores through `OpenStore.limiter`. */
  readonly maxInFlightPerNamespace: number;
}

/** An open store with its layers, and the limiter a reload adjusts. */
export interface OpenStore {
  readonly store: VectorStore;
  readonly limiter: NamespaceLimiter;
}

/**
 * Two entries with the same identity share one open adapter; a changed identity reopens it. The
 * identity is the connection parameters only: policy (the limiter's cap) changes apply live.
 */
export function storeIdentity(entry: StoreEntry): string {
  if (entry.provider === 'local') return `local:${entry.localPath ?? ''}`;
  const tp = entry.resource.spec.turbopuffer;
  return `turbopuffer:${JSON.stringify({
    region: tp?.region,
    baseURL: tp?.baseURL,
    apiKeyEnv: tp?.apiKeyEnv,
    apiKeySecretRef: tp?.apiKeySecretRef,
    timeoutMs: entry.timeoutMs,
    maxConcurrency: entry.maxConcurrency,
  })}`;
}

/** A turbopuffer VectorStore's API key, from its env var or Secret; errors name the source, never a value. */
export function storeApiKey(entry: StoreEntry, secrets: KeySource): string {
  const tp = entry.resource.spec.turbopuffer;
  if (tp?.apiKeyEnv !== undefined) return secrets.fromEnv(tp.apiKeyEnv);
  if (tp?.apiKeySecretRef !== undefined) {
    return secrets.fromSecretRef({ ...tp.apiKeySecretRef, namespace: entry.k8sNamespace });
  }
  throw new Error(`VectorStore ${entry.name}: no API key source`);
}

/**
 * A short digest of a turbopuffer store's current API key ('' for local stores, `unreadable` when
 * the key cannot be read): part of the pool identity, so a rotated key reopens the store. The
 * digest is one-way; the key itself is never kept or logged here.
 */
export function storeKeyDigest(entry: StoreEntry, secrets: KeySource): string {
  if (entry.provider !== 'turbopuffer') return '';
  try {
    return createHash('sha256').update(storeApiKey(entry, secrets)).digest('hex').slice(0, 16);
  } catch {
    return 'unreadable';
  }
}

async function openAdapter(entry: StoreEntry, options: StoreFactoryOptions): Promise<VectorStore> {
  if (entry.provider === 'local') {
    if (entry.localPath === undefined) throw new Error(`VectorStore ${entry.name}: no local path`);
    return createLocalStore({ path: entry.localPath });
  }
  const tp = entry.resource.spec.turbopuffer;
  if (tp === undefined) throw new Error(`VectorStore ${entry.name}: spec.turbopuffer is missing`);
  const apiKey = storeApiKey(entry, options.secrets);
  const metrics = options.metrics;
  return createTurbopufferStore({
    name: entry.name,
    apiKey,
    ...(tp.baseURL === undefined ? {} : { baseURL: tp.baseURL }),
    ...(tp.region === undefined ? {} : { region: tp.region }),
    timeoutMs: entry.timeoutMs,
    maxConnections: entry.maxConcurrency,
    ...(metrics === undefined
      ? {}
      : {
          observer: {
            onRetry: (e) => metrics.upstreamRetries.inc({ store: entry.name, op: e.op, reason: e.reason }),
          },
        }),
  });
}

export async function openStore(entry: StoreEntry, options: StoreFactoryOptions): Promise<OpenStore> {
  const adapter = await openAdapter(entry, options);
  const metrics = options.metrics;
  const queueWait = metrics?.upstreamQueueWait.labels({ store: entry.name });
  const rejected = metrics?.upstreamRejected.labels({ store: entry.name });
  const limiter = createNamespaceLimiter({
    maxInFlightPerNamespace: options.maxInFlightPerNamespace,
    observer: {
      onQueue: (e) => {
        queueWait?.observe(e.waitMs / 1000);
        if (e.outcome === 'timeout') rejected?.inc();
      },
    },
  });
  const layers: Layer[] = [limiter.layer];
  if (metrics !== undefined) {
    layers.push(
      instrumentLayer((op, outcome) => {
        const child = metrics.upstreamDuration.labels({ store: entry.name, op, outcome });
        return (seconds) => child.observe(seconds);
      }),
    );
  }
  // A reopened store (changed identity) registers before the old one closes: remove only our own.
  const source = () => limiter.totalInFlight();
  metrics?.inFlightSources.set(entry.name, source);
  const store: VectorStore = {
    kind: adapter.kind,
    dispatch: compose(layers, adapter.dispatch),
    ping: (ctx) => adapter.ping(ctx),
    async close() {
      if (metrics?.inFlightSources.get(entry.name) === source) metrics.inFlightSources.delete(entry.name);
      limiter.close();
      await adapter.close();
    },
  };
  return { store, limiter };
}
