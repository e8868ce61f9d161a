/**
 * The HTTP server: fastify with raw-buffer bodies (gzip accepted), gzip responses when asked, auth,
 * per-request logs and metrics, catalogued errors, and the turbopuffer routes over a
 * TargetResolver. Composition (which resolver, which stores) happens in main/.
 */
import Fastify, { LogController, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { GatewayMetrics } from '../telemetry/metrics.ts';
import { createAuthorizer, type Authorizer } from './auth.ts';
import { installAuth } from './auth-hook.ts';
import { installBodyHandling } from './body.ts';
import { installErrorHandlers, sendError, toHevError } from './http-errors.ts';
import type { JsonLimits } from './json-limits.ts';
import { installObservability } from './observability.ts';
import { buildOpenApiDocument } from './openapi.ts';
import { installRequestContext } from './request-context.ts';
import { registerTurbopufferRoutes } from './turbopuffer-routes.ts';
import type { TargetResolver } from './target.ts';

export interface GatewayServerOptions {
  readonly resolver: TargetResolver;
  /** Decoded body size cap in bytes. Default 64 MiB. */
  readonly bodyLimit?: number;
  readonly jsonLimits?: JsonLimits;
  readonly logger?: FastifyServerOptions['loggerInstance'];
  /** Serves `/metrics` and records request metrics when given. */
  readonly metrics?: GatewayMetrics;
  /** Bearer-key auth; absent or without keys = open (dev mode). */
  readonly authorizer?: Authorizer;
  /** Reported in /openapi.json. */
  readonly version?: string;
}

export const DEFAULT_BODY_LIMIT = 64 * 1024 * 1024;

export function createGatewayServer(options: GatewayServerOptions): FastifyInstance {
  const app = Fastify({
    bodyLimit: options.bodyLimit ?? DEFAULT_BODY_LIMIT,
    ...(options.logger === undefined ? { logger: false } : { loggerInstance: options.logger }),
    // One line per request comes from observability.ts instead of fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    // Namespace names are up to 128 chars; longer ones get our 400, not the router's 414.
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 1024 },
    frameworkErrors: (error, _request, reply) => {
      void sendError(reply, toHevError(error));
    },
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    requestIdHeader: 'x-request-id',
    // No child logger per request (measurable on the hot path): the request line and error lines
    // carry reqId themselves.
    childLoggerFactory: (logger) => logger,
  }) as unknown as FastifyInstance;
  installRequestContext(app);
  installBodyHandling(app);
  installErrorHandlers(app);
  installObservability(app, options.metrics);
  installAuth(app, options.authorizer ?? createAuthorizer([]));
  app.get('/healthz', async () => ({ status: 'ok' }));
  const openapi = JSON.stringify(buildOpenApiDocument(options.version ?? '0.0.0'));
  app.get('/openapi.json', async (_request, reply) => reply.type('application/json').send(openapi));
  void app.register(async (scope) =>
    registerTurbopufferRoutes(
      scope,
      options.resolver,
      options.jsonLimits ? { jsonLimits: options.jsonLimits } : {},
    ),
  );
  return app;
}
