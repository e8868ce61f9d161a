import { describe, expect, it } from 'vitest';
import { FtsIndex } from './bm25.ts';
import { DEFAULT_FTS } from './schema.ts';
import { tokenize, tokenizeValue } from './tokenizer.ts';

describe('tokenizer', () => {
  it('splits words, lowercases, drops stop words and long tokens', () => {
    expect(tokenize('The Quick, brown FOX!', DEFAULT_FTS)).toEqual(['quick', 'brown', 'fox']);
    expect(tokenize('The Fox', { ...DEFAULT_FTS, case_sensitive: true, remove_stopwords: false })).toEqual([
      'The',
      'Fox',
    ]);
    expect(tokenize('a bbbbb', { ...DEFAULT_FTS, max_token_length: 3, remove_stopwords: false })).toEqual([
      'a',
    ]);
    expect(tokenize('café', { ...DEFAULT_FTS, ascii_folding: true })).toEqual(['cafe']);
    expect(tokenize('running dogs', { ...DEFAULT_FTS, stemming: true })).toEqual(['run', 'dog']);
    expect(tokenize(['one two', 'three'], DEFAULT_FTS)).toEqual(['one', 'two', 'three']);
  });

  it('keeps word positions so phrases stay exact across stop words and array elements', () => {
    expect(tokenizeValue('over the lazy dog', DEFAULT_FTS).positions).toEqual([0, 2, 3]);
    const arr = tokenizeValue(['a b', 'c'], { ...DEFAULT_FTS, remove_stopwords: false });
    expect((arr.positions[2] as number) - (arr.positions[1] as number)).toBeGreaterThan(1);
  });
});

describe('FtsIndex', () => {
  const idf = (n: number, N: number) => Math.log(1 + (N - n + 0.5) / (n + 0.5));

  it('scores BM25 as specified, and follows removals and replacements', () => {
    const index = new FtsIndex(DEFAULT_FTS);
    index.add(0, 'apple banana');
    index.add(1, 'apple apple cherry');
    index.add(2, 'cherry');
    const avg = (2 + 3 + 1) / 3;
    const part = (tf: number, len: number) => (tf * 2.2) / (tf + 1.2 * (0.25 + (0.75 * len) / avg));
    const s = index.score(['apple'], false, 3);
    expect([...s.slots].sort()).toEqual([0, 1]);
    expect(s.score[0]).toBeCloseTo(idf(2, 3) * part(1, 2), 12);
    expect(s.score[1]).toBeCloseTo(idf(2, 3) * part(2, 3), 12);
    // k3 weighs repeated query terms: (k3+1)*2/(k3+2).
    expect(index.score(['apple', 'apple'], false, 3).score[0]).toBeCloseTo(
      (idf(2, 3) * part(1, 2) * (9 * 2)) / 10,
      12,
    );

    index.remove(1);
    expect(index.docCount).toBe(2);
    expect([...index.score(['apple'], false, 3).slots]).toEqual([0]);
    index.add(1, 'banana');
    expect([...index.slotsWith('banana', false)].sort()).toEqual([0, 1]);
    expect([...index.slotsWith('ch', true)]).toEqual([2]);
  });

  it('survives many removals (compaction) with exact results', () => {
    const index = new FtsIndex(DEFAULT_FTS);
    for (let s = 0; s < 200; s++) index.add(s, 'common word');
    for (let s = 0; s < 190; s++) index.remove(s);
    for (let s = 0; s < 5; s++) index.add(s, 'common');
    expect([...index.score(['common'], false, 200).slots].sort((a, b) => a - b)).toEqual([
      0, 1, 2, 3, 4, 190, 191, 192, 193, 194, 195, 196, 197, 198, 199,
    ]);
    expect(index.docCount).toBe(15);
  });
});
