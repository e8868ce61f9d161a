/**
 * Opens the VectorStore adapter a StoreEntry describes and wraps it the same way for every
 * provider: call timing (metrics) inside, the per-namespace upstream limiter outside, so measured
 * latency excludes queueing and queue waits are measured on their own.
 */
import type { StoreEntry } from '../registry/types.ts';
import { withInstrumentation } from '../stores/instrument/index.ts';
import { withNamespaceLimiter } from '../stores/limiter/index.ts';
import { createLocalStore } from '../stores/local/index.ts';
import type { VectorStore } from '../stores/port.ts';
import { createTurbopufferStore } from '../stores/turbopuffer/index.ts';
import type { GatewayMetrics } from '../telemetry/metrics.ts';
import type { SecretSource } from './secrets.ts';

export interface StoreFactoryOptions {
  readonly secrets: SecretSource;
  readonly metrics?: GatewayMetrics;
  readonly maxInFlightPerNamespace: number;
}

/** Two entries with the same identity share one open adapter; a changed identity reopens it. */
export function storeIdentity(
  entry: StoreEntry,
  options: Pick<StoreFactoryOptions, 'maxInFlightPerNamespace'>,
): string {
  if (entry.provider === 'local') return `local:${entry.localPath ?? ''}`;
  const tp = entry.resource.spec.turbopuffer;
  return `turbopuffer:${JSON.stringify({
    region: tp?.region,
    baseURL: tp?.baseURL,
    apiKeyEnv: tp?.apiKeyEnv,
    apiKeySecretRef: tp?.apiKeySecretRef,
    timeoutMs: entry.timeoutMs,
    maxConcurrency: entry.maxConcurrency,
    maxInFlight: options.maxInFlightPerNamespace,
  })}`;
}

async function openAdapter(entry: StoreEntry, options: StoreFactoryOptions): Promise<VectorStore> {
  if (entry.provider === 'local') {
    if (entry.localPath === undefined) throw new Error(`VectorStore ${entry.name}: no local path`);
    return createLocalStore({ path: entry.localPath });
  }
  const tp = entry.resource.spec.turbopuffer;
  if (tp === undefined) throw new Error(`VectorStore ${entry.name}: spec.turbopuffer is missing`);
  const apiKey =
    tp.apiKeyEnv !== undefined
      ? options.secrets.fromEnv(tp.apiKeyEnv)
      : tp.apiKeySecretRef !== undefined
        ? options.secrets.fromSecretRef(tp.apiKeySecretRef)
        : undefined;
  if (apiKey === undefined) throw new Error(`VectorStore ${entry.name}: no API key source`);
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

export async function openStore(entry: StoreEntry, options: StoreFactoryOptions): Promise<VectorStore> {
  const adapter = await openAdapter(entry, options);
  const metrics = options.metrics;
  if (metrics === undefined) {
    return withNamespaceLimiter(adapter, { maxInFlightPerNamespace: options.maxInFlightPerNamespace });
  }
  const timed = withInstrumentation(adapter, (op, outcome) => {
    const child = metrics.upstreamDuration.labels({ store: entry.name, op, outcome });
    return (seconds) => child.observe(seconds);
  });
  const queueWait = metrics.upstreamQueueWait.labels({ store: entry.name });
  const rejected = metrics.upstreamRejected.labels({ store: entry.name });
  const limited = withNamespaceLimiter(timed, {
    maxInFlightPerNamespace: options.maxInFlightPerNamespace,
    observer: {
      onQueue: (e) => {
        queueWait.observe(e.waitMs / 1000);
        if (e.outcome === 'timeout') rejected.inc();
      },
    },
  });
  // A reopened store (changed identity) registers before the old one closes: remove only our own.
  const source = () => limited.totalInFlight();
  metrics.inFlightSources.set(entry.name, source);
  return {
    ...limited,
    close: async () => {
      if (metrics.inFlightSources.get(entry.name) === source) metrics.inFlightSources.delete(entry.name);
      await limited.close();
    },
  };
}
