/**
 * Full-text tokenization shared by indexing, BM25 queries and the token filters, so a query is
 * always tokenized exactly like the documents it searches. The word tokenizers (word_v0..v4 are
 * treated alike) split on anything that is not a Unicode letter, digit or mark; tokens longer
 * than max_token_length are dropped; stop words are Lucene's English list.
 */
import { stemmer } from 'stemmer';
import type { FtsConfig } from './schema.ts';

const WORD = /[\p{L}\p{N}\p{M}]+/gu;
const COMBINING = /\p{M}/gu;
/** Gap between the elements of a []string value, so a phrase never spans two elements. */
const ELEMENT_GAP = 1000;

export const ENGLISH_STOPWORDS: ReadonlySet<string> = new Set([
  'a',
  'an',
  'and',
  'are',
  'as',
  'at',
  'be',
  'but',
  'by',
  'for',
  'if',
  'in',
  'into',
  'is',
  'it',
  'no',
  'not',
  'of',
  'on',
  'or',
  'such',
  'that',
  'the',
  'their',
  'then',
  'there',
  'these',
  'they',
  'this',
  'to',
  'was',
  'will',
  'with',
]);

export interface Tokens {
  readonly tokens: string[];
  /** Word position of each token (stop words keep their slot, so phrases stay exact). */
  readonly positions: number[];
}

function normalizeToken(word: string, cfg: FtsConfig): string | undefined {
  let t = cfg.case_sensitive ? word : word.toLowerCase();
  if (cfg.ascii_folding) t = t.normalize('NFKD').replace(COMBINING, '');
  if (t.length === 0 || t.length > cfg.max_token_length) return undefined;
  if (cfg.remove_stopwords && ENGLISH_STOPWORDS.has(cfg.case_sensitive ? t.toLowerCase() : t))
    return undefined;
  if (cfg.stemming) t = stemmer(t);
  return t;
}

function tokenizeText(text: string, cfg: FtsConfig, base: number, out: Tokens): number {
  let pos = base;
  for (const match of text.matchAll(WORD)) {
    const t = normalizeToken(match[0], cfg);
    if (t !== undefined) {
      out.tokens.push(t);
      out.positions.push(pos);
    }
    pos++;
  }
  return pos;
}

/** Tokenizes an attribute value (string or []string) with positions. */
export function tokenizeValue(value: unknown, cfg: FtsConfig): Tokens {
  const out: Tokens = { tokens: [], positions: [] };
  if (value === null || value === undefined) return out;
  if (cfg.tokenizer === 'pre_tokenized_array') {
    const items = Array.isArray(value) ? (value as unknown[]) : [value];
    items.forEach((t, i) => {
      if (typeof t === 'string' && t.length > 0) {
        out.tokens.push(t);
        out.positions.push(i);
      }
    });
    return out;
  }
  if (Array.isArray(value)) {
    let base = 0;
    for (const item of value) {
      if (typeof item === 'string') base = tokenizeText(item, cfg, base, out) + ELEMENT_GAP;
    }
    return out;
  }
  if (typeof value === 'string') tokenizeText(value, cfg, 0, out);
  return out;
}

export function tokenize(value: unknown, cfg: FtsConfig): string[] {
  return tokenizeValue(value, cfg).tokens;
}

/**
 * Tokenizes a query string or a list of query tokens. For `pre_tokenized_array` attributes the
 * list is taken as-is; for word tokenizers each list element is tokenized as text.
 */
export function tokenizeQuery(query: string | readonly string[], cfg: FtsConfig): string[] {
  if (cfg.tokenizer === 'pre_tokenized_array')
    return (typeof query === 'string' ? [query] : [...query]).filter((t) => t.length > 0);
  return tokenize(typeof query === 'string' ? query : [...query], cfg);
}
