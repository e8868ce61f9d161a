/**
 * The `turbopuffer` VectorStore: the real upstream over HTTP. One undici keep-alive Pool per store;
 * bodies go out as the bytes the client sent (gzipped when large) and come back as bytes, never
 * re-serialized; upstream errors pass through with turbopuffer's status and body. Retries follow
 * retry-policy.ts; decisions are in docs/adr/turbopuffer-adapter.md.
 */
import { Pool, type Dispatcher } from 'undici';
import { HevError, invalid, isHevError } from '../../wire/errors.ts';
import { Payload } from '../../wire/payload.ts';
import { bodyOf, OP_NAMES, specOf, type HttpMethod } from '../operations.ts';
import {
  dispatchTo,
  type Dispatch,
  type ListNamespacesParams,
  type OperationHandlers,
  type Operation,
  type OpName,
  type CallContext,
  type VectorStore,
} from '../port.ts';
import {
  callUpstream,
  systemClock,
  type CallerConfig,
  type Clock,
  type TurbopufferStoreObserver,
  type UpstreamCall,
} from './call.ts';
import { encodeRequestBody, GZIP_MIN_BYTES } from './encoding.ts';
import { DEFAULT_RETRY_POLICY, type CallSafety } from './retry-policy.ts';

export type { Clock, TurbopufferStoreObserver, AttemptEvent, RetryEvent } from './call.ts';

export interface TurbopufferStoreOptions {
  /** Sent as `Authorization: Bearer …`; never logged, never in an error. */
  readonly apiKey: string;
  /** Overrides the regional URL (may contain `{region}`); may carry a path prefix. */
  readonly baseURL?: string;
  /** e.g. `aws-us-east-1` → `https://aws-us-east-1.turbopuffer.com`. */
  readonly region?: string;
  /** The VectorStore's name, used in error messages. */
  readonly name?: string;
  /** Overall deadline of one store call, retries included (VectorStore `spec.limits.timeout`). Default 30 s. */
  readonly timeoutMs?: number;
  /** Deadline of one attempt; default = timeoutMs (a hung attempt then uses up the call). */
  readonly attemptTimeoutMs?: number;
  /** Upstream connections in the pool (VectorStore `spec.limits.maxConcurrency`). Default 64. */
  readonly maxConnections?: number;
  /** Retries after the first attempt. Default 4. */
  readonly maxRetries?: number;
  /** Backoff: min(base · 2^n, cap) with jitter. Defaults 250 ms / 8 s. */
  readonly retryBaseMs?: number;
  readonly retryCapMs?: number;
  /** A `retry-after` above this is ignored in favour of the computed backoff. Default 60 s. */
  readonly retryAfterCapMs?: number;
  /** Gzip request bodies above 1 KiB. Default true. */
  readonly compressRequests?: boolean;
  /** Used instead of an own Pool (tests); not closed by `close()`. */
  readonly dispatcher?: Dispatcher;
  readonly clock?: Clock;
  /** Random numbers in [0, 1) for backoff jitter. */
  readonly random?: () => number;
  readonly observer?: TurbopufferStoreObserver;
}

const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_MAX_CONNECTIONS = 64;
const PING_TIMEOUT_MS = 5_000;
const REGION = /^[a-z0-9][a-z0-9-]{0,62}$/;

function positiveInt(name: string, value: number | undefined, fallback: number, min = 1): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min) {
    throw invalid(`turbopuffer store option ${name} must be an integer >= ${min}, got ${String(value)}`);
  }
  return value;
}

