/**
 * Per-request facts the hooks and routes share: which Index the request addressed (a declared name,
 * so it is safe as a metrics label) and who made it (the key's grant name, never the key).
 */
import type { FastifyInstance } from 'fastify';
import type { Principal } from './auth.ts';

declare module 'fastify' {
  interface FastifyRequest {
    hevIndex: string | undefined;
    principal: Principal | undefined;
  }
}

export function installRequestContext(app: FastifyInstance): void {
  app.decorateRequest('hevIndex', undefined);
  app.decorateRequest('principal', undefined);
}
