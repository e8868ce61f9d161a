import { describe, expect, it } from 'vitest';
import { formatDuration, isDuration, parseDelay, parseDuration, parseRetention } from './duration.ts';

describe('durations', () => {
  it.each([
    ['30s', 30_000],
    ['5m', 300_000],
    ['24h', 86_400_000],
    ['30d', 2_592_000_000],
    ['1s', 1_000],
    ['999999d', 999_999 * 86_400_000],
  ])('%s = %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
    expect(Number.isSafeInteger(ms)).toBe(true);
  });

  it.each(['', '0s', '5', 'm', '5ms', '1.5h', '-5m', ' 5m', '5M', '1h30m', 'never', '1000000d', '05m'])(
    'rejects %j',
    (text) => {
      expect(isDuration(text)).toBe(false);
      expect(() => parseDuration(text)).toThrow(/invalid duration/);
    },
  );

  it('retention: never is null (keep forever), a duration is milliseconds', () => {
    expect(parseRetention('never')).toBeNull();
    expect(parseRetention('30d')).toBe(2_592_000_000);
    expect(() => parseRetention('forever')).toThrow(/invalid duration/);
  });

  it.each([
    [300_000, '5m'],
    [86_400_000, '1d'],
    [90_000, '90s'],
    [1_500, '1500ms'],
  ])('formats %d ms as %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it('parses a delay, which may be 0s, and rejects anything else', () => {
    expect(parseDelay('0s')).toBe(0);
    expect(parseDelay('5s')).toBe(5000);
    for (const text of ['0', '0m', '-5s', 'abc', ''])
      expect(() => parseDelay(text), text).toThrow(/invalid duration/);
  });
});
