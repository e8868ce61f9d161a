/**
 * The one request pipeline: every route (turbopuffer data routes, the hevlayer API, probes,
 * /metrics, /openapi.json) is matched by one find-my-way router on node:http and passes through
 * the same steps, each written once here: request id, path normalization (trailing slash,
 * percent-decoding of parameters), 503 while closing, authentication (routes may opt out: probes,
 * /metrics), body reading (gzip/deflate, the decoded size cap, the JSON structure caps), the
 * handler, the answer (JSON, gzip when large and accepted, or an NDJSON stream), the catalogued
 * error in the turbopuffer shape with its 5xx log line, and the request line plus metrics.
 *
 * No framework request/reply objects: on the data routes this pipeline is the hot path of a proxy
 * (docs/adr/http-pipeline.md). Bodies stay raw Buffers handed on as Payloads, unparsed.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import FindMyWay, { type HTTPVersion, type Instance } from 'find-my-way';
import type { Logger } from '../telemetry/logger.ts';
import { HevError, invalid } from '../wire/errors.ts';
import { Payload } from '../wire/payload.ts';
import { bearerToken, type Authorizer } from './auth.ts';
import { readBody } from './body.ts';
import { Exchange, type InFlight } from './exchange.ts';
import { toHevError } from './http-errors.ts';
import { checkJsonLimits, DEFAULT_JSON_LIMITS, type JsonLimits } from './json-limits.ts';
import type { RequestRecorder } from './observability.ts';
import { errorBytes, writeBytes, writeJson, writeStream } from './respond.ts';
import type { Reply, RouteSpec } from './route.ts';

/** `serving`; `draining`: /readyz says 503, all else serves; `closing`: new requests get 503. */
export type Phase = 'serving' | 'draining' | 'closing';

export interface PipelineOptions {
  readonly authorizer: Authorizer;
  /** Decoded body size cap in bytes. */
  readonly bodyLimit: number;
  readonly jsonLimits?: JsonLimits | undefined;
  readonly record: RequestRecorder;
  readonly log: Logger;
  readonly phase: () => Phase;
  /** Aborted when the server stops accepting; handed to handlers (stream replies end on it). */
  readonly stopping: AbortSignal;
}

export interface Pipeline {
  add(route: RouteSpec): void;
  has(method: string, path: string): boolean;
  readonly routes: readonly RouteSpec[];
  /** Requests being answered now (for the shutdown log). */
  readonly inFlight: ReadonlySet<InFlight>;
  handle(req: IncomingMessage, res: ServerResponse): void;
}

const BAD_URL = (): void => undefined;

function endConnectionAfter(x: Exchange): void {
  const socket = x.req.socket;
  if (x.res.writableFinished) socket.end();
  else x.res.once('finish', () => socket.end());
}
const NOOP = (): void => undefined;

export function createPipeline(options: PipelineOptions): Pipeline {
  const { authorizer, bodyLimit, record, log } = options;
  const limits = options.jsonLimits ?? DEFAULT_JSON_LIMITS;
  const router: Instance<HTTPVersion.V1> = FindMyWay({
    ignoreTrailingSlash: true,
    maxParamLength: 1024,
    onBadUrl: BAD_URL,
  });
  const routes: RouteSpec[] = [];
  const inFlight = new Set<Exchange>();
  const closing = (): boolean => options.phase() === 'closing';
  let requestSeq = 0;

  const done = (x: Exchange, status: number): void => {
    inFlight.delete(x);
    // A reply whose head went out before closing began (a stream) promised keep-alive; end its
    // connection once the reply is written, or it would idle until the keep-alive timeout.
    if (closing()) endConnectionAfter(x);
    record({
      reqId: x.id,
      method: x.method,
      route: x.route,
      index: x.index,
      store: x.store,
      principal: x.principal?.name,
      status,
      ms: performance.now() - x.started,
    });
  };

  const toError = (x: Exchange, err: unknown): HevError => {
    const hev = toHevError(err);
    x.index ??= hev.index;
    if (hev.status >= 500) log.error({ reqId: x.id, err, code: hev.code }, 'request failed');
    return hev;
  };

  const fail = (x: Exchange, err: unknown): void => {
    const hev = toError(x, err);
    if (x.res.headersSent) x.res.destroy();
    else writeBytes(x.res, hev.status, errorBytes(hev), 'application/json', closing(), hev.headers);
    done(x, hev.status);
  };

  const send = (x: Exchange, reply: Reply): void => {
    if (reply.kind === 'json') {
      const pending = writeJson(x.req, x.res, reply, closing);
      if (pending === undefined) done(x, reply.status);
      else
        pending.then(
          () => done(x, reply.status),
          (err: unknown) => fail(x, err),
        );
      return;
    }
    writeStream(x.res, reply, closing, (err) => toError(x, err)).then(
      (err) => done(x, err?.status ?? reply.status),
      (err: unknown) => fail(x, err),
    );
  };

  // A handler may throw before it returns its promise (the data routes do, to save one).
  const invoke = (x: Exchange, route: RouteSpec): void => {
    try {
      route.handler(x).then(
        (reply) => send(x, reply),
        (err: unknown) => fail(x, err),
      );
    } catch (err) {
      fail(x, err);
    }
  };

  const withBody = (x: Exchange, route: RouteSpec): void => {
    readBody(x.req, bodyLimit, (err, bytes) => {
      if (err !== undefined) {
        fail(x, err);
        return;
      }
      try {
        if (bytes === undefined || bytes.length === 0) throw invalid('request body is required');
        checkJsonLimits(bytes, limits);
        x.body = Payload.fromBytes(bytes);
      } catch (thrown) {
        fail(x, thrown);
        return;
      }
      invoke(x, route);
    });
  };

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const started = performance.now();
    const header = req.headers['x-request-id'];
    const id = typeof header === 'string' && header !== '' ? header : `req-${(++requestSeq).toString(36)}`;
    const found = router.find(req.method as 'GET', req.url ?? '/');
    // find-my-way answers a URL it cannot decode with its onBadUrl entry, which has no store.
    const bad = found !== null && found.store === null;
    const route = found === null || bad ? undefined : (found.store as RouteSpec);
    const x = new Exchange(req, res, id, route?.path ?? 'unmatched', started, options.stopping);
    inFlight.add(x);
    try {
      if (closing()) {
        throw new HevError('HEV_SHUTTING_DOWN', 'the gateway is shutting down; retry the request');
      }
      // Every route needs a key but those that opt out, unknown paths included: the 404 tells a
      // caller without a key nothing about which routes exist.
      if (route?.auth !== false) x.principal = authorizer.authenticate(bearerToken(req.headers));
      if (bad) throw invalid('the URL is malformed');
      if (found === null || route === undefined) {
        throw new HevError('HEV_ROUTE_NOT_FOUND', `no route for ${req.method} ${req.url}`);
      }
      x.params = found.params;
      x.query = found.searchParams;
      if (route.body) withBody(x, route);
      else invoke(x, route);
    } catch (err) {
      fail(x, err);
    }
  };

  return {
    add(route) {
      routes.push(route);
      router.on(route.method, route.path, NOOP, route);
    },
    has: (method, path) => router.hasRoute(method as 'GET', path),
    routes,
    inFlight,
    handle,
  };
}
