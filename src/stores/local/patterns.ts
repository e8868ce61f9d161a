/**
 * Pattern filters: Rust `globset` globs and Rust `regex` patterns translated to JS RegExps.
 * Globs match the whole string; `*` and `**` match any run of characters (globset's default has
 * no literal separator), `?` one character, `[...]`/`[!...]` classes, `{a,b}` alternation and `\`
 * escapes. Regexes match anywhere (Rust `is_match`); look-around and back-references are not in
 * Rust's syntax and are rejected like turbopuffer rejects them.
 */
import { invalid } from '../../wire/errors.ts';

const SPECIAL = /[.*+?^${}()|[\]\\/]/g;

function escapeRe(text: string): string {
  return text.replace(SPECIAL, '\\$&');
}

export function globToRegExp(glob: string, caseInsensitive: boolean): RegExp {
  let out = '';
  let inAlt = false;
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string;
    if (c === '\\') {
      const next = glob[i + 1];
      if (next === undefined) throw invalid(`invalid glob ${JSON.stringify(glob)}: dangling escape`);
      out += escapeRe(next);
      i++;
    } else if (c === '*') {
      while (glob[i + 1] === '*') i++;
      out += '[\\s\\S]*';
    } else if (c === '?') {
      out += '[\\s\\S]';
    } else if (c === '[') {
      const end = glob.indexOf(']', i + 2);
      if (end < 0) throw invalid(`invalid glob ${JSON.stringify(glob)}: unclosed character class`);
      let body = glob.slice(i + 1, end);
      const negate = body.startsWith('!') || body.startsWith('^');
      if (negate) body = body.slice(1);
      out += `[${negate ? '^' : ''}${body.replace(/[\\\]^]/g, '\\$&')}]`;
      i = end;
    } else if (c === '{') {
      if (inAlt) throw invalid(`invalid glob ${JSON.stringify(glob)}: nested alternation`);
      inAlt = true;
      out += '(?:';
    } else if (c === '}' && inAlt) {
      inAlt = false;
      out += ')';
    } else if (c === ',' && inAlt) {
      out += '|';
    } else {
      out += escapeRe(c);
    }
  }
  if (inAlt) throw invalid(`invalid glob ${JSON.stringify(glob)}: unclosed alternation`);
  return new RegExp(`^${out}$`, caseInsensitive ? 'iu' : 'u');
}

const UNSUPPORTED_REGEX = /\(\?<?[=!]|\\[1-9]|\\k</;

export function rustRegexToRegExp(pattern: string): RegExp {
  let source = pattern;
  let flags = 'u';
  const inline = /^\(\?([imsU]+)\)/.exec(source);
  if (inline !== null) {
    const given = inline[1] as string;
    if (given.includes('U')) throw invalid(`unsupported regex flag U in ${JSON.stringify(pattern)}`);
    flags += given;
    source = source.slice(inline[0].length);
  }
  if (UNSUPPORTED_REGEX.test(source)) {
    throw invalid(
      `invalid regex ${JSON.stringify(pattern)}: look-around and back-references are not supported`,
    );
  }
  try {
    return new RegExp(source, flags);
  } catch (err) {
    throw invalid(`invalid regex ${JSON.stringify(pattern)}: ${(err as Error).message}`);
  }
}
