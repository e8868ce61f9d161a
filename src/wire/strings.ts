/**
 * The one string order of the project: by Unicode code point, which is UTF-8 byte order (how
 * turbopuffer sorts). The local engine (ids, order-by) and the shard merge both use it, so a
 * sharded answer is ordered exactly like an unsharded one.
 *
 * JS's `<` compares UTF-16 units; that differs from code point order only when a surrogate (half of
 * a code point above U+FFFF) meets a unit at or above U+E000: the surrogate's code point is larger.
 */
export function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    const xs = x >= 0xd800 && x <= 0xdfff;
    const ys = y >= 0xd800 && y <= 0xdfff;
    if (xs !== ys) return xs ? 1 : -1;
    return x < y ? -1 : 1;
  }
  return a.length < b.length ? -1 : 1;
}
