/**
 * When to try an upstream call again, and after how long. Pure: every input (the outcome of the
 * attempt, the attempt number, the time left, a random number) is passed in, so the whole policy is
 * table-tested without a clock. The shape follows the official turbopuffer SDK (`shouldRetry`,
 * `calculateDefaultRetryTimeoutMillis`), with one deliberate difference: calls that are not
 * idempotent are retried only when the request provably never left this process (see
 * docs/adr/turbopuffer-adapter.md).
 */

/** `idempotent`: repeating it cannot change upstream state. `unsafe`: it might (writes). */
export type CallSafety = 'idempotent' | 'unsafe';

export type ResponseHeaders = Readonly<Record<string, string | string[] | undefined>>;

export type AttemptOutcome =
  /** The upstream answered with a non-2xx status. */
  | { readonly kind: 'response'; readonly status: number; readonly headers: ResponseHeaders }
  /**
   * The connection failed. `sent` is false only when undici never handed the request to a
   * connected socket, i.e. not one byte of it was written.
   */
  | { readonly kind: 'network'; readonly code: string; readonly sent: boolean }
  /** The attempt ran past its own timeout. */
  | { readonly kind: 'timeout'; readonly sent: boolean };

export interface RetryPolicyOptions {
  /** Retries after the first attempt (so at most maxRetries + 1 attempts). */
  readonly maxRetries: number;
  /** First backoff step; doubles each retry. */
  readonly baseMs: number;
  /** Upper bound of one computed backoff step. */
  readonly capMs: number;
  /** A server-sent delay above this (or below 0) is ignored and the computed backoff used. */
  readonly retryAfterCapMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicyOptions = {
  maxRetries: 4,
  baseMs: 250,
  capMs: 8_000,
  retryAfterCapMs: 60_000,
};

export interface RetryInput {
  readonly safety: CallSafety;
  readonly outcome: AttemptOutcome;
  /** Retries already made (0 after the first attempt failed). */
  readonly retriesDone: number;
  /** Time left before the call's overall deadline. */
  readonly remainingMs: number;
  /** Wall-clock time, for `retry-after` given as an HTTP date. */
  readonly nowMs: number;
  /** A number in [0, 1), e.g. Math.random(). */
  readonly random: number;
}

export type RetryDecision =
  | { readonly retry: true; readonly delayMs: number; readonly reason: string }
  | { readonly retry: false; readonly reason: string };

/** Connection error codes that mean "no usable connection": only these are ever retried. */
export const CONNECTION_ERROR_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'ETIMEDOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_SOCKET',
]);

const RETRYABLE_STATUSES = new Set([408, 409, 429]);

function header(headers: ResponseHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * The delay the server asked for, from `retry-after-ms` (milliseconds, may be fractional) or else
 * `retry-after` (seconds, or an HTTP date). Undefined when absent, unparseable, negative or above
 * the cap.
 */
export function serverRetryDelay(headers: ResponseHeaders, nowMs: number, capMs: number): number | undefined {
  let delay: number | undefined;
  const ms = header(headers, 'retry-after-ms');
  if (ms !== undefined && ms.trim() !== '') {
    const parsed = Number(ms);
    if (Number.isFinite(parsed)) delay = parsed;
  }
  if (delay === undefined) {
    const value = header(headers, 'retry-after')?.trim();
    if (value !== undefined && value !== '') {
      const seconds = Number(value);
      if (Number.isFinite(seconds)) delay = seconds * 1000;
      else {
        const date = Date.parse(value);
        if (Number.isFinite(date)) delay = date - nowMs;
      }
    }
  }
  if (delay === undefined || delay < 0 || delay > capMs) return undefined;
  return delay;
}

/** `min(base * 2^retriesDone, cap)` times a jitter factor in (0.75, 1]. */
export function backoffDelay(retriesDone: number, random: number, options: RetryPolicyOptions): number {
  const step = Math.min(options.baseMs * 2 ** retriesDone, options.capMs);
  return step * (1 - random * 0.25);
}

function retryableResponse(status: number, headers: ResponseHeaders): { retry: boolean; reason: string } {
  const explicit = header(headers, 'x-should-retry');
  if (explicit === 'true') return { retry: true, reason: 'x-should-retry: true' };
  if (explicit === 'false') return { retry: false, reason: 'x-should-retry: false' };
  if (RETRYABLE_STATUSES.has(status) || status >= 500) return { retry: true, reason: `status ${status}` };
  return { retry: false, reason: `status ${status} is not retryable` };
}

function retryable(input: RetryInput): { retry: boolean; reason: string } {
  const { outcome, safety } = input;
  if (outcome.kind === 'response') {
    if (safety === 'unsafe')
      return { retry: false, reason: 'a non-idempotent call is never retried on a response' };
    return retryableResponse(outcome.status, outcome.headers);
  }
  const what = outcome.kind === 'timeout' ? 'timeout' : outcome.code;
  if (outcome.kind === 'network' && !CONNECTION_ERROR_CODES.has(outcome.code)) {
    return { retry: false, reason: `${what} is not a connection error` };
  }
  if (safety === 'unsafe' && outcome.sent) {
    return {
      retry: false,
      reason: `${what} after the request was sent; a non-idempotent call is not repeated`,
    };
  }
  return { retry: true, reason: outcome.sent ? `${what}` : `${what} before the request was sent` };
}

export function decideRetry(input: RetryInput, options: RetryPolicyOptions): RetryDecision {
  const verdict = retryable(input);
  if (!verdict.retry) return { retry: false, reason: verdict.reason };
  if (input.retriesDone >= options.maxRetries) {
    return { retry: false, reason: `${verdict.reason}; ${options.maxRetries} retries exhausted` };
  }
  const fromServer =
    input.outcome.kind === 'response'
      ? serverRetryDelay(input.outcome.headers, input.nowMs, options.retryAfterCapMs)
      : undefined;
  const delayMs = fromServer ?? backoffDelay(input.retriesDone, input.random, options);
  if (delayMs >= input.remainingMs) {
    return {
      retry: false,
      reason: `${verdict.reason}; waiting ${Math.ceil(delayMs)} ms would pass the deadline`,
    };
  }
  return { retry: true, delayMs, reason: verdict.reason };
}
