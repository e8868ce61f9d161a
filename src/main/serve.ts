/**
 * Composition root of `hevlayer serve`: the file config provider feeds a RegistryHolder; the
 * gateway server answers the turbopuffer routes, the hevlayer API and the probes over it. This is
 * the only place where environment variables, the config directory and `new` meet.
 *
 * The data plane: a StorePool keeps one adapter per distinct store (opened, reused and closed as
 * the registry changes), the Index resolver routes each request to its store and shards, and
 * StoreHealth answers /readyz and the UpstreamReachable condition. The read cache (one
 * CacheStore per process, from spec.cache) is a layer of every Index chain.
 */
import { resolve } from 'node:path';
import { cacheCondition, cacheFigures, indexCacheStatus } from '../cache/status.ts';
import { CacheRuntime } from '../cache/runtime.ts';
import { withBudget } from '../cache/budget.ts';
import { describeCacheSpec, openCacheStore } from '../cache/open.ts';
import { FileConfigProvider } from '../config/file/provider.ts';
import type { ConfigProvider } from '../config/provider.ts';
import type { ApiKeyGrantInput } from '../gateway/auth.ts';
import { registerHevlayerRoutes, registerReadiness } from '../gateway/hevlayer-routes.ts';
import { createIndexResolver } from '../gateway/index-resolver.ts';
import { registerSnapshotRoutes } from '../gateway/snapshot-routes.ts';
import { registerScanRoutes, resolveScanTarget } from '../gateway/scan-routes.ts';
import { WarmService } from '../scan/warmers.ts';
import { createGatewayServer, type GatewayServer } from '../gateway/server.ts';
import { emptyRegistry } from '../registry/build.ts';
import { RegistryHolder } from '../registry/holder.ts';
import { parseDelay, parseDuration } from '../resources/duration.ts';
import type { GatewayConfigSpec } from '../resources/gateway-config-schema.ts';
import { createLogger, type Logger } from '../telemetry/logger.ts';
import { createMetrics, type GatewayMetrics } from '../telemetry/metrics.ts';
import { httpService, type ShutdownTiming } from './http-service.ts';
import { createLiveAuthorizer } from './live-auth.ts';
import { createSecretSource, type SecretSource } from './secrets.ts';
import { ServiceStack, type Service } from './services.ts';
import { startSnapshots } from './snapshots.ts';
import { indexSnapshotStatus } from '../snapshots/bridge.ts';
import { openStore, storeApiKey, storeIdentity, storeKeyDigest } from '../stores/pool/store-factory.ts';
import type { IndexEntry } from '../registry/types.ts';
import type { LeaseStore } from '../leases/port.ts';
import type { IndexStatusExtras } from '../gateway/hevlayer-routes.ts';
import { StoreHealth } from '../stores/pool/store-health.ts';
import { StorePool } from '../stores/pool/store-pool.ts';

/** A config provider other than the file provider (`hevlayer operator`: the Kubernetes one). */
export interface ProviderFactory {
  readonly source: string;
  readonly location: string;
  create(context: {
    readonly holder: RegistryHolder;
    readonly dataDir: string;
    readonly logger: Logger;
    readonly metrics: GatewayMetrics;
  }): ConfigProvider & { readonly secrets?: SecretSource };
}

/** What extra services (the operator's leader-only work) are built from. */
export interface GatewayParts {
  readonly registry: RegistryHolder;
  readonly stores: StorePool;
  readonly logger: Logger;
  readonly metrics: GatewayMetrics;
  /** The gateway-owned status of an Index (cache, snapshot and their conditions), as the API shows it. */
  readonly indexStatus: (entry: IndexEntry) => Promise<IndexStatusExtras>;
}

export interface ServeOptions {
  /** The file provider's directory; unused when `provider` is given. */
  readonly configDir?: string;
  readonly provider?: ProviderFactory;
  /** Leases for the snapshot writers (operator: Kubernetes Leases); default: matching spec.cache. */
  readonly leases?: LeaseStore;
  /** Started after the HTTP server, closed before it. */
  readonly extraServices?: (parts: GatewayParts) => readonly Service[];
  /** `--port`; beats HEVLAYER_PORT and listen.port. 0 = any free port. */
  readonly port?: number;
  /** `--host`; beats listen.host. */
  readonly host?: string;
  /** `--data`: base of relative data paths. Default: the working directory. */
  readonly dataDir?: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly logger?: Logger;
  readonly debounceMs?: number;
  readonly pollIntervalMs?: number;
  readonly version?: string;
  /** How often the cache warmer checks `cache.mode: warm` Indexes for new writes (ms). Default 30 s. */
  readonly warmPollMs?: number;
}

export interface RunningGateway {
  readonly url: string;
  readonly app: GatewayServer;
  readonly registry: RegistryHolder;
  readonly log: Logger;
  /** spec.shutdown, parsed. */
  readonly timing: ShutdownTiming;
  /**
   * The shutdown sequence (docs/adr/lifecycle-and-shutdown.md): drain, stop accepting, let
   * requests finish within the grace period, close the services in reverse. Resolves to the exit
   * code: 0, or 1 when the grace period ran out.
   */
  shutdown(timing?: Partial<ShutdownTiming>): Promise<0 | 1>;
  /** shutdown() without a drain delay (tests, embedding: no load balancer routes here). */
  close(): Promise<void>;
}

