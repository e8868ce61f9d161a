/**
 * Full-text ranking (reference §5.2). Exact BM25 scores are engine-defined, so the cases check what
 * BM25 itself implies on a clear-cut corpus (term frequency and length normalisation order, no
 * zero-score documents) and the arithmetic of the combinators: Sum adds clause scores, Max takes the
 * largest, Product multiplies by a weight, and a filter clause scores 1 when it matches.
 */
import { beforeAll, describe, expect } from 'vitest';
import type { ID, RankBy } from '@turbopuffer/turbopuffer';
import { expectBadRequest, type Harness } from '../harness.ts';
import { NS } from '../namespaces.ts';

const DOCS = [
  { id: 1, title: 'fox tales', text: 'the quick brown fox jumps over the lazy dog', tag: 'promo' },
  { id: 2, title: 'notes', text: 'fox fox', tag: 'plain' },
  {
    id: 3,
    title: 'forest',
    text: 'a long story about one fox and many other animals living together in the deep green forest near a wide river',
    tag: 'plain',
  },
  { id: 4, title: 'cats', text: 'lazy cat sleeps', tag: 'plain' },
  { id: 5, title: 'misc', text: 'completely unrelated words here', tag: 'promo' },
  { id: 6, title: 'fox den', text: 'nothing relevant inside', tag: 'plain' },
];

