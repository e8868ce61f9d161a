/**
 * The turbopuffer wire routes (INTERFACES.md "HTTP"), mapped onto a TargetResolver. Bodies arrive
 * as raw Buffers (see body.ts), are checked against the structural caps, and are handed on as
 * Payloads, unparsed: a store that relays them upstream sends the client's bytes.
 */
import { setMaxListeners } from 'node:events';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { HevError, invalid } from '../wire/errors.ts';
import { Payload } from '../wire/payload.ts';
import type { StoreCallContext } from '../stores/port.ts';
import { checkJsonLimits, DEFAULT_JSON_LIMITS, type JsonLimits } from './json-limits.ts';
import type { NamespaceTarget, TargetResolver } from './target.ts';

const gzipAsync = promisify(gzip);

const NAMESPACE_NAME = /^[A-Za-z0-9_.-]{1,128}$/;

interface NsParams {
  ns: string;
}

export function validateNamespaceName(name: string): void {
  if (!NAMESPACE_NAME.test(name) || name === '.' || name === '..') {
    throw invalid(`invalid namespace name ${JSON.stringify(name)}: must match [A-Za-z0-9-_.]{1,128}`);
  }
}

const GZIP_MIN_BYTES = 1024;

/** True when the client accepts gzip (the SDK with `compression: true` does; by default it sends identity). */
function acceptsGzip(req: FastifyRequest): boolean {
  const accept = req.headers['accept-encoding'];
  return (
    typeof accept === 'string' && accept.includes('gzip') && !/gzip\s*;\s*q=0(\.0*)?(\s*[,;]|$)/.test(accept)
  );
}

export function send(
  reply: FastifyReply,
  payload: Payload,
  status = 200,
): FastifyReply | Promise<FastifyReply> {
  const bytes = payload.bytes();
  reply.code(status).type('application/json');
  if (bytes.length < GZIP_MIN_BYTES || !acceptsGzip(reply.request)) return reply.send(bytes);
  // Level 1: JSON still shrinks severalfold and gateway CPU is the scarcer resource.
  return gzipAsync(bytes, { level: 1 }).then((zipped) =>
    reply.header('content-encoding', 'gzip').header('vary', 'accept-encoding').send(zipped),
  );
}

export interface TurbopufferRouteOptions {
  readonly jsonLimits?: JsonLimits;
}

export function registerTurbopufferRoutes(
  app: FastifyInstance,
  resolver: TargetResolver,
  options: TurbopufferRouteOptions = {},
): void {
  const limits = options.jsonLimits ?? DEFAULT_JSON_LIMITS;

  // One AbortController per client connection, aborted when the connection closes: a request whose
  // client went away stops its upstream work. Per connection rather than per request because an
  // AbortSignal costs microseconds to create, and HTTP/1.1 runs one request at a time per socket.
  const connectionSignals = new WeakMap<object, AbortSignal>();
  const callContext = (req: FastifyRequest): StoreCallContext => {
    const socket = req.raw.socket;
    let signal = connectionSignals.get(socket);
    if (signal === undefined) {
      const controller = new AbortController();
      signal = controller.signal;
      // A sharded Index's shard calls all listen on it at once: more than Node's default of 10.
      setMaxListeners(0, signal);
      connectionSignals.set(socket, signal);
      socket.once('close', () => controller.abort());
    }
    return { signal, requestId: req.id };
  };

  const target = (req: FastifyRequest<{ Params: NsParams }>): NamespaceTarget => {
    validateNamespaceName(req.params.ns);
    const resolved = resolver.resolve(req.params.ns, { principal: req.principal });
    req.hevIndex = resolved.index;
    req.hevStore = resolved.store;
    return resolved.target;
  };

  const bodyOf = (req: FastifyRequest): Payload => {
    const body = req.body;
    if (body === undefined || body === null) throw invalid('request body is required');
    if (!Buffer.isBuffer(body)) throw new HevError('HEV_UNSUPPORTED_MEDIA_TYPE', 'request body must be JSON');
    if (body.length === 0) throw invalid('request body is required');
    checkJsonLimits(body, limits);
    return Payload.fromBytes(body);
  };

  app.post<{ Params: NsParams }>('/v2/namespaces/:ns', async (req, reply) => {
    const t = target(req);
    return send(reply, await t.write(bodyOf(req), callContext(req)));
  });
  app.post<{ Params: NsParams }>('/v2/namespaces/:ns/query', async (req, reply) => {
    const t = target(req);
    return send(reply, await t.query(bodyOf(req), callContext(req)));
  });
  for (const version of ['v1', 'v2']) {
    app.get<{ Params: NsParams }>(`/${version}/namespaces/:ns/metadata`, async (req, reply) =>
      send(reply, await target(req).metadata(callContext(req))),
    );
    app.delete<{ Params: NsParams }>(`/${version}/namespaces/:ns`, async (req, reply) =>
      send(reply, await target(req).deleteNamespace(callContext(req))),
    );
  }
  app.get<{ Params: NsParams }>('/v1/namespaces/:ns/schema', async (req, reply) =>
    send(reply, await target(req).getSchema(callContext(req))),
  );
  app.post<{ Params: NsParams }>('/v1/namespaces/:ns/schema', async (req, reply) => {
    const t = target(req);
    return send(reply, await t.updateSchema(bodyOf(req), callContext(req)));
  });
  app.get<{ Params: NsParams }>('/v1/namespaces/:ns/hint_cache_warm', async (req, reply) =>
    send(reply, await target(req).hintCacheWarm(callContext(req)), 202),
  );
  app.get<{ Querystring: Record<string, string | string[] | undefined> }>(
    '/v1/namespaces',
    async (req, reply) => {
      const single = (key: string): string | undefined => {
        const value = req.query[key];
        if (Array.isArray(value)) throw invalid(`query parameter ${key} given more than once`);
        return value;
      };
      const prefix = single('prefix');
      const cursor = single('cursor');
      const pageSizeText = single('page_size');
      let pageSize: number | undefined;
      if (pageSizeText !== undefined) {
        pageSize = Number(pageSizeText);
        if (!/^\d+$/.test(pageSizeText) || pageSize < 1 || pageSize > 1000) {
          throw invalid(
            `page_size must be an integer between 1 and 1000, got ${JSON.stringify(pageSizeText)}`,
          );
        }
      }
      const params = {
        ...(prefix === undefined ? {} : { prefix }),
        ...(cursor === undefined ? {} : { cursor }),
        ...(pageSize === undefined ? {} : { pageSize }),
      };
      return send(reply, await resolver.list(params, { principal: req.principal }, callContext(req)));
    },
  );
}