export function parsePort(text: string, origin: string): number {
  const port = /^\d{1,5}$/.test(text.trim()) ? Number(text.trim()) : Number.NaN;
  if (!Number.isInteger(port) || port > 65535) {
    throw new Error(`${origin}: must be an integer between 0 and 65535, got ${JSON.stringify(text)}`);
  }
  return port;
}

/** API keys from env vars or mounted Secrets (HEVLAYER_SECRETS_DIR); errors never hold a value. */
export function resolveApiKeys(spec: GatewayConfigSpec, secrets: SecretSource): ApiKeyGrantInput[] {
  return spec.auth.apiKeys.map((key, i) => {
    const where = `GatewayConfig spec.auth.apiKeys[${i}] (${key.name})`;
    let value: string;
    try {
      if (key.keyEnv !== undefined) value = secrets.fromEnv(key.keyEnv);
      else if (key.secretRef !== undefined) value = secrets.fromSecretRef(key.secretRef);
      else throw new Error('set keyEnv or secretRef');
    } catch (err) {
      throw new Error(`${where}: ${(err as Error).message}`);
    }
    const matchLabels = key.indexSelector?.matchLabels;
    return { name: key.name, key: value, ...(matchLabels === undefined ? {} : { matchLabels }) };
  });
}

const RESTART_ONLY = ['listen', 'limits', 'shutdown', 'cache'] as const;

/**
 * The `cache` service: the CacheStore GatewayConfig spec.cache names and the read-cache runtime
 * over it. Started before the stores and the HTTP server, so it closes after the server drained.
 * An unreachable shared cache does not stop the gateway: reads go upstream (fail-open).
 */
async function startCache(
  services: ServiceStack,
  spec: GatewayConfigSpec,
  metrics: GatewayMetrics,
  registry: RegistryHolder,
  logger: Logger,
): Promise<CacheRuntime> {
  const store = openCacheStore(spec.cache, {
    onError: (message) => logger.warn({ backend: spec.cache.backend }, `cache backend: ${message}`),
  });
  const runtime = new CacheRuntime({
    store,
    metrics,
    budgetMs: spec.cache.timeoutMs,
    strongMaxAgeMs: parseDuration(spec.cache.strongMaxAge),
  });
  await services.start({
    name: 'cache',
    start: async () => {
      metrics.cacheSources.set('cache', () => cacheFigures(runtime, registry.current().allIndexes));
      logger.info({ cache: describeCacheSpec(spec.cache) }, 'read cache');
      // A shared backend that is down or unreachable must not hold the gateway's start.
      const answered = await withBudget(() => store.ping(), 2000);
      if (!answered.ok) {
        logger.warn(
          { backend: store.backend },
          'the cache backend does not answer yet; reads go upstream until it does',
        );
      }
    },
    close: async () => {
      metrics.cacheSources.delete('cache');
      runtime.close();
      await store.close();
    },
  });
  return runtime;
}

