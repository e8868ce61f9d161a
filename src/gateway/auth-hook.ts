/**
 * Authenticates every request except the probes and metrics (INTERFACES.md "Auth"). Per-Index
 * authorization (403) happens where the Index is resolved. The client's key stays here: nothing
 * downstream receives the header.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Authorizer } from './auth.ts';

const EXEMPT = new Set(['/healthz', '/readyz', '/metrics']);

export function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (typeof header !== 'string') return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header.trim());
  return match?.[1];
}

export function installAuth(app: FastifyInstance, authorizer: Authorizer): void {
  app.addHook('onRequest', async (request) => {
    const path = request.url.split('?', 1)[0] ?? '';
    if (EXEMPT.has(path)) return;
    request.principal = authorizer.authenticate(bearerToken(request));
  });
}
