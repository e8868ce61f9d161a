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
  const value = header.trim();
  if (value.length < 8 || value.slice(0, 7).toLowerCase() !== 'bearer ') return undefined;
  const token = value.slice(7).trim();
  return token === '' || /\s/.test(token) ? undefined : token;
}

export function installAuth(app: FastifyInstance, authorizer: Authorizer): void {
  app.addHook('onRequest', (request, _reply, done) => {
    const url = request.url;
    const query = url.indexOf('?');
    if (EXEMPT.has(query < 0 ? url : url.slice(0, query))) {
      done();
      return;
    }
    try {
      request.principal = authorizer.authenticate(bearerToken(request));
      done();
    } catch (err) {
      done(err as Error);
    }
  });
}
