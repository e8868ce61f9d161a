/**
 * One HTTP attempt over an undici dispatcher, with its own timeout, buffered into memory.
 *
 * It drives `dispatcher.dispatch()` with a handler instead of using `request()`, for one reason:
 * undici calls the handler's `onConnect` exactly when it hands the request to a connected socket,
 * right before the request head is written. A failure that arrives before that call (connection
 * refused, DNS failure, connect timeout, a pooled socket found closed while validating it for
 * reuse) proves that not one byte of the request reached the upstream — the only situation in which
 * a write may be retried (docs/adr/turbopuffer-adapter.md).
 *
 * The handler uses undici 7's native callbacks (`onConnect`/`onHeaders`/`onData`/`onComplete`/
 * `onError`, the ones `request()` itself uses) rather than the newer `onRequestStart`… family,
 * which undici adapts to the native ones per request, parsing every response header into an object
 * on the way. Here the raw headers are parsed only when someone reads them (errors, retries): a
 * successful answer needs just its content-encoding.
 */
import type { HttpMethod } from '../operations.ts';
import type { IncomingHttpHeaders } from 'node:http';
import { util, type Dispatcher } from 'undici';
import { onAbort as subscribeAbort } from '../abort.ts';

export interface AttemptRequest {
  readonly origin: string;
  readonly method: HttpMethod;
  /** Path and query string, already percent-encoded. */
  readonly path: string;
  /** A flat `[name, value, …]` list. */
  readonly headers: readonly string[];
  readonly body: Buffer | undefined;
  readonly timeoutMs: number;
  readonly signal: AbortSignal | undefined;
}

export interface AttemptResponse {
  readonly status: number;
  readonly statusText: string;
  /** Parsed on first read. */
  readonly headers: IncomingHttpHeaders;
  /** The `content-encoding` header, lowercased, or undefined (found without parsing the others). */
  readonly contentEncoding: string | undefined;
  /** The body exactly as received (still content-encoded). */
  readonly body: Buffer;
}

export type AttemptFailureKind = 'network' | 'timeout' | 'aborted';

/** Why an attempt produced no response. Carries no request data (no headers, no key). */
export class AttemptFailure extends Error {
  readonly kind: AttemptFailureKind;
  readonly code: string;
  /** True once undici handed the request to a socket: some of it may have reached the upstream. */
  readonly sent: boolean;

  constructor(kind: AttemptFailureKind, code: string, sent: boolean, message: string) {
    super(message);
    this.name = 'AttemptFailure';
    this.kind = kind;
    this.code = code;
    this.sent = sent;
  }
}

const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

function errorCode(err: unknown): string {
  const e = err as { code?: unknown; errors?: { code?: unknown }[]; name?: unknown };
  if (typeof e.code === 'string') return e.code;
  // Node's happy-eyeballs connect reports an AggregateError of the per-address failures.
  const first = e.errors?.[0]?.code;
  if (typeof first === 'string') return first;
  return typeof e.name === 'string' ? e.name : 'UNKNOWN';
}

function describe(err: unknown): string {
  return err instanceof Error && err.message !== '' ? err.message : errorCode(err);
}

export function sendAttempt(dispatcher: Dispatcher, req: AttemptRequest): Promise<AttemptResponse> {
  return new Promise<AttemptResponse>((resolve, reject) => {
    let abortRequest: ((reason: Error) => void) | undefined;
    let cancelledWith: AttemptFailure | undefined;
    let sent = false;
    let settled = false;
    let unsubscribe: (() => void) | undefined;
    let status = 0;
    let statusText = '';
    let rawHeaders: Buffer[] = [];
    const chunks: Buffer[] = [];

    const settle = (failure: AttemptFailure | undefined, response?: AttemptResponse): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      unsubscribe?.();
      if (failure !== undefined) reject(failure);
      else resolve(response as AttemptResponse);
    };
    const cancel = (kind: 'timeout' | 'aborted', message: string): void => {
      const failure = new AttemptFailure(kind, kind === 'timeout' ? 'ETIMEDOUT' : 'ABORT_ERR', sent, message);
      cancelledWith = failure;
      settle(failure);
      // Not yet on a socket: onRequestStart will abort it the moment undici gets there.
      abortRequest?.(failure);
    };
    const onAbort = (): void => cancel('aborted', 'the call was cancelled');
    const timer = setTimeout(() => cancel('timeout', `no answer within ${req.timeoutMs} ms`), req.timeoutMs);

    if (req.signal?.aborted === true) {
      onAbort();
      return;
    }
    if (req.signal !== undefined) unsubscribe = subscribeAbort(req.signal, onAbort);

    const handler: Dispatcher.DispatchHandler = {
      onConnect(abort) {
        abortRequest = abort;
        if (cancelledWith !== undefined) {
          abort(cancelledWith);
          return;
        }
        sent = true;
      },
      onHeaders(statusCode, headers, _resume, statusMessage) {
        status = statusCode;
        statusText = statusMessage;
        rawHeaders = headers;
        return true;
      },
      onData(chunk) {
        chunks.push(chunk);
        return true;
      },
      onComplete() {
        // One chunk (the usual case for a JSON answer) is undici's own copy: no need to copy it again.
        const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
        settle(undefined, response(status, statusText, rawHeaders, body));
      },
      onError(err) {
        const code = errorCode(err);
        const kind = TIMEOUT_CODES.has(code) ? 'timeout' : 'network';
        settle(new AttemptFailure(kind, code, sent, describe(err)));
      },
    };

    dispatcher.dispatch(
      {
        origin: req.origin,
        method: req.method,
        path: req.path,
        headers: req.headers as string[],
        body: req.body ?? null,
        headersTimeout: req.timeoutMs,
        bodyTimeout: req.timeoutMs,
      },
      handler,
    );
  });
}

const CONTENT_ENCODING = 'content-encoding';

/** A class, not an object literal with a getter: V8 builds those slowly (about a microsecond each). */
class BufferedResponse implements AttemptResponse {
  readonly contentEncoding: string | undefined;
  #parsed: IncomingHttpHeaders | undefined;

  constructor(
    readonly status: number,
    readonly statusText: string,
    private readonly raw: Buffer[],
    readonly body: Buffer,
  ) {
    let encoding: string | undefined;
    for (let i = 0; i < raw.length; i += 2) {
      const name = raw[i]!;
      if (
        name.length === CONTENT_ENCODING.length &&
        name.toString('latin1').toLowerCase() === CONTENT_ENCODING
      ) {
        encoding = raw[i + 1]!.toString('latin1').trim().toLowerCase();
      }
    }
    this.contentEncoding = encoding;
  }

  get headers(): IncomingHttpHeaders {
    return (this.#parsed ??= util.parseHeaders(this.raw) as IncomingHttpHeaders);
  }
}

function response(status: number, statusText: string, raw: Buffer[], body: Buffer): AttemptResponse {
  return new BufferedResponse(status, statusText, raw, body);
}
