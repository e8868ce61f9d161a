/**
 * What only the memory adapter promises, on a hand-moved clock: the exact byte count (UTF-8 key +
 * value), expiry at the TTL to the millisecond, and expired entries leaving the accounting. The
 * shared behaviour is the contract suite (cache/contract.ts), run here on the real clock.
 */
import { describe, expect, it } from 'vitest';
import { defineCacheContract } from './contract.ts';
import { createMemoryCache } from './memory.ts';
import { entryBytes } from './port.ts';

function clocked() {
  let t = 1_000_000;
  const cache = createMemoryCache({ now: () => t });
  return { cache, advance: (ms: number) => (t += ms) };
}

defineCacheContract('memory', { shared: false }, async () => ({
  open: async () => createMemoryCache(),
  close: async () => undefined,
}));

describe('memory cache', () => {
  it('counts the UTF-8 bytes of the key plus the value bytes', async () => {
    const { cache } = clocked();
    expect(entryBytes('é', Buffer.from('abc'))).toBe(5);
    await cache.set({ set: 's', key: 'é', value: Buffer.from('abc'), ttlMs: 1000 }, 100);
    await cache.set({ set: 's', key: 'k2', value: Buffer.alloc(10), ttlMs: 1000 }, 100);
    expect(await cache.usage('s')).toEqual({ entries: 2, bytes: 5 + 12 });
  });

  it('replacing a key counts only the new value', async () => {
    const { cache } = clocked();
    await cache.set({ set: 's', key: 'k', value: Buffer.alloc(10), ttlMs: 1000 }, 100);
    await cache.set({ set: 's', key: 'k', value: Buffer.alloc(3), ttlMs: 1000 }, 100);
    expect(await cache.usage('s')).toEqual({ entries: 1, bytes: 4 });
  });

  it('serves an entry until its TTL and not at the TTL', async () => {
    const { cache, advance } = clocked();
    await cache.set({ set: 's', key: 'k', value: Buffer.from('v'), ttlMs: 500 }, 100);
    advance(499);
    expect(await cache.get('s', 'k')).toEqual(Buffer.from('v'));
    advance(1);
    expect(await cache.get('s', 'k')).toBeUndefined();
    expect(await cache.usage('s')).toEqual({ entries: 0, bytes: 0 });
  });

  it('drops expired entries from the usage figures without reading them', async () => {
    const { cache, advance } = clocked();
    await cache.set({ set: 's', key: 'short', value: Buffer.alloc(5), ttlMs: 100 }, 1000);
    await cache.set({ set: 's', key: 'long', value: Buffer.alloc(5), ttlMs: 10_000 }, 1000);
    advance(100);
    expect(await cache.usage('s')).toEqual({ entries: 1, bytes: 9 });
  });

  it('keeps a copy of the value, not the caller buffer', async () => {
    const { cache } = clocked();
    const value = Buffer.from('abc');
    await cache.set({ set: 's', key: 'k', value, ttlMs: 1000 }, 100);
    value.write('xyz');
    expect((await cache.get('s', 'k'))?.toString()).toBe('abc');
  });

  it('a too-large value removes the older value under the same key', async () => {
    const { cache } = clocked();
    await cache.set({ set: 's', key: 'k', value: Buffer.alloc(5), ttlMs: 1000 }, 10);
    expect(await cache.set({ set: 's', key: 'k', value: Buffer.alloc(50), ttlMs: 1000 }, 10)).toBe(
      'too-large',
    );
    expect(await cache.get('s', 'k')).toBeUndefined();
  });
});
