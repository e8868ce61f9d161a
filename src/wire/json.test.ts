import { describe, expect, it } from 'vitest';
import { parseJson, stringifyJson } from './json.ts';
import { HevError } from './errors.ts';

describe('lossless wire JSON', () => {
  it.each([
    ['18446744073709551615', 18446744073709551615n],
    ['9007199254740993', 9007199254740993n],
    ['-9223372036854775808', -9223372036854775808n],
    ['9007199254740991', 9007199254740991],
    ['1234567890123456', 1234567890123456],
    ['0.12345678901234568', 0.12345678901234568],
    ['1.2345678901234567e5', 1.2345678901234567e5],
  ])('parses %s exactly', (text, expected) => {
    expect(parseJson(`{"id":${text}}`)).toEqual({ id: expected });
  });

  it('round-trips big ids inside arrays and objects', () => {
    const text = '{"deletes":[18446744073709551615,1],"upsert_rows":[{"id":12345678901234567890,"v":[0.5]}]}';
    expect(stringifyJson(parseJson(text))).toBe(text);
  });

  it('keeps digits inside strings as strings', () => {
    expect(parseJson('{"id":"18446744073709551615"}')).toEqual({ id: '18446744073709551615' });
  });

  it('rejects bad JSON with a catalogued error', () => {
    expect(() => parseJson('{"a":')).toThrow(HevError);
    expect(() => parseJson('{"a":12345678901234567890')).toThrow(/not valid JSON/);
  });
});

describe('lossless wire JSON: re-parse trigger', () => {
  it('re-parses only when a literal could have been rounded', () => {
    expect(parseJson('{"v":[0.12345678901234568,1e300,12345678901234567.5]}')).toEqual({
      v: [0.12345678901234568, 1e300, Number('12345678901234567.5')],
    });
    expect(parseJson('[[[{"id":9007199254740992}]]]')).toEqual([[[{ id: 9007199254740992n }]]]);
    expect(parseJson('-9007199254740993')).toBe(-9007199254740993n);
  });
});
