import { describe, expect, it } from 'vitest';
import { NumericTopK, TopK } from './topk.ts';

describe('TopK', () => {
  it('keeps the k best in order, whatever the input order', () => {
    const values = Array.from({ length: 500 }, (_, i) => (i * 7919) % 500);
    for (const k of [0, 1, 5, 499, 500, 1000]) {
      const top = new TopK(k, (a, b) => (values[a] as number) - (values[b] as number));
      values.forEach((_, i) => top.offer(i));
      expect(top.sorted().map((i) => values[i])).toEqual([...values].sort((a, b) => a - b).slice(0, k));
    }
  });
});

describe('NumericTopK', () => {
  it('keeps the k smallest (dir 1) or largest (dir -1) keys, ties by the tie order', () => {
    const keys = Array.from({ length: 300 }, (_, i) => ((i * 7919) % 50) / 2);
    for (const dir of [1, -1] as const) {
      for (const k of [0, 1, 7, 300, 301]) {
        const top = new NumericTopK(k, dir, (a, b) => a - b);
        keys.forEach((key, slot) => top.offer(slot, key));
        const expected = keys
          .map((key, slot) => ({ key, slot }))
          .sort((a, b) => (a.key - b.key) * dir || a.slot - b.slot)
          .slice(0, k)
          .map((e) => e.slot);
        expect(top.sorted()).toEqual(expected);
      }
    }
  });
});
