/**
 * The turbopuffer wire routes (INTERFACES.md "HTTP"), served straight from node:http in front of
 * fastify: the data plane is the hot path of a proxy, and a framework's request/reply objects,
 * hook chain and body parser cost as much per request as everything the gateway itself decides
 * (docs/adr/gateway-data-plane.md). fastify keeps the control routes (probes, metrics, OpenAPI,
 * the hevlayer API) and everything this table does not match, including the 404 for unknown routes.
 *
 * Bodies arrive as raw Buffers, are checked against the structural caps, and are handed on as
 * Payloads, unparsed: a store that relays them upstream sends the client's bytes.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setMaxListeners } from 'node:events';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { FastifyBaseLogger } from 'fastify';
import { OP_NAMES, OPERATIONS, specOf, type HttpMethod, type OpName } from '../stores/operations.ts';
import type { StoreCallContext } from '../stores/port.ts';
import { HevError, invalid } from '../wire/errors.ts';
import { isNamespaceName } from '../wire/namespace-name.ts';
import { Payload } from '../wire/payload.ts';
import { bearerToken, type Authorizer, type Principal } from './auth.ts';
import { readBody } from './body.ts';
import { toHevError } from './http-errors.ts';
import { checkJsonLimits, DEFAULT_JSON_LIMITS, type JsonLimits } from './json-limits.ts';
import type { RequestRecorder } from './observability.ts';
import type { TargetResolver } from './target.ts';

const gzipAsync = promisify(gzip);

const GZIP_MIN_BYTES = 1024;

export function validateNamespaceName(name: string): void {
  if (!isNamespaceName(name)) {
    throw invalid(`invalid namespace name ${JSON.stringify(name)}: must match [A-Za-z0-9-_.]{1,128}`);
  }
}

interface Route {
  readonly op: OpName;
  readonly method: HttpMethod;
  /** Also the `route` log field and metrics label. */
  readonly template: string;
  /** HTTP status of a successful answer. */
  readonly status: number;
  readonly takesBody: boolean;
}

/** Routes on `/{version}/namespaces/:ns{suffix}`, keyed by `METHOD version suffix`, from the operation table. */
const NAMESPACE_ROUTES = new Map<string, Route>();
for (const op of OP_NAMES) {
  const spec = specOf(op);
  if (spec.scope !== 'namespace') continue;
  for (const { method, path } of spec.routes) {
    const route: Route = { op, method, template: path, status: spec.status, takesBody: spec.body };
    const version = path.slice(1, 3);
    const suffix = path.slice('/v2/namespaces/:ns'.length);
    NAMESPACE_ROUTES.set(`${method} ${version} ${suffix}`, route);
  }
}
const LIST_TEMPLATE = OPERATIONS.listNamespaces.routes[0].path;

/** Every route this handler serves, as `[method, template]` (the OpenAPI document lists the same). */
export const TURBOPUFFER_ROUTES: readonly (readonly [HttpMethod, string])[] = [
  ...[...NAMESPACE_ROUTES.values()].map((r) => [r.method, r.template] as const),
  ['GET', LIST_TEMPLATE],
];

const NAMESPACE_PATH = /^\/(v1|v2)\/namespaces\/([^/]+)(\/[a-z_]+)?$/;

interface Match {
  readonly route: Route | undefined;
  /** The raw (still percent-encoded) `:ns` segment. */
  readonly ns: string;
  /** The query string without `?`, or ''. */
  readonly query: string;
}

function match(method: string | undefined, url: string): Match | undefined {
  const q = url.indexOf('?');
  let path = q < 0 ? url : url.slice(0, q);
  if (path.length > 1 && path.endsWith('/')) path = path.slice(0, -1);
  const query = q < 0 ? '' : url.slice(q + 1);
  if (path === LIST_TEMPLATE) return method === 'GET' ? { route: undefined, ns: '', query } : undefined;
  const m = NAMESPACE_PATH.exec(path);
  if (m === null) return undefined;
  const route = NAMESPACE_ROUTES.get(`${method} ${m[1]} ${m[3] ?? ''}`);
  return route === undefined ? undefined : { route, ns: m[2]!, query };
}

