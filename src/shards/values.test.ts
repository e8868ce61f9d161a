import { describe, expect, it } from 'vitest';
import { addNumbers, compareNumeric, compareValues, tupleKey } from './values.ts';

describe('value ordering', () => {
  it.each([
    [1, 2, -1],
    [2n ** 60n, 2 ** 60, 0],
    [2n ** 60n + 1n, 2 ** 60, 1],
    [2n ** 60n - 1n, 2 ** 60, -1],
    [5n, 5.5, -1],
    [6n, 5.5, 1],
    [-3n, -3.5, 1],
    [18446744073709551615n, 18446744073709551614n, 1],
    [1, Number.NaN, -1],
  ] as const)('compareNumeric(%s, %s) = %s', (a, b, expected) => {
    expect(Math.sign(compareNumeric(a, b))).toBe(expected);
    expect(Math.sign(compareNumeric(b, a))).toBe(-expected || 0);
  });

  it('orders strings by code point (UTF-8 byte order), not UTF-16 units', () => {
    // U+FF5E is above U+E000; U+1F600 is a surrogate pair in UTF-16 but a larger code point.
    expect(compareValues('\uff5e', '\u{1f600}')).toBeLessThan(0);
    expect('\uff5e' < '\u{1f600}').toBe(false); // what plain JavaScript would get wrong
    expect(compareValues('abc', 'abd')).toBeLessThan(0);
    expect(compareValues('ab', 'abc')).toBeLessThan(0);
    expect(compareValues('B', 'a')).toBeLessThan(0);
  });

  it('compares datetime values chronologically, whatever their fraction digits', () => {
    const dt = 'datetime';
    expect(compareValues('2026-01-01T00:00:00Z', '2026-01-01T00:00:00.500Z', dt)).toBeLessThan(0);
    expect(compareValues('2026-01-01T00:00:00.5Z', '2026-01-01T00:00:00.25Z', dt)).toBeGreaterThan(0);
    expect(compareValues('2025-12-31T23:59:59.999Z', '2026-01-01T00:00:00Z', dt)).toBeLessThan(0);
    expect(compareValues(['2026-01-01T00:00:00Z'], ['2026-01-01T00:00:00.500Z'], dt)).toBeLessThan(0);
    // Text that is not a UTC timestamp keeps code point order.
    expect(compareValues('2026-01-01 b', '2026-01-01 a', dt)).toBeGreaterThan(0);
  });

  it('compares timestamp-looking text of a string attribute by code point', () => {
    // '.' (0x2E) sorts before 'Z' (0x5A): as text, 00.500Z comes before 00Z.
    expect(compareValues('2026-01-01T00:00:00Z', '2026-01-01T00:00:00.500Z')).toBeGreaterThan(0);
    expect(compareValues('2026-01-01T00:00:00Z', '2026-01-01T00:00:00.500Z', 'text')).toBeGreaterThan(0);
  });

  it('puts null and missing first, then booleans, numbers, strings', () => {
    // Wrapped: Array.prototype.sort never hands `undefined` to a comparator.
    const sorted = ['x', 3, null, true, undefined, false, 2n]
      .map((v) => ({ v }))
      .sort((a, b) => compareValues(a.v, b.v));
    expect(sorted.map((w) => w.v).slice(2)).toEqual([false, true, 2n, 3, 'x']);
    expect(compareValues(undefined, null)).toBe(0);
    expect(compareValues(undefined, false)).toBeLessThan(0);
  });

  it('gives equal tuples one key whatever the spelling', () => {
    expect(tupleKey([5, null])).toBe(tupleKey([5n, undefined]));
    expect(tupleKey(['5'])).not.toBe(tupleKey([5]));
  });

  it('adds integers exactly, promoting to bigint past 2^53', () => {
    expect(addNumbers(2 ** 53, 1)).toBe(2n ** 53n + 1n);
    expect(addNumbers(2n, 3)).toBe(5);
    expect(addNumbers(0.5, 0.25)).toBe(0.75);
  });
});
