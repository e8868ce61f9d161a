import { describe, expect, it } from 'vitest';
import {
  coerceValue,
  compareScalars,
  formatDatetime,
  inferType,
  logicalBytes,
  parseDatetime,
  parseTypeName,
  valuesEqual,
} from './values.ts';

describe('types', () => {
  it.each([
    'string',
    'int',
    'uint',
    'float',
    'uuid',
    'datetime',
    'bool',
    '[]string',
    '[]int',
    '[]uint',
    '[]float',
    '[]uuid',
    '[]datetime',
    '[]bool',
  ])('parses %s', (name) => expect(parseTypeName(name, 'a').name).toBe(name));

  it('parses vectors and refuses sparse and multi-vector types', () => {
    expect(parseTypeName('[128]f32', 'v').vector).toEqual({ dims: 128, precision: 'f32' });
    expect(parseTypeName('[2]f16', 'v').vector).toEqual({ dims: 2, precision: 'f16' });
    expect(() => parseTypeName('[0]f32', 'v')).toThrow(/dimensions/);
    expect(() => parseTypeName('{}f16', 'v')).toThrow(/SparseKNN/);
    expect(() => parseTypeName('[][2]f32', 'v')).toThrow(/late interaction/);
    expect(() => parseTypeName('text', 'v')).toThrow(/invalid type/);
  });

  it('infers from every value in the request', () => {
    expect(inferType(['a', null], 'x')?.name).toBe('string');
    expect(inferType([1, 2.5], 'x')?.name).toBe('float');
    expect(inferType([[1], [2.5, 3]], 'x')?.name).toBe('[]float');
    expect(inferType([true], 'x')?.name).toBe('bool');
    expect(inferType([2n ** 63n], 'x')?.name).toBe('uint');
    expect(inferType([null, []], 'x')?.name).toBe('[]string');
    expect(inferType([null], 'x')).toBeUndefined();
    expect(() => inferType(['a', 1], 'x')).toThrow(/conflicting/);
    expect(() => inferType(['a', ['a']], 'x')).toThrow(/conflicting/);
    expect(() => inferType([{ a: 1 }], 'x')).toThrow(/object/);
  });
});

describe('values', () => {
  const t = (name: string) => parseTypeName(name, 'a');
  it.each([
    ['int', 5, 5],
    ['int', -(2n ** 63n), -(2n ** 63n)],
    ['uint', 18446744073709551615n, 18446744073709551615n],
    ['float', 1, 1],
    ['bool', false, false],
    ['uuid', 'F47AC10B-58CC-4372-A567-0E02B2C3D479', 'f47ac10b-58cc-4372-a567-0e02b2c3d479'],
    ['datetime', '2024-03-15T10:30:45Z', Date.UTC(2024, 2, 15, 10, 30, 45)],
    ['[]int', [1, 2], [1, 2]],
  ] as const)('coerces %s %s', (type, raw, expected) => {
    expect(coerceValue(t(type), raw, 'a')).toEqual(expected);
  });

  it.each([
    ['int', 1.5],
    ['int', 2n ** 63n],
    ['uint', -1],
    ['string', 1],
    ['bool', 'true'],
    ['datetime', 'tomorrow'],
    ['[]string', 'a'],
    ['[]string', ['a', null]],
  ] as const)('rejects %s %s', (type, raw) => {
    expect(() => coerceValue(t(type), raw, 'a')).toThrow(/type mismatch for attribute `a`/);
  });

  it('parses datetimes in UTC unless a zone is given', () => {
    expect(parseDatetime('2024-03-15')).toBe(Date.UTC(2024, 2, 15));
    expect(parseDatetime('2024-03-15T10:30')).toBe(Date.UTC(2024, 2, 15, 10, 30));
    expect(parseDatetime('2024-03-15T10:30:00.5+01:00')).toBe(Date.UTC(2024, 2, 15, 9, 30, 0, 500));
    expect(formatDatetime(Date.UTC(2024, 2, 15))).toBe('2024-03-15T00:00:00Z');
    expect(formatDatetime(Date.UTC(2024, 2, 15, 0, 0, 0, 5))).toBe('2024-03-15T00:00:00.005Z');
  });

  it('compares and measures', () => {
    expect(compareScalars(1, 2n)).toBeLessThan(0);
    expect(compareScalars(false, true)).toBeLessThan(0);
    expect(valuesEqual(['a', 'b'], ['a', 'b'])).toBe(true);
    expect(valuesEqual(['a'], ['a', 'b'])).toBe(false);
    expect(logicalBytes('héllo')).toBe(6);
    expect(logicalBytes([1, 2])).toBe(16);
  });
});
