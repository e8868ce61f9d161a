/**
 * The HTTP server: node:http with the one request pipeline (pipeline.ts) in front of every route,
 * and the phases a shutdown walks through (docs/adr/lifecycle-and-shutdown.md): `serving`,
 * `draining` (/readyz answers 503, everything else serves), `closing` (the listener is closed,
 * idle keep-alive connections are closed, every answer carries `connection: close`, new requests
 * on connections still open get 503). Composition (which resolver, which stores) happens in main/.
 */
import { createServer, type Server } from 'node:http';
import type { GatewayMetrics } from '../telemetry/metrics.ts';
import { silentLogger, type Logger } from '../telemetry/logger.ts';
import { createAuthorizer, type Authorizer } from './auth.ts';
import type { InFlight } from './exchange.ts';
import type { JsonLimits } from './json-limits.ts';
import { createRequestRecorder } from './observability.ts';
import { registerOpsRoutes } from './ops-routes.ts';
import { createPipeline, type Phase } from './pipeline.ts';
import type { RouteSpec } from './route.ts';
import { turbopufferRoutes } from './turbopuffer-routes.ts';
import type { TargetResolver } from './target.ts';

export interface GatewayServerOptions {
  readonly resolver: TargetResolver;
  /** Decoded body size cap in bytes. Default 64 MiB. */
  readonly bodyLimit?: number;
  readonly jsonLimits?: JsonLimits;
  readonly logger?: Logger;
  /** Serves `/metrics` and records request metrics when given. */
  readonly metrics?: GatewayMetrics;
  /** Bearer-key auth; absent or without keys = open (dev mode). */
  readonly authorizer?: Authorizer;
  /** Reported in /openapi.json. */
  readonly version?: string;
}

export interface GatewayServer {
  readonly server: Server;
  readonly log: Logger;
  readonly phase: Phase;
  route(spec: RouteSpec): void;
  hasRoute(method: string, path: string): boolean;
  listen(options: { host: string; port: number }): Promise<void>;
  /** `draining`: /readyz answers 503 from now on; everything else keeps serving. */
  drain(): void;
  /**
   * `closing`: stop accepting, close idle connections, end each busy one after its answer.
   * Resolves when every connection has ended.
   */
  stopAccepting(): Promise<void>;
  /** Requests being answered now. */
  inFlight(): readonly InFlight[];
  /** Cuts every connection (the grace period ran out). */
  closeAllConnections(): void;
  /** stopAccepting() without a drain delay: for tests and embedding, where no balancer routes here. */
  close(): Promise<void>;
}

export const DEFAULT_BODY_LIMIT = 64 * 1024 * 1024;
/** Longer than common load balancers' idle timeout (60 s), so they close idle connections first. */
const KEEP_ALIVE_TIMEOUT_MS = 72_000;

export function createGatewayServer(options: GatewayServerOptions): GatewayServer {
  const log = options.logger ?? silentLogger();
  let phase: Phase = 'serving';
  const stopping = new AbortController();
  const pipeline = createPipeline({
    authorizer: options.authorizer ?? createAuthorizer([]),
    bodyLimit: options.bodyLimit ?? DEFAULT_BODY_LIMIT,
    jsonLimits: options.jsonLimits,
    record: createRequestRecorder(log, options.metrics),
    log,
    phase: () => phase,
    stopping: stopping.signal,
  });
  const server = createServer(pipeline.handle);
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  let closed: Promise<void> | undefined;

  const gateway: GatewayServer = {
    server,
    log,
    get phase() {
      return phase;
    },
    route: (spec) => pipeline.add(spec),
    hasRoute: (method, path) => pipeline.has(method, path),
    listen: ({ host, port }) =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve();
        });
      }),
    drain() {
      if (phase === 'serving') phase = 'draining';
    },
    stopAccepting() {
      if (closed !== undefined) return closed;
      phase = 'closing';
      stopping.abort();
      closed = new Promise((resolve) => {
        if (!server.listening) {
          resolve();
          return;
        }
        server.close(() => resolve());
      });
      server.closeIdleConnections();
      return closed;
    },
    inFlight: () => [...pipeline.inFlight],
    closeAllConnections: () => server.closeAllConnections(),
    close: () => gateway.stopAccepting(),
  };
  for (const route of turbopufferRoutes(options.resolver)) gateway.route(route);
  registerOpsRoutes(gateway, { metrics: options.metrics, version: options.version ?? '0.0.0' });
  return gateway;
}