/** The upstream URL, split into origin (for the Pool) and a path prefix. */
export function resolveBaseURL(options: Pick<TurbopufferStoreOptions, 'baseURL' | 'region'>): URL {
  const { baseURL, region } = options;
  if (region !== undefined && !REGION.test(region)) {
    throw invalid(
      `turbopuffer region ${JSON.stringify(region)} is not a valid region id (e.g. aws-us-east-1)`,
    );
  }
  let raw: string;
  if (baseURL !== undefined && baseURL !== '') {
    if (baseURL.includes('{region}')) {
      if (region === undefined) throw invalid('turbopuffer baseURL contains {region} but no region is set');
      raw = baseURL.replaceAll('{region}', region);
    } else raw = baseURL;
  } else if (region !== undefined) raw = `https://${region}.turbopuffer.com`;
  else throw invalid('a turbopuffer store needs a region or a baseURL');
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw invalid(`turbopuffer baseURL ${JSON.stringify(raw)} is not a URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw invalid(`turbopuffer baseURL must be http(s), got ${url.protocol}`);
  }
  if (url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') {
    throw invalid('turbopuffer baseURL must not carry credentials, a query or a fragment');
  }
  return url;
}

export function listPath(params: ListNamespacesParams): string {
  const query = new URLSearchParams();
  if (params.prefix !== undefined) query.set('prefix', params.prefix);
  if (params.cursor !== undefined) query.set('cursor', params.cursor);
  if (params.pageSize !== undefined) query.set('page_size', String(params.pageSize));
  const qs = query.toString();
  return qs === '' ? '/v1/namespaces' : `/v1/namespaces?${qs}`;
}

export function createTurbopufferStore(options: TurbopufferStoreOptions): VectorStore {
  if (typeof options.apiKey !== 'string' || options.apiKey.trim() === '') {
    throw invalid('a turbopuffer store needs a non-empty API key');
  }
  const url = resolveBaseURL(options);
  const basePath = url.pathname.replace(/\/+$/, '');
  const timeoutMs = positiveInt('timeoutMs', options.timeoutMs, DEFAULT_TIMEOUT_MS);
  const attemptTimeoutMs = Math.min(
    positiveInt('attemptTimeoutMs', options.attemptTimeoutMs, timeoutMs),
    timeoutMs,
  );
  const connections = positiveInt('maxConnections', options.maxConnections, DEFAULT_MAX_CONNECTIONS);
  const policy = {
    maxRetries: positiveInt('maxRetries', options.maxRetries, DEFAULT_RETRY_POLICY.maxRetries, 0),
    baseMs: positiveInt('retryBaseMs', options.retryBaseMs, DEFAULT_RETRY_POLICY.baseMs, 0),
    capMs: positiveInt('retryCapMs', options.retryCapMs, DEFAULT_RETRY_POLICY.capMs, 0),
    retryAfterCapMs: positiveInt(
      'retryAfterCapMs',
      options.retryAfterCapMs,
      DEFAULT_RETRY_POLICY.retryAfterCapMs,
      0,
    ),
  };
  const compress = options.compressRequests ?? true;
  const ownPool =
    options.dispatcher === undefined
      ? new Pool(url.origin, {
          connections,
          keepAliveTimeout: 4_000,
          keepAliveMaxTimeout: 60_000,
          connectTimeout: Math.min(10_000, attemptTimeoutMs),
        })
      : undefined;
  const store = `turbopuffer store${options.name === undefined ? '' : ` ${JSON.stringify(options.name)}`} (${url.host})`;
  const cfg: CallerConfig = {
    dispatcher: options.dispatcher ?? (ownPool as Pool),
    origin: url.origin,
    store,
    apiKey: options.apiKey,
    // No `accept`: turbopuffer answers JSON whatever it says, and undici validates every header of
    // every request (a flat list also skips its object-iteration checks).
    baseHeaders: [
      'authorization',
      `Bearer ${options.apiKey}`,
      'accept-encoding',
      'gzip',
      'user-agent',
      'hevlayer',
    ],
    policy,
    timeoutMs,
    attemptTimeoutMs,
    clock: options.clock ?? systemClock,
    random: options.random ?? Math.random,
    observer: options.observer,
  };
  let closed = false;
  // Complete header sets, built once: the per-call work is adding x-request-id.
  const getHeaders = cfg.baseHeaders;
  const jsonHeaders = [...getHeaders, 'content-type', 'application/json'];
  const gzipHeaders = [...jsonHeaders, 'content-encoding', 'gzip'];

  const run = (call: UpstreamCall, ctx: CallContext | undefined, timeout?: number): Promise<Payload> => {
    if (closed) return Promise.reject(new HevError('HEV_UPSTREAM_UNAVAILABLE', `${store} is closed`));
    return callUpstream(cfg, call, ctx, timeout).then((result) => Payload.fromBytes(result.body));
  };
  const get = (op: string, ns: string | undefined, path: string, ctx: CallContext | undefined) =>
    run({ op, ns, method: 'GET', path, safety: 'idempotent', headers: getHeaders }, ctx);
  /** A call with a JSON body (POST, or PATCH for metadata updates). */
  const send = (
    op: string,
    ns: string,
    method: HttpMethod,
    path: string,
    safety: CallSafety,
    body: Payload,
    ctx?: CallContext,
  ): Promise<Payload> => {
    const bytes = body.bytes();
    if (!compress || bytes.length <= GZIP_MIN_BYTES) {
      return run({ op, ns, method, path, safety, body: bytes, headers: jsonHeaders }, ctx);
    }
    return encodeRequestBody(bytes, compress).then((encoded) =>
      run(
        {
          op,
          ns,
          method,
          path,
          safety,
          body: encoded.bytes,
          headers: encoded.contentEncoding === undefined ? jsonHeaders : gzipHeaders,
        },
        ctx,
      ),
    );
  };
  /** Each namespace operation goes to its canonical turbopuffer route (operations.ts). */
  const namespaceCall = (op: OpName): Dispatch => {
    const spec = specOf(op);
    const route = spec.upstream ?? (spec.routes[0] as { method: HttpMethod; path: string });
    const [before, after] = route.path.split(':ns') as [string, string];
    return (operation, ctx) => {
      const path = `${basePath}${before}${encodeURIComponent(operation.ns)}${after}`;
      if (spec.body) return send(op, operation.ns, route.method, path, spec.safety, bodyOf(operation), ctx);
      return run(
        { op, ns: operation.ns, method: route.method, path, safety: spec.safety, headers: getHeaders },
        ctx,
      );
    };
  };
  const handlers = {
    ...Object.fromEntries(
      OP_NAMES.filter((op) => specOf(op).scope === 'namespace').map((op) => [op, namespaceCall(op)]),
    ),
    listNamespaces: (operation: Operation, ctx: CallContext) =>
      get('listNamespaces', undefined, basePath + listPath(operation.params ?? {}), ctx),
  } as OperationHandlers;

  return {
    kind: 'turbopuffer',
    dispatch: dispatchTo(handlers),

    async ping(ctx) {
      const call: UpstreamCall = {
        op: 'ping',
        ns: undefined,
        method: 'GET',
        path: basePath + listPath({ pageSize: 1 }),
        safety: 'idempotent',
        headers: getHeaders,
      };
      try {
        await run(call, ctx, Math.min(timeoutMs, PING_TIMEOUT_MS));
      } catch (err) {
        // 403: the key is valid but may not list namespaces — the store can still serve.
        if (isHevError(err) && err.code === 'HEV_UPSTREAM_ERROR' && err.status === 403) return;
        if (isHevError(err) && err.code === 'HEV_UPSTREAM_ERROR' && err.status === 401) {
          throw new HevError(
            'HEV_UPSTREAM_ERROR',
            `${store} rejected the API key (HTTP 401): ${err.message}`,
            {
              status: 401,
            },
          );
        }
        throw err;
      }
    },

    async close() {
      if (closed) return;
      closed = true;
      await ownPool?.close();
    },
  };
}