export function defineBm25Cases(h: Harness): void {
  const ns = () => h.ns(NS.bm25);

  async function scores(rank_by: RankBy, extra: { top_k?: number } = {}): Promise<Map<ID, number>> {
    const res = await ns().query({ rank_by, top_k: extra.top_k ?? 100 });
    const rows = res.rows ?? [];
    const out = new Map<ID, number>();
    let previous = Infinity;
    for (const row of rows) {
      expect(typeof row.$dist).toBe('number');
      const score = row.$dist ?? NaN;
      expect(score, `score of ${String(row.id)}`).toBeGreaterThan(0);
      expect(score, 'scores are in descending order').toBeLessThanOrEqual(previous);
      previous = score;
      out.set(row.id, score);
    }
    return out;
  }

  describe('BM25 full-text ranking', () => {
    beforeAll(async () => {
      await ns().write({
        schema: {
          title: { type: 'string', full_text_search: true },
          text: { type: 'string', full_text_search: true },
        },
        upsert_rows: DOCS,
      });
    });

    h.it('ranks by term frequency and length, and drops non-matching documents', async () => {
      const fox = await scores(['text', 'BM25', 'fox']);
      expect([...fox.keys()]).toEqual([2, 1, 3]);
      const lazy = await scores(['text', 'BM25', 'lazy']);
      expect([...lazy.keys()]).toEqual([4, 1]);
    });

    h.it(
      'a document matching a rare term and a common one beats one matching only the common one',
      async () => {
        const res = await scores(['text', 'BM25', 'quick fox']);
        expect([...res.keys()][0]).toBe(1);
        expect(new Set(res.keys())).toEqual(new Set([1, 2, 3]));
      },
    );

    h.it('is case-insensitive by default', async () => {
      expect([...(await scores(['text', 'BM25', 'FOX'])).entries()]).toEqual([
        ...(await scores(['text', 'BM25', 'fox'])).entries(),
      ]);
    });

    h.it('Sum adds the clause scores', async () => {
      const text = await scores(['text', 'BM25', 'fox']);
      const title = await scores(['title', 'BM25', 'fox']);
      expect([...title.keys()].sort()).toEqual([1, 6]);
      const sum = await scores([
        'Sum',
        [
          ['text', 'BM25', 'fox'],
          ['title', 'BM25', 'fox'],
        ],
      ]);
      expect(new Set(sum.keys())).toEqual(new Set([1, 2, 3, 6]));
      for (const [id, score] of sum) expect(score).toBeCloseTo((text.get(id) ?? 0) + (title.get(id) ?? 0), 4);
      expect([...sum.keys()][0]).toBe(1);
    });

    h.it('Max takes the largest clause score', async () => {
      const text = await scores(['text', 'BM25', 'fox']);
      const title = await scores(['title', 'BM25', 'fox']);
      const max = await scores([
        'Max',
        [
          ['text', 'BM25', 'fox'],
          ['title', 'BM25', 'fox'],
        ],
      ]);
      expect(new Set(max.keys())).toEqual(new Set([1, 2, 3, 6]));
      for (const [id, score] of max) {
        expect(score).toBeCloseTo(Math.max(text.get(id) ?? 0, title.get(id) ?? 0), 4);
      }
    });

    h.it('Product multiplies a clause by a weight (either argument order)', async () => {
      const text = await scores(['text', 'BM25', 'fox']);
      const left = await scores(['Product', 2.5, ['text', 'BM25', 'fox']]);
      const right = await scores(['Product', ['text', 'BM25', 'fox'], 2.5]);
      expect([...left.keys()]).toEqual([...text.keys()]);
      expect([...right.keys()]).toEqual([...text.keys()]);
      for (const [id, score] of text) {
        expect(left.get(id)).toBeCloseTo(score * 2.5, 4);
        expect(right.get(id)).toBeCloseTo(score * 2.5, 4);
      }
    });

    h.it('a filter used as a rank_by clause scores 1 when it matches', async () => {
      const text = await scores(['text', 'BM25', 'fox']);
      const boosted = await scores([
        'Sum',
        [
          ['text', 'BM25', 'fox'],
          ['tag', 'Eq', 'promo'],
        ],
      ]);
      // 5 is promo without "fox": score 1. 4 and 6 score 0 and are dropped.
      expect(new Set(boosted.keys())).toEqual(new Set([1, 2, 3, 5]));
      expect(boosted.get(1)).toBeCloseTo((text.get(1) ?? NaN) + 1, 4);
      expect(boosted.get(2)).toBeCloseTo(text.get(2) ?? NaN, 4);
      expect(boosted.get(3)).toBeCloseTo(text.get(3) ?? NaN, 4);
      expect(boosted.get(5)).toBeCloseTo(1, 4);
    });

    h.it('filters restrict BM25 results', async () => {
      const res = await ns().query({
        rank_by: ['text', 'BM25', 'fox'],
        filters: ['tag', 'Eq', 'plain'],
        top_k: 10,
      });
      expect(res.rows?.map((r) => r.id)).toEqual([2, 3]);
    });

    h.it('top_k keeps the best-scoring documents', async () => {
      expect([...(await scores(['text', 'BM25', 'fox'], { top_k: 1 })).keys()]).toEqual([2]);
    });

    h.it('BM25 rows can carry requested attributes', async () => {
      const res = await ns().query({
        rank_by: ['text', 'BM25', 'lazy'],
        top_k: 10,
        include_attributes: ['title'],
      });
      expect(res.rows?.map((r) => [r.id, r['title'], typeof r.$dist])).toEqual([
        [4, 'cats', 'number'],
        [1, 'fox tales', 'number'],
      ]);
    });

    h.it('last_as_prefix lets the last query token match as a prefix, scoring 1', async () => {
      const prefixOnly = await scores(['text', 'BM25', 'qui', { last_as_prefix: true }]);
      expect([...prefixOnly.keys()]).toEqual([1]);
      expect(prefixOnly.get(1)).toBeCloseTo(1, 6);
      const fox = await scores(['text', 'BM25', 'fox']);
      const mixed = await scores(['text', 'BM25', 'fox qui', { last_as_prefix: true }]);
      expect(new Set(mixed.keys())).toEqual(new Set([1, 2, 3]));
      expect(mixed.get(1)).toBeCloseTo((fox.get(1) ?? NaN) + 1, 4);
      expect(mixed.get(2)).toBeCloseTo(fox.get(2) ?? NaN, 4);
      expect(await scores(['text', 'BM25', 'qui'])).toEqual(new Map());
    });

    h.it('BM25 on an attribute without full-text search is a 400', async () => {
      await expectBadRequest(ns().query({ rank_by: ['tag', 'BM25', 'promo'], top_k: 10 }));
    });

    h.it('a negative Product weight is a 400', async () => {
      await expectBadRequest(ns().query({ rank_by: ['Product', -1, ['text', 'BM25', 'fox']], top_k: 10 }));
    });
  });
}
