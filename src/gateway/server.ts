/**
 * The HTTP server. The turbopuffer data routes are answered by a node:http handler placed in front
 * of fastify (turbopuffer-routes.ts); fastify serves the probes, /metrics, /openapi.json, the
 * hevlayer API, and the catalogued 404 for anything else. Both report through one request recorder
 * and one request-id sequence. Composition (which resolver, which stores) happens in main/.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import Fastify, { LogController, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { GatewayMetrics } from '../telemetry/metrics.ts';
import { createAuthorizer, type Authorizer } from './auth.ts';
import { installAuth } from './auth-hook.ts';
import { installErrorHandlers, sendError, toHevError } from './http-errors.ts';
import type { JsonLimits } from './json-limits.ts';
import { createRequestRecorder, installObservability } from './observability.ts';
import { buildOpenApiDocument } from './openapi.ts';
import { installRequestContext } from './request-context.ts';
import { createTurbopufferHandler } from './turbopuffer-routes.ts';
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
/** Longer than common load balancers' idle timeout (60 s), so they close idle connections first. */
const KEEP_ALIVE_TIMEOUT_MS = 72_000;

export function createGatewayServer(options: GatewayServerOptions): FastifyInstance {
  let requestSeq = 0;
  const nextRequestId = (): string => `req-${(++requestSeq).toString(36)}`;
  // Filled in once the app (and its logger) exists; the server takes no request before listen().
  const dataPlane: { handle?: (req: IncomingMessage, res: ServerResponse) => boolean } = {};
  const bodyLimit = options.bodyLimit ?? DEFAULT_BODY_LIMIT;
  const app = Fastify({
    bodyLimit,
    ...(options.logger === undefined ? { logger: false } : { loggerInstance: options.logger }),
    // One line per request comes from observability.ts instead of fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 1024 },
    frameworkErrors: (error, _request, reply) => {
      void sendError(reply, toHevError(error));
    },
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    requestIdHeader: 'x-request-id',
    genReqId: nextRequestId,
    // No child logger per request (measurable on the hot path): the request line and error lines
    // carry reqId themselves.
    childLoggerFactory: (logger) => logger,
    serverFactory: (fastifyHandler) => {
      const server = createServer((req, res) => {
        if (dataPlane.handle?.(req, res) !== true) fastifyHandler(req, res);
      });
      server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
      return server;
    },
  }) as unknown as FastifyInstance;
  const authorizer = options.authorizer ?? createAuthorizer([]);
  const record = createRequestRecorder(app.log, options.metrics);
  let closing = false;
  app.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  dataPlane.handle = createTurbopufferHandler({
    resolver: options.resolver,
    authorizer,
    bodyLimit,
    ...(options.jsonLimits === undefined ? {} : { jsonLimits: options.jsonLimits }),
    record,
    log: app.log,
    nextRequestId,
    closing: () => closing,
  });
  installRequestContext(app);
  installErrorHandlers(app);
  installObservability(app, options.metrics, record);
  installAuth(app, authorizer);
  app.get('/healthz', async () => ({ status: 'ok' }));
  const openapi = JSON.stringify(buildOpenApiDocument(options.version ?? '0.0.0'));
  app.get('/openapi.json', async (_request, reply) => reply.type('application/json').send(openapi));
  return app;
}