function decodeNamespace(raw: string): string {
  if (!raw.includes('%')) return raw;
  try {
    return decodeURIComponent(raw);
  } catch {
    throw invalid('the URL is malformed');
  }
}

/** True when the client accepts gzip (the SDK with `compression: true` does; by default it sends identity). */
function acceptsGzip(req: IncomingMessage): boolean {
  const accept = req.headers['accept-encoding'];
  return (
    typeof accept === 'string' && accept.includes('gzip') && !/gzip\s*;\s*q=0(\.0*)?(\s*[,;]|$)/.test(accept)
  );
}

function listParams(query: string): { prefix?: string; cursor?: string; pageSize?: number } {
  const params = new URLSearchParams(query);
  const single = (key: string): string | undefined => {
    const values = params.getAll(key);
    if (values.length > 1) throw invalid(`query parameter ${key} given more than once`);
    return values[0];
  };
  const prefix = single('prefix');
  const cursor = single('cursor');
  const pageSizeText = single('page_size');
  let pageSize: number | undefined;
  if (pageSizeText !== undefined) {
    pageSize = Number(pageSizeText);
    if (!/^\d+$/.test(pageSizeText) || pageSize < 1 || pageSize > 1000) {
      throw invalid(`page_size must be an integer between 1 and 1000, got ${JSON.stringify(pageSizeText)}`);
    }
  }
  return {
    ...(prefix === undefined ? {} : { prefix }),
    ...(cursor === undefined ? {} : { cursor }),
    ...(pageSize === undefined ? {} : { pageSize }),
  };
}

export interface TurbopufferHandlerOptions {
  readonly resolver: TargetResolver;
  readonly authorizer: Authorizer;
  /** Decoded body size cap in bytes. */
  readonly bodyLimit: number;
  readonly jsonLimits?: JsonLimits;
  readonly record: RequestRecorder;
  readonly log: FastifyBaseLogger;
  /** The request id when the client sent no `x-request-id` (shared with fastify's routes). */
  readonly nextRequestId: () => string;
  /** True once the server began to close: new requests get 503 and `connection: close`. */
  readonly closing: () => boolean;
}

/** One request's facts, reported when its answer has been written. */
interface Exchange {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly id: string;
  readonly route: string;
  readonly started: number;
  index: string | undefined;
  store: string | undefined;
  principal: Principal | undefined;
}

