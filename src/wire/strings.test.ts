import { describe, expect, it } from 'vitest';
import { compareStrings } from './strings.ts';

/** UTF-8 byte order, the definition compareStrings must match. */
const byBytes = (a: string, b: string) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

describe('compareStrings', () => {
  const words = [
    '',
    'a',
    'ab',
    'abc',
    'abd',
    'B',
    'b',
    'é',
    'e\u0301',
    '\uff5e',
    '\uffff',
    '\ue000',
    '\u{1f600}',
    '\u{10000}',
    '10',
    '9',
    'Z',
    'z',
  ];

  it.each(words.flatMap((a) => words.map((b) => [a, b] as const)))(
    'orders %j and %j as their UTF-8 bytes do',
    (a, b) => {
      expect(Math.sign(compareStrings(a, b))).toBe(Math.sign(byBytes(a, b)));
    },
  );
});
