import { describe, expect, it } from 'vitest';
import { globToRegExp, rustRegexToRegExp } from './patterns.ts';

describe('globs (globset syntax)', () => {
  it.each([
    ['foo*', 'foobar', true],
    ['foo*', 'barfoo', false],
    ['*', 'a/b', true],
    ['**', 'a/b/c', true],
    ['f?o', 'foo', true],
    ['f?o', 'fo', false],
    ['[abc]x', 'bx', true],
    ['[!abc]x', 'bx', false],
    ['[a-c]x', 'cx', true],
    ['{cat,dog}s', 'dogs', true],
    ['{cat,dog}s', 'cows', false],
    ['a\\*b', 'a*b', true],
    ['a\\*b', 'axb', false],
    ['a.b', 'axb', false],
    ['(x)+', '(x)+', true],
  ] as const)('%s ~ %s = %s', (glob, text, expected) => {
    expect(globToRegExp(glob, false).test(text)).toBe(expected);
  });

  it('IGlob is case-insensitive; malformed globs are 400s', () => {
    expect(globToRegExp('FOO*', true).test('foobar')).toBe(true);
    expect(() => globToRegExp('[abc', false)).toThrow(/unclosed/);
    expect(() => globToRegExp('{a,b', false)).toThrow(/alternation/);
  });
});

describe('regexes (Rust syntax)', () => {
  it('matches anywhere, supports leading inline flags, rejects look-around and back-references', () => {
    expect(rustRegexToRegExp('b+').test('abbbc')).toBe(true);
    expect(rustRegexToRegExp('(?i)ABC').test('xabc')).toBe(true);
    expect(() => rustRegexToRegExp('a(?!b)')).toThrow(/look-around/);
    expect(() => rustRegexToRegExp('(a)\\1')).toThrow(/back-references/);
    expect(() => rustRegexToRegExp('[')).toThrow(/invalid regex/);
  });
});
