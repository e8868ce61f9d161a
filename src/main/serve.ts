/**
 * Composition root of `hevlayer serve`: the file config provider feeds a RegistryHolder; the
 * gateway server answers the turbopuffer routes, the hevlayer API and the probes over it. This is
 * the only place where environment variables, the config directory and `new` meet.
 *
 * The data plane: a StorePool keeps one adapter per distinct store (opened, reused and closed as
 * the registry changes), the Index resolver routes each request to its store and shards, and
 * StoreHealth answers /readyz and the UpstreamReachable condition.
 */
import { resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { FileConfigProvider } from '../config/file/provider.ts';
import { createAuthorizer, type ApiKeyGrantInput } from '../gateway/auth.ts';
import { registerHevlayerRoutes, registerReadiness } from '../gateway/hevlayer-routes.ts';
import { createIndexResolver } from '../gateway/index-resolver.ts';
import { createGatewayServer } from '../gateway/server.ts';
import { emptyRegistry } from '../registry/build.ts';
import { RegistryHolder } from '../registry/holder.ts';
import type { GatewayConfigSpec } from '../resources/gateway-config-schema.ts';
import { createLogger, type Logger } from '../telemetry/logger.ts';
import { createMetrics } from '../telemetry/metrics.ts';
import { createSecretSource, type SecretSource } from './secrets.ts';
import { openStore, storeIdentity } from '../stores/pool/store-factory.ts';
import { StoreHealth } from '../stores/pool/store-health.ts';
import { StorePool } from '../stores/pool/store-pool.ts';

export interface ServeOptions {
  readonly configDir: string;
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
}

export interface RunningGateway {
  readonly url: string;
  readonly app: FastifyInstance;
  readonly registry: RegistryHolder;
  /** Stops watching, turns /readyz 503, drains and closes the server. */
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

const RESTART_ONLY = ['listen', 'limits', 'auth'] as const;

export async function startServe(options: ServeOptions): Promise<RunningGateway> {
  const env = options.env ?? process.env;
  const logger = options.logger ?? createLogger();
  const dataDir = resolve(options.dataDir ?? process.cwd());
  const metrics = createMetrics();
  const holder = new RegistryHolder({
    initial: emptyRegistry(dataDir),
    source: 'file',
    location: options.configDir,
    onListenerError: (err) => logger.error({ err }, 'registry listener failed'),
  });
  const provider = new FileConfigProvider({
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
  await provider.start();

  let pool: StorePool | undefined;
  try {
    const spec = holder.current().gateway.spec;
    const envPort = env.HEVLAYER_PORT;
    const port =
      options.port ??
      (envPort === undefined || envPort === '' ? spec.listen.port : parsePort(envPort, 'HEVLAYER_PORT'));
    const host = options.host ?? spec.listen.host;
    const secrets = createSecretSource(env, env.HEVLAYER_SECRETS_DIR);
    const authorizer = createAuthorizer(resolveApiKeys(spec, secrets));
    if (!authorizer.enabled) {
      logger.warn(
        'NO API KEYS CONFIGURED: the gateway is open to anyone who can reach it (development mode); set GatewayConfig spec.auth.apiKeys',
      );
    }
    pool = new StorePool({
      identity: storeIdentity,
      open: (entry) =>
        openStore(entry, {
          secrets,
          metrics,
          maxInFlightPerNamespace: holder.current().gateway.spec.upstream.maxInFlightPerNamespace,
        }),
      logger,
    });
    const stores = pool;
    stores.sync(holder.current());
    holder.subscribe((next) => stores.sync(next));
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

    let draining = false;
    const app = createGatewayServer({
      resolver: createIndexResolver({ registry: holder, stores }),
      logger,
      metrics,
      authorizer,
      bodyLimit: spec.limits.bodyBytes,
      ...(options.version === undefined ? {} : { version: options.version }),
    });
    registerHevlayerRoutes(app, {
      registry: holder,
      indexStatus: (entry) => {
        const reachable = health.condition(entry);
        return reachable === undefined ? {} : { extraConditions: [reachable] };
      },
    });
    registerReadiness(
      app,
      holder,
      () => draining,
      () => health.check(),
    );
    await app.listen({ host, port });
    const address = app.server.address();
    const bound = address !== null && typeof address === 'object' ? address.port : port;
    const url = `http://${host.includes(':') ? `[${host}]` : host}:${bound}`;
    logger.info({ url, config: options.configDir, data: dataDir }, 'hevlayer gateway listening');
    return {
      url,
      app,
      registry: holder,
      async close() {
        draining = true;
        await provider.close();
        await app.close();
        await stores.close();
      },
    };
  } catch (err) {
    await provider.close();
    await pool?.close();
    throw err;
  }
}
