/** Retention and orphan clean-up as a table: what is deleted after a successful write. */
import { describe, expect, it } from 'vitest';
import { bodiesToPrune } from './retention.ts';

const H = 3_600_000;
const NOW = 100 * H;
const body = (id: string, ageH: number) => ({ id, takenAtMs: NOW - ageH * H });
const history = [body('a', 50), body('b', 3), body('c', 1.5), body('d', 0.5), body('e', 0)];

describe('bodiesToPrune', () => {
  it.each([
    ['never keeps every committed body', history, 'e', 'd', null, []],
    ['1h prunes the committed bodies older than an hour', history, 'e', 'd', H, ['a', 'b', 'c']],
    [
      '1h keeps the latest even when it is older than an hour',
      [body('a', 5), body('b', 2)],
      'b',
      'a',
      H,
      ['a'],
    ],
    ['a long retention prunes nothing younger', history, 'e', 'd', 100 * H, []],
    [
      'orphans between the previous latest and the new one go whatever the retention',
      history,
      'e',
      'b',
      null,
      ['c', 'd'],
    ],
    [
      'without a previous latest every other older body is an orphan',
      [body('x', 2), body('y', 0)],
      'y',
      undefined,
      null,
      ['x'],
    ],
    [
      'bodies newer than the latest are left alone',
      [body('a', 2), body('b', 1), body('c', 0)],
      'b',
      'a',
      H,
      ['a'],
    ],
  ])('%s', (_title, bodies, latest, previous, retentionMs, expected) => {
    expect(bodiesToPrune(bodies, latest, previous, retentionMs, NOW)).toEqual(expected);
  });
});
