/**
 * The HTTP server: fastify with raw-buffer bodies, the turbopuffer routes over a TargetResolver,
 * catalogued errors, and liveness. Composition (which resolver, which stores) happens in main/.
 */
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { installBodyHandling } from './body.ts';
import { installErrorHandlers } from './http-errors.ts';
import { registerTurbopufferRoutes } from './turbopuffer-routes.ts';
import type { TargetResolver } from './target.ts';

export interface GatewayServerOptions {
  readonly resolver: TargetResolver;
  /** Decoded body size cap in bytes. Default 64 MiB. */
  readonly bodyLimit?: number;
  readonly logger?: FastifyServerOptions['loggerInstance'];
}

export const DEFAULT_BODY_LIMIT = 64 * 1024 * 1024;

export function createGatewayServer(options: GatewayServerOptions): FastifyInstance {
  const app = Fastify({
    bodyLimit: options.bodyLimit ?? DEFAULT_BODY_LIMIT,
    ...(options.logger === undefined ? { logger: false } : { loggerInstance: options.logger }),
    // turbopuffer namespace names may contain dots and dashes; keep paths as sent.
    ignoreTrailingSlash: true,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
  }) as unknown as FastifyInstance;
  installBodyHandling(app);
  installErrorHandlers(app);
  app.get('/healthz', async () => ({ status: 'ok' }));
  registerTurbopufferRoutes(app, options.resolver);
  return app;
}
