/**
 * The automatic-snapshot decision as a table on fixed times: no writes, an index still updating,
 * settle not reached, measured from the earlier of first sight and the write time itself, no
 * advance, the interval, and the metadata fields it reads (merged over shards upstream).
 */
import { describe, expect, it } from 'vitest';
import { decide } from './schedule.ts';
import { observe, upstreamFacts, type UpstreamFacts } from './watermark.ts';

const T = Date.parse('2026-06-01T12:00:00Z');
const at = (ms: number) => new Date(T + ms).toISOString();
const S = 1000;
const facts = (lastWriteAt: string | undefined, indexUpToDate = true): UpstreamFacts => ({
  lastWriteAt,
  indexUpToDate,
  approxRowCount: 1,
});

describe('decide', () => {
  const written = at(0);
  it.each([
    ['no writes yet', facts(undefined), undefined, T + 60 * S, undefined, { run: false, why: 'no-writes' }],
    [
      'index still updating',
      facts(written, false),
      observe(undefined, written, T),
      T + 60 * S,
      undefined,
      { run: false, why: 'not-stable' },
    ],
    [
      '29 s after the write',
      facts(written),
      observe(undefined, written, T),
      T + 29 * S,
      undefined,
      { run: false, why: 'not-stable' },
    ],
    [
      '30 s after the write',
      facts(written),
      observe(undefined, written, T),
      T + 30 * S,
      undefined,
      { run: true },
    ],
    [
      'first seen long after an old write (restart): stable at once',
      facts(written),
      observe(undefined, written, T + 3600 * S),
      T + 3600 * S,
      undefined,
      { run: true },
    ],
    [
      'a write time ahead of our clock counts from first sight',
      facts(at(3600 * S)),
      observe(undefined, at(3600 * S), T),
      T + 29 * S,
      undefined,
      { run: false, why: 'not-stable' },
    ],
    [
      'not newer than the latest snapshot',
      facts(written),
      observe(undefined, written, T),
      T + 60 * S,
      { lastWriteAt: written, lastAutomaticAt: at(-600 * S) },
      { run: false, why: 'not-advanced' },
    ],
    [
      'advanced, 4 min after the last automatic one',
      facts(written),
      observe(undefined, written, T),
      T + 60 * S,
      { lastWriteAt: at(-10 * S), lastAutomaticAt: at(-180 * S) },
      { run: false, why: 'interval' },
    ],
    [
      'advanced, 5 min after the last automatic one',
      facts(written),
      observe(undefined, written, T),
      T + 120 * S,
      { lastWriteAt: at(-10 * S), lastAutomaticAt: at(-180 * S) },
      { run: true },
    ],
    [
      'advanced, only manual snapshots so far',
      facts(written),
      observe(undefined, written, T),
      T + 60 * S,
      { lastWriteAt: at(-10 * S), lastAutomaticAt: null },
      { run: true },
    ],
  ] as const)('%s', (_title, f, seen, now, latest, expected) => {
    expect(decide({ facts: f, seen, latest, now, settleMs: 30 * S, intervalMs: 300 * S })).toEqual(expected);
  });
});

describe('upstreamFacts', () => {
  it('reads last_write_at (else updated_at), index status and the row count', () => {
    expect(
      upstreamFacts({
        last_write_at: 'a',
        updated_at: 'b',
        index: { status: 'updating', unindexed_bytes: 5 },
        approx_row_count: 7,
      }),
    ).toEqual({ lastWriteAt: 'a', indexUpToDate: false, approxRowCount: 7 });
    expect(upstreamFacts({ updated_at: 'b', index: { status: 'up-to-date' } })).toEqual({
      lastWriteAt: 'b',
      indexUpToDate: true,
      approxRowCount: 0,
    });
  });
});
