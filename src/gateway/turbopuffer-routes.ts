/**
 * The turbopuffer wire routes (INTERFACES.md "HTTP"), mapped onto a TargetResolver. Bodies arrive
 * as raw Buffers (see server.ts) and are handed on as Payloads, unparsed.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { HevError, invalid } from '../wire/errors.ts';
import { Payload } from '../wire/payload.ts';
import type { StoreCallContext } from '../stores/port.ts';
import type { ResolveContext, TargetResolver } from './target.ts';

const NAMESPACE_NAME = /^[A-Za-z0-9_.-]{1,128}$/;

interface NsParams {
  ns: string;
}

export function validateNamespaceName(name: string): void {
  if (!NAMESPACE_NAME.test(name) || name === '.' || name === '..') {
    throw invalid(`invalid namespace name ${JSON.stringify(name)}: must match [A-Za-z0-9-_.]{1,128}`);
  }
}

function bearer(req: FastifyRequest): ResolveContext {
  const header = req.headers.authorization;
  const match = typeof header === 'string' ? /^Bearer\s+(.+)$/i.exec(header.trim()) : null;
  return match?.[1] === undefined ? {} : { apiKey: match[1] };
}

function callContext(req: FastifyRequest): StoreCallContext {
  const controller = new AbortController();
  req.raw.once('close', () => {
    if (!req.raw.complete || req.raw.destroyed) controller.abort();
  });
  return { signal: controller.signal, requestId: req.id };
}

function bodyOf(req: FastifyRequest): Payload {
  const body = req.body;
  if (body === undefined || body === null) return Payload.fromBytes(Buffer.alloc(0));
  if (Buffer.isBuffer(body)) return Payload.fromBytes(body);
  throw new HevError('HEV_UNSUPPORTED_MEDIA_TYPE', 'request body must be application/json');
}

export function send(reply: FastifyReply, payload: Payload, status = 200): FastifyReply {
  return reply.code(status).type('application/json').send(payload.bytes());
}

export function registerTurbopufferRoutes(app: FastifyInstance, resolver: TargetResolver): void {
  const target = (req: FastifyRequest<{ Params: NsParams }>) => {
    validateNamespaceName(req.params.ns);
    return resolver.resolve(req.params.ns, bearer(req));
  };

  app.post<{ Params: NsParams }>('/v2/namespaces/:ns', async (req, reply) =>
    send(reply, await target(req).write(bodyOf(req), callContext(req))),
  );
  app.post<{ Params: NsParams }>('/v2/namespaces/:ns/query', async (req, reply) =>
    send(reply, await target(req).query(bodyOf(req), callContext(req))),
  );
  for (const version of ['v1', 'v2']) {
    app.get<{ Params: NsParams }>(`/${version}/namespaces/:ns/metadata`, async (req, reply) =>
      send(reply, await target(req).metadata(callContext(req))),
    );
  }
  app.get<{ Params: NsParams }>('/v1/namespaces/:ns/schema', async (req, reply) =>
    send(reply, await target(req).getSchema(callContext(req))),
  );
  app.post<{ Params: NsParams }>('/v1/namespaces/:ns/schema', async (req, reply) =>
    send(reply, await target(req).updateSchema(bodyOf(req), callContext(req))),
  );
  for (const version of ['v1', 'v2']) {
    app.delete<{ Params: NsParams }>(`/${version}/namespaces/:ns`, async (req, reply) =>
      send(reply, await target(req).deleteNamespace(callContext(req))),
    );
  }
  app.get<{ Params: NsParams }>('/v1/namespaces/:ns/hint_cache_warm', async (req, reply) =>
    send(reply, await target(req).hintCacheWarm(callContext(req)), 202),
  );
  app.get<{ Querystring: Record<string, string | undefined> }>('/v1/namespaces', async (req, reply) => {
    const { prefix, cursor } = req.query;
    const pageSizeText = req.query.page_size;
    let pageSize: number | undefined;
    if (pageSizeText !== undefined) {
      pageSize = Number(pageSizeText);
      if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 1000) {
        throw invalid(`page_size must be an integer between 1 and 1000, got ${JSON.stringify(pageSizeText)}`);
      }
    }
    const params = {
      ...(prefix === undefined ? {} : { prefix }),
      ...(cursor === undefined ? {} : { cursor }),
      ...(pageSize === undefined ? {} : { pageSize }),
    };
    return send(reply, await resolver.list(params, bearer(req), callContext(req)));
  });
}