export async function startServe(options: ServeOptions): Promise<RunningGateway> {
  const env = options.env ?? process.env;
  const logger = options.logger ?? createLogger();
  const dataDir = resolve(options.dataDir ?? process.cwd());
  const metrics = createMetrics();
  const services = new ServiceStack(logger);
  const location = options.provider?.location ?? options.configDir ?? '';
  const holder = new RegistryHolder({
    initial: emptyRegistry(dataDir),
    source: options.provider?.source ?? 'file',
    location,
    onListenerError: (err) => logger.error({ err }, 'registry listener failed'),
  });
  const provider =
    options.provider?.create({ holder, dataDir, logger, metrics }) ??
    fileProvider(options, holder, dataDir, logger, metrics);
  await services.start({ name: 'config', start: () => provider.start(), close: () => provider.close() });

  try {
    const spec = holder.current().gateway.spec;
    const envPort = env.HEVLAYER_PORT;
    const port =
      options.port ??
      (envPort === undefined || envPort === '' ? spec.listen.port : parsePort(envPort, 'HEVLAYER_PORT'));
    const host = options.host ?? spec.listen.host;
    const secrets = provider.secrets ?? createSecretSource(env, env.HEVLAYER_SECRETS_DIR);
    // Keys are re-resolved on every published snapshot: a rotated Secret takes effect live.
    const authorizer = createLiveAuthorizer(
      holder,
      (next) => resolveApiKeys(next.gateway.spec, secrets),
      logger,
    );
    if (!authorizer.enabled) {
      logger.warn(
        'NO API KEYS CONFIGURED: the gateway is open to anyone who can reach it (development mode); set GatewayConfig spec.auth.apiKeys',
      );
    }
    const cache = await startCache(services, spec, metrics, holder, logger);
    const stores = new StorePool({
      // The key's digest is part of the identity: a rotated key reopens the store with the new one.
      identity: (entry) => `${storeIdentity(entry)}#${storeKeyDigest(entry, secrets)}`,
      open: (entry) =>
        openStore(entry, {
          secrets,
          metrics,
          maxInFlightPerNamespace: holder.current().gateway.spec.upstream.maxInFlightPerNamespace,
        }),
      logger,
    });
    let unsubscribe = (): void => undefined;
    await services.start({
      name: 'stores',
      start: async () => {
        stores.sync(holder.current());
        unsubscribe = holder.subscribe((next) => stores.sync(next));
      },
      close: async () => {
        unsubscribe();
        await stores.close();
      },
    });
    const snapshots = await startSnapshots(services, {
      registry: holder,
      stores,
      secrets,
      metrics,
      logger,
      dataDir,
      leases: options.leases,
    });
    const health = new StoreHealth({ registry: holder, stores });
    holder.subscribe((next) => {
      for (const key of RESTART_ONLY) {
        if (JSON.stringify(next.gateway.spec[key]) !== JSON.stringify(spec[key])) {
          logger.warn(
            { field: `spec.${key}` },
            `GatewayConfig spec.${key} changed; it takes effect on restart`,
          );
        }
      }
    });

    const resolver = createIndexResolver({
      registry: holder,
      stores,
      storeApiKey: (entry) => storeApiKey(entry, secrets),
      cache,
    });
    const app = createGatewayServer({
      resolver,
      logger,
      metrics,
      authorizer,
      bodyLimit: spec.limits.bodyBytes,
      ...(options.version === undefined ? {} : { version: options.version }),
    });
    const indexStatus = async (entry: IndexEntry): Promise<IndexStatusExtras> => {
      const reachable = health.condition(entry);
      const snapshot = await indexSnapshotStatus(snapshots.bridge, entry);
      return {
        extraConditions: [
          ...(reachable === undefined ? [] : [reachable]),
          cacheCondition(cache, entry),
          snapshot.condition,
        ],
        extraStatus: {
          cache: await indexCacheStatus(cache, entry),
          ...(snapshot.snapshot === undefined ? {} : { snapshot: snapshot.snapshot }),
        },
      };
    };
    registerHevlayerRoutes(app, { registry: holder, indexStatus });
    registerSnapshotRoutes(app, { registry: holder, history: snapshots.history, writer: snapshots.writer });
    const warmers = new WarmService({
      registry: holder,
      runtime: cache,
      target: (name) => resolveScanTarget(resolver, holder, name),
      log: logger,
      ...(options.warmPollMs === undefined ? {} : { pollMs: options.warmPollMs }),
    });
    registerScanRoutes(app, { registry: holder, resolver, warmers });
    registerReadiness(
      app,
      holder,
      () => app.phase !== 'serving',
      () => health.check(),
    );
    const timing: ShutdownTiming = {
      drainDelayMs: parseDelay(spec.shutdown.drainDelay),
      gracePeriodMs: parseDuration(spec.shutdown.gracePeriod),
    };
    const http = httpService(app, { host, port }, timing, logger);
    await services.start(http);
    // After the listener: a warm scans through the same stores; closed first on shutdown.
    await services.start(warmers);
    for (const service of options.extraServices?.({
      registry: holder,
      stores,
      logger,
      metrics,
      indexStatus,
    }) ?? []) {
      await services.start(service);
    }
    const address = app.server.address();
    const bound = address !== null && typeof address === 'object' ? address.port : port;
    const url = `http://${host.includes(':') ? `[${host}]` : host}:${bound}`;
    logger.info({ url, config: location, data: dataDir }, 'hevlayer gateway listening');
    let stopped: Promise<0 | 1> | undefined;
    const shutdown = (override: Partial<ShutdownTiming> = {}): Promise<0 | 1> => {
      stopped ??= (async () => {
        http.timing = { ...timing, ...override };
        await services.close();
        return http.clean ? 0 : 1;
      })();
      return stopped;
    };
    return {
      url,
      app,
      registry: holder,
      log: logger,
      timing,
      shutdown,
      async close() {
        await shutdown({ drainDelayMs: 0 });
      },
    };
  } catch (err) {
    await services.close();
    throw err;
  }
}

function fileProvider(
  options: ServeOptions,
  holder: RegistryHolder,
  dataDir: string,
  logger: Logger,
  metrics: GatewayMetrics,
): ConfigProvider & { readonly secrets?: SecretSource } {
  if (options.configDir === undefined) throw new Error('no config directory given');
  return new FileConfigProvider({
    dir: options.configDir,
    dataDir,
    holder,
    logger,
    ...(options.debounceMs === undefined ? {} : { debounceMs: options.debounceMs }),
    ...(options.pollIntervalMs === undefined ? {} : { pollIntervalMs: options.pollIntervalMs }),
    onReload: (outcome) => {
      metrics.configReloads.inc({ result: outcome.result });
      if (outcome.result === 'published') metrics.configGeneration.set(outcome.generation);
    },
  });
}
