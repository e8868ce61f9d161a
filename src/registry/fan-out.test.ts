/**
 * The fan-out rule as a table: every combination of request threads (absent or given), the Index's
 * scan.threads, the server cap and the active shard count, including 1 shard → 1; and the request
 * `threads` validation (0, negative, fractions and non-numbers are 400s).
 */
import { describe, expect, it } from 'vitest';
import { HevError } from '../wire/errors.ts';
import { fanOut, requestedThreads } from './fan-out.ts';

// [requested, indexThreads, serverCap, activeShards, expected]
const TABLE: readonly (readonly [number | undefined, number, number, number, number])[] = [
  // the Index default decides when it is the smallest
  [undefined, 8, 32, 16, 8],
  [undefined, 2, 32, 16, 2],
  // the request overrides the Index default, up or down
  [4, 8, 32, 16, 4],
  [12, 8, 32, 16, 12],
  // the server cap clamps both
  [undefined, 8, 4, 16, 4],
  [64, 8, 32, 64, 32],
  [64, 8, 1, 64, 1],
  // the active shard count clamps all
  [undefined, 8, 32, 3, 3],
  [16, 8, 32, 4, 4],
  [16, 16, 16, 16, 16],
  // one shard → 1, whatever is asked
  [undefined, 8, 32, 1, 1],
  [32, 8, 32, 1, 1],
  [1, 1, 1, 1, 1],
  // no shard exists yet: still 1 (the scan finds nothing, but the rule never says 0)
  [undefined, 8, 32, 0, 1],
  [5, 8, 32, 0, 1],
  // ties
  [4, 4, 4, 4, 4],
  [3, 8, 3, 3, 3],
  [undefined, 5, 5, 6, 5],
];

describe('fan-out rule: effective = max(1, min(request ?? scan.threads, maxThreads, active shards))', () => {
  it.each(TABLE)(
    'request %s, scan.threads %i, maxThreads %i, %i active shards → %i',
    (requested, indexThreads, serverCap, activeShards, expected) => {
      expect(fanOut({ requested, indexThreads, serverCap, activeShards })).toBe(expected);
    },
  );

  it('over every combination of 0..6 shards, caps 1..6, threads 1..6 and request absent or 1..6: never above a bound, at least 1, and equal to the tightest bound', () => {
    const values = [1, 2, 3, 4, 5, 6];
    let combinations = 0;
    for (const activeShards of [0, ...values])
      for (const serverCap of values)
        for (const indexThreads of values)
          for (const requested of [undefined, ...values]) {
            const got = fanOut({ requested, indexThreads, serverCap, activeShards });
            const wanted = requested ?? indexThreads;
            const bounds = [wanted, serverCap, Math.max(1, activeShards)];
            expect(bounds.every((b) => got <= b)).toBe(true);
            expect(bounds).toContain(got);
            combinations++;
          }
    expect(combinations).toBe(7 * 6 * 6 * 7);
  });
});

describe('request threads', () => {
  it('absent is undefined and a positive integer is itself', () => {
    expect(requestedThreads(undefined)).toBeUndefined();
    expect(requestedThreads(1)).toBe(1);
    expect(requestedThreads(64)).toBe(64);
  });

  it.each([0, -1, 1.5, Number.NaN, '4', null, true, [2]])('%j is a 400 naming the value', (bad) => {
    let thrown: unknown;
    try {
      requestedThreads(bad);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(HevError);
    expect((thrown as HevError).status).toBe(400);
    expect((thrown as HevError).message).toMatch(/^threads must be an integer >= 1, got /);
  });
});
