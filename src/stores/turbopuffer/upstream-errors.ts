/**
 * Turns what went wrong upstream into catalogued errors. An upstream HTTP error keeps turbopuffer's
 * own status and body (the client sees exactly what turbopuffer said); a failure to get an answer
 * at all becomes HEV_UPSTREAM_UNAVAILABLE or HEV_UPSTREAM_TIMEOUT with a message naming the store
 * and host. The API key can never appear: messages are built from our own words plus upstream
 * text that is scrubbed of the key first.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { HevError } from '../../wire/errors.ts';
import type { AttemptFailure } from './attempt.ts';

export interface CallDescription {
  /** e.g. `turbopuffer store "prod" (aws-us-east-1.turbopuffer.com)`. */
  readonly store: string;
  /** e.g. `query`. */
  readonly op: string;
  readonly ns?: string | undefined;
}

const REDACTED = '[redacted]';
const PASSED_HEADERS = ['retry-after', 'retry-after-ms'] as const;
const MAX_TEXT_MESSAGE = 500;

export function callName(call: CallDescription): string {
  return call.ns === undefined ? call.op : `${call.op} on namespace ${JSON.stringify(call.ns)}`;
}

/** Removes every occurrence of the secret (cheap when absent: one native byte search). */
export function redactBytes(bytes: Buffer, secret: string): Buffer {
  if (secret.length === 0 || !bytes.includes(secret)) return bytes;
  return Buffer.from(bytes.toString('utf8').split(secret).join(REDACTED), 'utf8');
}

export function redactText(text: string, secret: string): string {
  return secret.length === 0 ? text : text.split(secret).join(REDACTED);
}

function passedHeaders(headers: IncomingHttpHeaders): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  for (const name of PASSED_HEADERS) {
    const value = headers[name];
    const first = Array.isArray(value) ? value[0] : value;
    if (first !== undefined) out[name] = first;
  }
  return Object.keys(out).length === 0 ? undefined : out;
}

/** The upstream's `error` text when the body is a turbopuffer JSON error; undefined otherwise. */
function jsonErrorMessage(body: Buffer): { json: boolean; message: string | undefined } {
  try {
    const parsed: unknown = JSON.parse(body.toString('utf8'));
    if (typeof parsed !== 'object' || parsed === null) return { json: true, message: undefined };
    const error = (parsed as { error?: unknown }).error;
    return { json: true, message: typeof error === 'string' && error !== '' ? error : undefined };
  } catch {
    return { json: false, message: undefined };
  }
}

export interface UpstreamErrorResponse {
  readonly status: number;
  readonly statusText: string;
  readonly headers: IncomingHttpHeaders;
  /** Decoded body. */
  readonly body: Buffer;
}

/**
 * An upstream answer that is not a success. A JSON body is relayed byte for byte (`rawBody`); a
 * plain-text body (turbopuffer's URL layer, a load balancer's HTML) becomes the message and the
 * gateway renders it in the turbopuffer error shape.
 */
export function upstreamResponseError(
  res: UpstreamErrorResponse,
  call: CallDescription,
  secret: string,
): HevError {
  const body = redactBytes(res.body, secret);
  const headers = passedHeaders(res.headers);
  if (res.status < 400 || res.status > 599) {
    return new HevError(
      'HEV_UPSTREAM_ERROR',
      `${call.store}: ${callName(call)} got an unexpected HTTP ${res.status} from the upstream`,
    );
  }
  const { json, message } = body.length === 0 ? { json: false, message: undefined } : jsonErrorMessage(body);
  const text = json ? undefined : body.toString('utf8').trim().slice(0, MAX_TEXT_MESSAGE);
  const fallback = res.statusText === '' ? `HTTP ${res.status}` : `${res.status} ${res.statusText}`;
  return new HevError('HEV_UPSTREAM_ERROR', redactText(message ?? (text || fallback), secret), {
    status: res.status,
    ...(json ? { rawBody: body } : {}),
    ...(headers === undefined ? {} : { headers }),
  });
}

function attempts(n: number): string {
  return n === 1 ? '1 attempt' : `${n} attempts`;
}

/** No answer at all: unreachable, reset, timed out, or cancelled. */
export function attemptFailureError(
  failure: AttemptFailure,
  call: CallDescription,
  attemptCount: number,
  timeoutMs: number,
  secret: string,
): HevError {
  const name = `${call.store}: ${callName(call)}`;
  switch (failure.kind) {
    case 'timeout':
      return new HevError(
        'HEV_UPSTREAM_TIMEOUT',
        `${name} got no answer within the ${timeoutMs} ms timeout (${attempts(attemptCount)})`,
      );
    case 'aborted':
      return new HevError(
        'HEV_UPSTREAM_TIMEOUT',
        `${name} was cancelled by the caller before the upstream answered`,
      );
    case 'network':
      return new HevError(
        'HEV_UPSTREAM_UNAVAILABLE',
        redactText(
          `${name} could not reach the upstream: ${failure.message} (${failure.code}; ${attempts(attemptCount)})`,
          secret,
        ),
      );
  }
}

/** A successful status whose body could not be decoded. */
export function undecodableBodyError(call: CallDescription, reason: string): HevError {
  return new HevError(
    'HEV_UPSTREAM_ERROR',
    `${call.store}: ${callName(call)} got an undecodable body: ${reason}`,
  );
}