/** Returns a node:http request listener that answers the turbopuffer routes and returns false for anything else. */
export function createTurbopufferHandler(
  options: TurbopufferHandlerOptions,
): (req: IncomingMessage, res: ServerResponse) => boolean {
  const { resolver, authorizer, bodyLimit, record } = options;
  const limits = options.jsonLimits ?? DEFAULT_JSON_LIMITS;

  // One AbortController per client connection, aborted when the connection closes: a request whose
  // client went away stops its upstream work. Per connection rather than per request because an
  // AbortSignal costs microseconds to create, and HTTP/1.1 runs one request at a time per socket.
  const connectionSignals = new WeakMap<object, AbortSignal>();
  const callContext = (x: Exchange): StoreCallContext => {
    const socket = x.req.socket;
    let signal = connectionSignals.get(socket);
    if (signal === undefined) {
      const controller = new AbortController();
      signal = controller.signal;
      // A sharded Index's shard calls all listen on it at once: more than Node's default of 10.
      setMaxListeners(0, signal);
      connectionSignals.set(socket, signal);
      socket.once('close', () => controller.abort());
    }
    return { signal, requestId: x.id };
  };

  const finish = (x: Exchange, status: number): void => {
    record({
      reqId: x.id,
      method: x.req.method ?? '',
      route: x.route,
      index: x.index,
      store: x.store,
      principal: x.principal?.name,
      status,
      ms: performance.now() - x.started,
    });
  };

  const write = (
    x: Exchange,
    status: number,
    bytes: Buffer,
    extra?: Readonly<Record<string, string>>,
  ): void => {
    const headers: Record<string, string | number> = {
      'content-type': 'application/json',
      'content-length': bytes.length,
    };
    if (extra !== undefined) Object.assign(headers, extra);
    x.res.writeHead(status, headers);
    x.res.end(bytes);
    finish(x, status);
  };

  const fail = (x: Exchange, err: unknown): void => {
    const hev = toHevError(err);
    x.index ??= hev.index;
    if (hev.status >= 500) options.log.error({ reqId: x.id, err, code: hev.code }, 'request failed');
    if (x.res.headersSent) {
      x.res.destroy();
      return;
    }
    write(x, hev.status, hev.rawBody ?? Buffer.from(JSON.stringify(hev.toBody())), hev.headers);
  };

  const succeed = (x: Exchange, status: number, payload: Payload): void => {
    const bytes = payload.bytes();
    if (bytes.length < GZIP_MIN_BYTES || !acceptsGzip(x.req)) {
      write(x, status, bytes);
      return;
    }
    // Level 1: JSON still shrinks severalfold and gateway CPU is the scarcer resource.
    gzipAsync(bytes, { level: 1 }).then(
      (zipped) => write(x, status, zipped, { 'content-encoding': 'gzip', vary: 'accept-encoding' }),
      (err: unknown) => fail(x, err),
    );
  };

  const settle = (x: Exchange, status: number, pending: Promise<Payload>): void => {
    pending.then(
      (payload) => succeed(x, status, payload),
      (err: unknown) => fail(x, err),
    );
  };

  const bodyOf = (bytes: Buffer): Payload => {
    if (bytes.length === 0) throw invalid('request body is required');
    checkJsonLimits(bytes, limits);
    return Payload.fromBytes(bytes);
  };

  const serve = (x: Exchange, m: Match): void => {
    x.principal = authorizer.authenticate(bearerToken(x.req.headers));
    const route = m.route;
    if (route === undefined) {
      const params = listParams(m.query);
      settle(x, 200, resolver.list(params, { principal: x.principal }, callContext(x)));
      return;
    }
    const ns = decodeNamespace(m.ns);
    validateNamespaceName(ns);
    const resolved = resolver.resolve(ns, { principal: x.principal });
    x.index = resolved.index;
    x.store = resolved.store;
    const dispatch = resolved.dispatch;
    if (!route.takesBody) {
      settle(x, route.status, dispatch({ op: route.op, ns }, callContext(x)));
      return;
    }
    readBody(x.req, bodyLimit, (err, bytes) => {
      if (err !== undefined) {
        fail(x, err);
        return;
      }
      try {
        settle(
          x,
          route.status,
          dispatch({ op: route.op, ns, body: bodyOf(bytes as Buffer) }, callContext(x)),
        );
      } catch (thrown) {
        fail(x, thrown);
      }
    });
  };

  return (req, res) => {
    const m = match(req.method, req.url ?? '/');
    if (m === undefined) return false;
    const header = req.headers['x-request-id'];
    const x: Exchange = {
      req,
      res,
      id: typeof header === 'string' && header !== '' ? header : options.nextRequestId(),
      route: m.route?.template ?? LIST_TEMPLATE,
      started: performance.now(),
      index: undefined,
      store: undefined,
      principal: undefined,
    };
    if (options.closing()) {
      fail(
        x,
        new HevError('HEV_UPSTREAM_UNAVAILABLE', 'the gateway is shutting down; retry the request', {
          headers: { connection: 'close' },
        }),
      );
      return true;
    }
    try {
      serve(x, m);
    } catch (err) {
      fail(x, err);
    }
    return true;
  };
}
