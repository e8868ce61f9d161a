/**
 * What a route is: method, path template, whether it takes a body, whether it needs a key, and a
 * thin handler from the request's context to a reply. Everything around the handler (request id,
 * auth, draining, body limits and decoding, error rendering, the request line, metrics) is the
 * pipeline's (pipeline.ts), written once for every route.
 */
import type { IncomingMessage } from 'node:http';
import type { CallContext } from '../stores/port.ts';
import type { Payload } from '../wire/payload.ts';
import type { Principal } from './auth.ts';

export type RouteMethod = 'GET' | 'POST' | 'DELETE' | 'PATCH';

export interface RequestContext {
  readonly req: IncomingMessage;
  readonly id: string;
  /** Path parameters, percent-decoded (`:ns`, `:name`). */
  readonly params: Readonly<Record<string, string | undefined>>;
  /** The query string's parameters (a repeated key gives an array). */
  readonly query: Readonly<Record<string, string | string[] | undefined>>;
  /** The authenticated caller; undefined on routes that need no key. */
  readonly principal: Principal | undefined;
  /** The decoded, size- and structure-checked body of a route with `body: true`, unparsed. */
  readonly body: Payload | undefined;
  /** Aborted when the client connection closes; pass it on to store calls. */
  readonly call: CallContext;
  /**
   * Aborted when the server stops accepting (shutdown). A stream reply ends with its final line
   * when it sees this, rather than being cut by the grace period.
   */
  readonly stopping: AbortSignal;
  /** The declared Index the request addresses (a log field and metrics label). */
  index: string | undefined;
  /** The VectorStore that serves it (a log field). */
  store: string | undefined;
}

/** A JSON answer: a value to serialize, or bytes already serialized (a store's Payload). */
export interface JsonReply {
  readonly kind: 'json';
  readonly status: number;
  readonly body: Payload | Buffer | string;
  readonly contentType?: string;
  /** Extra response headers (`x-hevlayer-cache`). */
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * A streamed answer (NDJSON): each item is written as it comes, waiting for the socket to drain
 * (backpressure). The producer ends with its own final line; when it throws after the head was
 * sent, the pipeline appends an error line in the catalogue's shape instead of cutting the stream.
 */
export interface StreamReply {
  readonly kind: 'stream';
  readonly status: number;
  readonly contentType: string;
  readonly lines: AsyncIterable<string | Buffer>;
}

export type Reply = JsonReply | StreamReply;

export interface RouteSpec {
  readonly method: RouteMethod;
  /** find-my-way template (`/v2/namespaces/:ns/query`); also the `route` log field and label. */
  readonly path: string;
  /** Reads, decodes and checks a body before the handler runs. */
  readonly body: boolean;
  /** False for the probes and /metrics (INTERFACES.md "Auth"). Default true. */
  readonly auth?: boolean;
  readonly handler: (ctx: RequestContext) => Promise<Reply>;
}

export function json(status: number, body: Payload | Buffer | string, contentType?: string): JsonReply {
  return contentType === undefined
    ? { kind: 'json', status, body }
    : { kind: 'json', status, body, contentType };
}

/** A JSON answer from a plain value. */
export function value(status: number, body: unknown): JsonReply {
  return { kind: 'json', status, body: JSON.stringify(body) };
}

export function ndjson(status: number, lines: AsyncIterable<string | Buffer>): StreamReply {
  return { kind: 'stream', status, contentType: 'application/x-ndjson', lines };
}
