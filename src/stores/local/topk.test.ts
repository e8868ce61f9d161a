import { describe, expect, it } from 'vitest';
import { TopK } from './topk.ts';

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
