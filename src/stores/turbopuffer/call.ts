/**
 * One store call against the upstream: attempts, retry decisions, backoff sleeps, all inside one
 * overall deadline and the caller's AbortSignal. Returns the decoded 2xx body or throws HevError.
 */
import type { HttpMethod } from '../operations.ts';
import { setTimeout as sleepTimer } from 'node:timers/promises';
import type { Dispatcher } from 'undici';
import { HevError } from '../../wire/errors.ts';
import { decodeResponseBody } from './encoding.ts';
import { AttemptFailure, sendAttempt, type AttemptResponse } from './attempt.ts';
import {
  decideRetry,
  type AttemptOutcome,
  type CallSafety,
  type RetryPolicyOptions,
} from './retry-policy.ts';
import {
  attemptFailureError,
  callName,
  undecodableBodyError,
  upstreamResponseError,
  type CallDescription,
} from './upstream-errors.ts';

/** Time source for deadlines and backoff sleeps; tests pass their own. */
export interface Clock {
  now(): number;
  /** Resolves after `ms`; rejects when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) => sleepTimer(ms, undefined, signal === undefined ? {} : { signal }),
};

export interface AttemptEvent {
  readonly op: string;
  readonly ns: string | undefined;
  /** 1-based. */
  readonly attempt: number;
  /** HTTP status, or the failure kind when there was no answer. */
  readonly result: number | 'network' | 'timeout' | 'aborted';
  readonly durationMs: number;
}

export interface RetryEvent {
  readonly op: string;
  readonly ns: string | undefined;
  /** The attempt that failed (1-based). */
  readonly attempt: number;
  readonly delayMs: number;
  readonly reason: string;
}

/** Hooks for telemetry; never given request headers or bodies. */
export interface TurbopufferStoreObserver {
  onAttempt?(event: AttemptEvent): void;
  onRetry?(event: RetryEvent): void;
}

export interface CallerConfig {
  readonly dispatcher: Dispatcher;
  readonly origin: string;
  readonly store: string;
  readonly apiKey: string;
  /** Headers of every call, as a flat `[name, value, …]` list. */
  readonly baseHeaders: readonly string[];
  readonly policy: RetryPolicyOptions;
  readonly timeoutMs: number;
  readonly attemptTimeoutMs: number;
  readonly clock: Clock;
  readonly random: () => number;
  readonly observer: TurbopufferStoreObserver | undefined;
}

export interface UpstreamCall {
  readonly op: string;
  readonly ns: string | undefined;
  readonly method: HttpMethod;
  /** Full path (base path included) and query string, percent-encoded. */
  readonly path: string;
  readonly safety: CallSafety;
  readonly body?: Buffer;
  /** Every request header except x-request-id, as a flat `[name, value, …]` list (the store builds these once). */
  readonly headers: readonly string[];
}

export interface CallContext {
  readonly signal?: AbortSignal | undefined;
  readonly requestId?: string | undefined;
}

export interface UpstreamResult {
  readonly status: number;
  readonly body: Buffer;
}

function outcomeOf(failure: AttemptFailure): AttemptOutcome {
  return failure.kind === 'network'
    ? { kind: 'network', code: failure.code, sent: failure.sent }
    : { kind: 'timeout', sent: failure.sent };
}

function cancelled(description: CallDescription, signal: AbortSignal): HevError {
  if (signal.reason instanceof HevError) return signal.reason;
  return new HevError(
    'HEV_UPSTREAM_TIMEOUT',
    `${description.store}: ${callName(description)} was cancelled by the caller before the upstream answered`,
  );
}

/** `timeoutMs` overrides the configured overall timeout (e.g. a short one for ping). */
export async function callUpstream(
  cfg: CallerConfig,
  call: UpstreamCall,
  ctx: CallContext = {},
  timeoutMs = cfg.timeoutMs,
): Promise<UpstreamResult> {
  const description: CallDescription = { store: cfg.store, op: call.op, ns: call.ns };
  const deadline = cfg.clock.now() + timeoutMs;
  const headers =
    ctx.requestId === undefined ? call.headers : [...call.headers, 'x-request-id', ctx.requestId];
  for (let attempt = 1; ; attempt++) {
    if (ctx.signal?.aborted === true) throw cancelled(description, ctx.signal);
    const remainingMs = deadline - cfg.clock.now();
    if (remainingMs <= 0) {
      const passed = new AttemptFailure('timeout', 'ETIMEDOUT', false, 'deadline passed');
      throw attemptFailureError(passed, description, attempt - 1, timeoutMs, cfg.apiKey);
    }
    const started = cfg.clock.now();
    let response: AttemptResponse | undefined;
    let failure: AttemptFailure | undefined;
    try {
      response = await sendAttempt(cfg.dispatcher, {
        origin: cfg.origin,
        method: call.method,
        path: call.path,
        headers,
        body: call.body,
        timeoutMs: Math.max(1, Math.min(cfg.attemptTimeoutMs, remainingMs)),
        signal: ctx.signal,
      });
    } catch (err) {
      if (!(err instanceof AttemptFailure)) throw err;
      failure = err;
    }
    const result = response?.status ?? failure?.kind ?? 'network';
    cfg.observer?.onAttempt?.({
      op: call.op,
      ns: call.ns,
      attempt,
      result,
      durationMs: cfg.clock.now() - started,
    });

    if (response !== undefined && response.status >= 200 && response.status < 300) {
      const plain = response.contentEncoding === undefined;
      return { status: response.status, body: plain ? response.body : await decoded(response, description) };
    }
    if (failure?.kind === 'aborted' && ctx.signal !== undefined) throw cancelled(description, ctx.signal);
    const outcome: AttemptOutcome =
      response === undefined
        ? outcomeOf(failure as AttemptFailure)
        : { kind: 'response', status: response.status, headers: response.headers };

    const decision = decideRetry(
      {
        safety: call.safety,
        outcome,
        retriesDone: attempt - 1,
        remainingMs: deadline - cfg.clock.now(),
        // Wall time on purpose: `retry-after` may be an HTTP date.
        nowMs: Date.now(),
        random: cfg.random(),
      },
      cfg.policy,
    );
    if (!decision.retry) {
      if (failure !== undefined)
        throw attemptFailureError(failure, description, attempt, timeoutMs, cfg.apiKey);
      const res = response as AttemptResponse;
      const body = await decoded(res, description);
      throw upstreamResponseError(
        { status: res.status, statusText: res.statusText, headers: res.headers, body },
        description,
        cfg.apiKey,
      );
    }
    cfg.observer?.onRetry?.({
      op: call.op,
      ns: call.ns,
      attempt,
      delayMs: decision.delayMs,
      reason: decision.reason,
    });
    try {
      await cfg.clock.sleep(decision.delayMs, ctx.signal);
    } catch (err) {
      // The sleep rejects only when the signal aborted (the flag is re-read: TS narrowed it above).
      const signal = ctx.signal;
      if (signal !== undefined && isAborted(signal)) throw cancelled(description, signal);
      throw err;
    }
  }
}

function isAborted(signal: AbortSignal): boolean {
  return signal.aborted;
}

async function decoded(response: AttemptResponse, description: CallDescription): Promise<Buffer> {
  try {
    return await decodeResponseBody(response.headers, response.body);
  } catch (err) {
    throw undecodableBodyError(description, err instanceof Error ? err.message : String(err));
  }
}
