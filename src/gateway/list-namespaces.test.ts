import { describe, expect, it } from 'vitest';
import { pageNames } from './list-namespaces.ts';

const names = ['products', 'blog', 'products-eu', 'logs', 'alpha'];

describe('pageNames', () => {
  it('lists in name order with a null cursor on the last page', () => {
    expect(pageNames(names, {})).toEqual({
      namespaces: ['alpha', 'blog', 'logs', 'products', 'products-eu'].map((id) => ({ id })),
      next_cursor: null,
    });
  });

  it('filters by prefix', () => {
    expect(pageNames(names, { prefix: 'products' }).namespaces).toEqual([
      { id: 'products' },
      { id: 'products-eu' },
    ]);
    expect(pageNames(names, { prefix: 'zzz' })).toEqual({ namespaces: [], next_cursor: null });
  });

  it('pages with cursors until done, visiting every name once', () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let i = 0; i < 10; i++) {
      const page = pageNames(names, { pageSize: 2, ...(cursor === undefined ? {} : { cursor }) });
      seen.push(...page.namespaces.map((n) => n.id));
      if (page.next_cursor === null) break;
      cursor = page.next_cursor;
    }
    expect(seen).toEqual(['alpha', 'blog', 'logs', 'products', 'products-eu']);
  });

  it('refuses a malformed cursor', () => {
    expect(() => pageNames(names, { cursor: '../etc' })).toThrow(/invalid cursor/);
  });
});
