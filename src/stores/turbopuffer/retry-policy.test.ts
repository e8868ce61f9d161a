import { describe, expect, it } from 'vitest';
import {
  backoffDelay,
  decideRetry,
  DEFAULT_RETRY_POLICY,
  serverRetryDelay,
  type AttemptOutcome,
  type CallSafety,
  type RetryDecision,
} from './retry-policy.ts';

const NOW = Date.parse('2026-01-01T00:00:00Z');
const options = {
  ...DEFAULT_RETRY_POLICY,
  maxRetries: 4,
  baseMs: 100,
  capMs: 1_000,
  retryAfterCapMs: 60_000,
};

function response(status: number, headers: Record<string, string> = {}): AttemptOutcome {
  return { kind: 'response', status, headers };
}
const refused: AttemptOutcome = { kind: 'network', code: 'ECONNREFUSED', sent: false };
const resetAfterSend: AttemptOutcome = { kind: 'network', code: 'ECONNRESET', sent: true };
const socketClosedAfterSend: AttemptOutcome = { kind: 'network', code: 'UND_ERR_SOCKET', sent: true };
const connectTimeout: AttemptOutcome = { kind: 'network', code: 'UND_ERR_CONNECT_TIMEOUT', sent: false };
const hangAfterSend: AttemptOutcome = { kind: 'timeout', sent: true };
const hangBeforeSend: AttemptOutcome = { kind: 'timeout', sent: false };
const notConnection: AttemptOutcome = { kind: 'network', code: 'UND_ERR_INVALID_ARG', sent: false };

function decide(
  safety: CallSafety,
  outcome: AttemptOutcome,
  over: Partial<{ retriesDone: number; remainingMs: number; random: number }> = {},
): RetryDecision {
  return decideRetry(
    {
      safety,
      outcome,
      retriesDone: over.retriesDone ?? 0,
      remainingMs: over.remainingMs ?? 30_000,
      nowMs: NOW,
      random: over.random ?? 0,
    },
    options,
  );
}

describe('decideRetry: which outcomes are retried', () => {
  const table: [string, CallSafety, AttemptOutcome, boolean][] = [
    ['idempotent 408', 'idempotent', response(408), true],
    ['idempotent 409', 'idempotent', response(409), true],
    ['idempotent 429', 'idempotent', response(429), true],
    ['idempotent 500', 'idempotent', response(500), true],
    ['idempotent 503', 'idempotent', response(503), true],
    ['idempotent 400', 'idempotent', response(400), false],
    ['idempotent 401', 'idempotent', response(401), false],
    ['idempotent 404', 'idempotent', response(404), false],
    ['idempotent 422', 'idempotent', response(422), false],
    ['idempotent 400 + x-should-retry true', 'idempotent', response(400, { 'x-should-retry': 'true' }), true],
    [
      'idempotent 503 + x-should-retry false',
      'idempotent',
      response(503, { 'x-should-retry': 'false' }),
      false,
    ],
    ['idempotent refused', 'idempotent', refused, true],
    ['idempotent reset after send', 'idempotent', resetAfterSend, true],
    ['idempotent socket closed after send', 'idempotent', socketClosedAfterSend, true],
    ['idempotent hang', 'idempotent', hangAfterSend, true],
    ['idempotent non-connection error', 'idempotent', notConnection, false],
    ['unsafe 429', 'unsafe', response(429), false],
    ['unsafe 503', 'unsafe', response(503), false],
    ['unsafe 503 + x-should-retry true', 'unsafe', response(503, { 'x-should-retry': 'true' }), false],
    ['unsafe refused', 'unsafe', refused, true],
    ['unsafe connect timeout', 'unsafe', connectTimeout, true],
    ['unsafe timeout before send', 'unsafe', hangBeforeSend, true],
    ['unsafe reset after send', 'unsafe', resetAfterSend, false],
    ['unsafe socket closed after send', 'unsafe', socketClosedAfterSend, false],
    ['unsafe hang after send', 'unsafe', hangAfterSend, false],
    ['unsafe non-connection error', 'unsafe', notConnection, false],
  ];
  it.each(table)('%s', (_name, safety, outcome, expected) => {
    expect(decide(safety, outcome).retry).toBe(expected);
  });
});

