/**
 * Authenticates every request except the probes and metrics (INTERFACES.md "Auth"). Per-Index
 * authorization (403) happens where the Index is resolved. The client's key stays here: nothing
 * downstream receives the header.
 */
import type { FastifyInstance } from 'fastify';
import { bearerToken, type Authorizer } from './auth.ts';

const EXEMPT = new Set(['/healthz', '/readyz', '/metrics']);

export function installAuth(app: FastifyInstance, authorizer: Authorizer): void {
  app.addHook('onRequest', (request, _reply, done) => {
    const url = request.url;
    const query = url.indexOf('?');
    if (EXEMPT.has(query < 0 ? url : url.slice(0, query))) {
      done();
      return;
    }
    try {
      request.principal = authorizer.authenticate(bearerToken(request.headers));
      done();
    } catch (err) {
      done(err as Error);
    }
  });
}
