/**
 * The error catalog. Every failure the gateway or an adapter reports has a stable code, an HTTP
 * status and a message a person can act on. The turbopuffer routes render it as
 * `{"status":"error","error":"…","code":"HEV_…"}` (the turbopuffer shape plus our code).
 */

export const ERROR_CATALOG = {
  HEV_BAD_JSON: { status: 400, summary: 'the body is not valid JSON' },
  HEV_INVALID_REQUEST: { status: 400, summary: 'the request is well-formed JSON but not a valid request' },
  HEV_UNSUPPORTED: { status: 400, summary: 'a feature this store does not support was requested' },
  HEV_DUPLICATE_ID: { status: 400, summary: 'the same document id appears twice in one write' },
  HEV_UNAUTHENTICATED: { status: 401, summary: 'missing or unknown API key' },
  HEV_FORBIDDEN: { status: 403, summary: 'the API key may not access this Index' },
  HEV_NAMESPACE_NOT_FOUND: { status: 404, summary: 'the namespace does not exist in the store' },
  HEV_INDEX_NOT_FOUND: { status: 404, summary: 'no Index is declared under this name' },
  HEV_ROUTE_NOT_FOUND: { status: 404, summary: 'no such route' },
  HEV_SNAPSHOT_NOT_FOUND: { status: 404, summary: 'no such facet snapshot (or none taken yet)' },
  HEV_METHOD_NOT_ALLOWED: { status: 405, summary: 'the route exists but not for this method' },
  HEV_CONFLICT: { status: 409, summary: 'the request conflicts with the current state' },
  HEV_PAYLOAD_TOO_LARGE: { status: 413, summary: 'the body exceeds the configured size cap' },
  HEV_UNSUPPORTED_MEDIA_TYPE: { status: 415, summary: 'the body is not JSON, or its encoding is unknown' },
  HEV_UNPROCESSABLE: { status: 422, summary: 'the body could not be deserialized into the expected shape' },
  HEV_RATE_LIMITED: { status: 429, summary: 'too many requests in flight for this namespace' },
  HEV_INTERNAL: { status: 500, summary: 'an unexpected failure inside hevlayer' },
  HEV_UPSTREAM_ERROR: { status: 502, summary: 'the upstream store answered with an error' },
  HEV_UPSTREAM_UNAVAILABLE: { status: 503, summary: 'the upstream store could not be reached' },
  HEV_SHARD_FAILURE: { status: 502, summary: 'one or more shards of a sharded Index failed' },
  HEV_INDEX_NOT_READY: {
    status: 503,
    summary: 'the Index is declared but cannot be served (see its status)',
  },
  HEV_SHUTTING_DOWN: {
    status: 503,
    summary: 'the gateway is shutting down; retry the request (another replica will answer)',
  },
  HEV_OBJECT_STORE_UNAVAILABLE: {
    status: 503,
    summary: 'the snapshot object store (filesystem or S3) failed; snapshot history is unavailable',
  },
  HEV_UPSTREAM_TIMEOUT: { status: 504, summary: 'the upstream store did not answer in time' },
} as const satisfies Record<string, { status: number; summary: string }>;

export type ErrorCode = keyof typeof ERROR_CATALOG;

export interface HevErrorOptions {
  /** Overrides the catalog status, e.g. to pass an upstream status through. */
  readonly status?: number;
  readonly cause?: unknown;
  /** Extra fields rendered beside `error` (e.g. `attribute` for schema errors). */
  readonly details?: Readonly<Record<string, unknown>>;
  /** Extra response headers (e.g. `retry-after`). */
  readonly headers?: Readonly<Record<string, string>>;
  /** The raw upstream body to pass through unchanged instead of rendering our own. */
  readonly rawBody?: Buffer;
  /** The declared Index the failure concerns (logs and metrics only; not rendered). */
  readonly index?: string;
}

export class HevError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: Readonly<Record<string, unknown>> | undefined;
  readonly headers: Readonly<Record<string, string>> | undefined;
  readonly rawBody: Buffer | undefined;
  readonly index: string | undefined;

  constructor(code: ErrorCode, message: string, options: HevErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'HevError';
    this.code = code;
    this.status = options.status ?? ERROR_CATALOG[code].status;
    this.details = options.details;
    this.headers = options.headers;
    this.rawBody = options.rawBody;
    this.index = options.index;
  }

  /** The turbopuffer error body. */
  toBody(): Record<string, unknown> {
    return { status: 'error', error: this.message, code: this.code, ...this.details };
  }
}

export function isHevError(err: unknown): err is HevError {
  return err instanceof HevError;
}

/** Shorthand for the most common failure: a 400 naming what is wrong with the request. */
export function invalid(message: string, details?: Record<string, unknown>): HevError {
  return new HevError('HEV_INVALID_REQUEST', message, details === undefined ? {} : { details });
}

/** A 400 naming a feature the store does not support; never a silently wrong answer. */
export function unsupported(feature: string): HevError {
  return new HevError('HEV_UNSUPPORTED', `${feature} is not supported by this store`);
}
