/**
 * Composition root of `hevlayer serve`: the file config provider feeds a RegistryHolder; the
 * gateway server answers the turbopuffer routes, the hevlayer API and the probes over it. This is
 * the only place where environment variables, the config directory and `new` meet.
 *
 * The data plane (stores, cache, shards) is wired by a later change: until then every declared
 * Index answers 503 HEV_INDEX_NOT_READY and undeclared names 404, which is the truth.
 */
import { resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { FileConfigProvider } from '../config/file/provider.ts';
import { createAuthorizer, type ApiKeyGrantInput } from '../gateway/auth.ts';
import { registerHevlayerRoutes, registerReadiness } from '../gateway/hevlayer-routes.ts';
import { pageNames } from '../gateway/list-namespaces.ts';
import { createGatewayServer } from '../gateway/server.ts';
import type { TargetResolver } from '../gateway/target.ts';
import { emptyRegistry } from '../registry/build.ts';
import { RegistryHolder } from '../registry/holder.ts';
import { matchesSelector } from '../registry/labels.ts';
import { implicitIndexEntry } from '../registry/resolve-index.ts';
import type { GatewayConfigSpec } from '../resources/gateway-config-schema.ts';
import { createLogger, type Logger } from '../telemetry/logger.ts';
import { createMetrics } from '../telemetry/metrics.ts';
import { HevError } from '../wire/errors.ts';
import { Payload } from '../wire/payload.ts';

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

/** API keys from the environment (file mode cannot read Kubernetes Secrets). */
export function resolveApiKeys(
  spec: GatewayConfigSpec,
  env: Readonly<Record<string, string | undefined>>,
): ApiKeyGrantInput[] {
  return spec.auth.apiKeys.map((key, i) => {
    const where = `GatewayConfig spec.auth.apiKeys[${i}] (${key.name})`;
    if (key.keyEnv === undefined) {
      throw new Error(`${where}: secretRef needs the Kubernetes operator; in file mode use keyEnv`);
    }
    const value = env[key.keyEnv];
    if (value === undefined || value === '')
      throw new Error(`${where}: environment variable ${key.keyEnv} is not set`);
    const matchLabels = key.indexSelector?.matchLabels;
    return { name: key.name, key: value, ...(matchLabels === undefined ? {} : { matchLabels }) };
  });
}

function pendingDataPlaneResolver(holder: RegistryHolder): TargetResolver {
  return {
    resolve(name) {
      const snapshot = holder.current();
      const entry = snapshot.indexes.get(name) ?? implicitIndexEntry(snapshot, name);
      if (entry === undefined) {
        throw new HevError(
          'HEV_INDEX_NOT_FOUND',
          `no Index named ${JSON.stringify(name)}; declare one (kind: Index) in the config`,
        );
      }
      const why = entry.ready
        ? 'the data plane is not wired into this build yet'
        : (entry.conditions.find((c) => c.type === 'Ready')?.message ?? 'not ready');
      throw new HevError('HEV_INDEX_NOT_READY', `Index ${JSON.stringify(name)} cannot be served: ${why}`);
    },
    async list(params, rctx) {
      const selector = rctx.principal?.matchLabels ?? {};
      const names = [...holder.current().indexes.values()]
        .filter((e) => matchesSelector(e.labels, selector))
        .map((e) => e.name);
      return Payload.fromValue(pageNames(names, params));
    },
  };
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

  try {
    const spec = holder.current().gateway.spec;
    const envPort = env.HEVLAYER_PORT;
    const port =
      options.port ??
      (envPort === undefined || envPort === '' ? spec.listen.port : parsePort(envPort, 'HEVLAYER_PORT'));
    const host = options.host ?? spec.listen.host;
    const authorizer = createAuthorizer(resolveApiKeys(spec, env));
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
      resolver: pendingDataPlaneResolver(holder),
      logger,
      metrics,
      authorizer,
      bodyLimit: spec.limits.bodyBytes,
      ...(options.version === undefined ? {} : { version: options.version }),
    });
    registerHevlayerRoutes(app, { registry: holder });
    registerReadiness(app, holder, () => draining);
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
      },
    };
  } catch (err) {
    await provider.close();
    throw err;
  }
}