describe('decideRetry: limits', () => {
  it('stops after maxRetries', () => {
    expect(decide('idempotent', response(503), { retriesDone: 3 }).retry).toBe(true);
    const last = decide('idempotent', response(503), { retriesDone: 4 });
    expect(last).toMatchObject({ retry: false });
    expect(last.reason).toContain('exhausted');
  });

  it('does not wait past the deadline', () => {
    const d = decide('idempotent', response(429, { 'retry-after-ms': '500' }), { remainingMs: 400 });
    expect(d).toMatchObject({ retry: false });
    expect(d.reason).toContain('deadline');
    expect(
      decide('idempotent', response(429, { 'retry-after-ms': '500' }), { remainingMs: 501 }),
    ).toMatchObject({
      retry: true,
      delayMs: 500,
    });
  });

  it('uses the server delay when present', () => {
    expect(decide('idempotent', response(429, { 'retry-after': '2' }))).toMatchObject({ delayMs: 2_000 });
    expect(decide('idempotent', response(503, { 'retry-after-ms': '50' }), { retriesDone: 3 })).toMatchObject(
      {
        delayMs: 50,
      },
    );
  });

  it('falls back to backoff for network errors', () => {
    expect(decide('idempotent', refused, { retriesDone: 2, random: 0 })).toMatchObject({ delayMs: 400 });
  });
});

describe('backoffDelay', () => {
  const table: [number, number, number][] = [
    // retriesDone, random, expected
    [0, 0, 100],
    [1, 0, 200],
    [2, 0, 400],
    [3, 0, 800],
    [4, 0, 1_000],
    [10, 0, 1_000],
    [0, 0.5, 87.5],
    [3, 0.999_999, 800 * (1 - 0.999_999 * 0.25)],
  ];
  it.each(table)('retry %i with random %f → %f ms', (retriesDone, random, expected) => {
    expect(backoffDelay(retriesDone, random, options)).toBeCloseTo(expected, 6);
  });

  it('keeps jitter within (0.75, 1] of the step', () => {
    for (const random of [0, 0.1, 0.5, 0.9, 0.999_999_9]) {
      const delay = backoffDelay(1, random, options);
      expect(delay).toBeGreaterThan(150);
      expect(delay).toBeLessThanOrEqual(200);
    }
  });
});

describe('serverRetryDelay', () => {
  const cap = 60_000;
  const table: [string, Record<string, string | string[]>, number | undefined][] = [
    ['none', {}, undefined],
    ['retry-after-ms integer', { 'retry-after-ms': '50' }, 50],
    ['retry-after-ms fractional', { 'retry-after-ms': '12.5' }, 12.5],
    ['retry-after-ms wins over retry-after', { 'retry-after-ms': '50', 'retry-after': '3' }, 50],
    ['bad retry-after-ms falls back to retry-after', { 'retry-after-ms': 'soon', 'retry-after': '3' }, 3_000],
    ['retry-after seconds', { 'retry-after': '3' }, 3_000],
    ['retry-after fractional seconds', { 'retry-after': '0.25' }, 250],
    ['retry-after zero', { 'retry-after': '0' }, 0],
    ['retry-after HTTP date', { 'retry-after': new Date(NOW + 5_000).toUTCString() }, 5_000],
    ['retry-after date in the past', { 'retry-after': new Date(NOW - 5_000).toUTCString() }, undefined],
    ['negative retry-after-ms', { 'retry-after-ms': '-1' }, undefined],
    ['negative retry-after', { 'retry-after': '-3' }, undefined],
    ['above the cap', { 'retry-after': '3600' }, undefined],
    ['exactly the cap', { 'retry-after': '60' }, 60_000],
    ['garbage', { 'retry-after': 'later please' }, undefined],
    ['empty', { 'retry-after': '' }, undefined],
    ['repeated header uses the first', { 'retry-after': ['2', '9'] }, 2_000],
  ];
  it.each(table)('%s', (_name, headers, expected) => {
    expect(serverRetryDelay(headers, NOW, cap)).toBe(expected);
  });
});
