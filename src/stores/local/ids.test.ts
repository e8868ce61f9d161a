import { describe, expect, it } from 'vitest';
import { canonicalUuid, compareIds, idFromSql, idToSql, inferIdType, parseId, U64_MAX } from './ids.ts';

describe('ids', () => {
  it.each([
    [0, 'uint', 0],
    [42, 'uint', 42],
    [9007199254740993n, 'uint', 9007199254740993n],
    [U64_MAX, 'uint', 18446744073709551615n],
    [2n ** 40n, 'uint', 2 ** 40],
    ['a', 'string', 'a'],
    ['F47AC10B58CC4372A5670E02B2C3D479', 'uuid', 'f47ac10b-58cc-4372-a567-0e02b2c3d479'],
  ] as const)('parses %s as %s', (raw, type, expected) => {
    expect(parseId(raw, type)).toBe(expected);
  });

  it.each([
    [-1, 'uint'],
    [1.5, 'uint'],
    [U64_MAX + 1n, 'uint'],
    ['1', 'uint'],
    [1, 'string'],
    ['x'.repeat(65), 'string'],
    ['not-a-uuid', 'uuid'],
    [null, 'uint'],
  ] as const)('rejects %s as %s', (raw, type) => {
    expect(() => parseId(raw, type)).toThrow();
  });

  it('infers uint for integers and string for strings', () => {
    expect([inferIdType(1), inferIdType(2n ** 63n), inferIdType('x')]).toEqual(['uint', 'uint', 'string']);
  });

  it('maps u64 to signed i64 for SQLite and back exactly', () => {
    for (const id of [0, 1, 2 ** 53 - 1, 9007199254740993n, 2n ** 63n, U64_MAX]) {
      const sql = idToSql(id);
      expect(typeof sql).toBe('bigint');
      expect((sql as bigint) >= -(2n ** 63n) && (sql as bigint) < 2n ** 63n).toBe(true);
      expect(idFromSql(sql, 'uint')).toBe(id);
    }
    expect(idFromSql('abc', 'string')).toBe('abc');
  });

  it('orders numerically and strings by code point (UTF-8 byte order)', () => {
    expect([3, 9007199254740993n, 1, U64_MAX].sort(compareIds)).toEqual([1, 3, 9007199254740993n, U64_MAX]);
    expect(compareIds('\u{1F600}', '\uFFFF')).toBeGreaterThan(0);
    expect(compareIds('a', 'b')).toBeLessThan(0);
    expect(compareIds('ab', 'a')).toBeGreaterThan(0);
  });

  it('canonicalizes UUIDs', () => {
    expect(canonicalUuid('f47ac10b-58cc-4372-a567-0e02b2c3d479')).toBe(
      'f47ac10b-58cc-4372-a567-0e02b2c3d479',
    );
    expect(canonicalUuid('xyz')).toBeUndefined();
  });
});
