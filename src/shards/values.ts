/**
 * Ordering and identity of attribute values as turbopuffer sees them, for merging shard results.
 * Values arrive from lossless JSON: integers above 2^53 are bigints and must compare exactly
 * against plain numbers. Strings compare by Unicode code point (= UTF-8 byte order, what a Rust
 * server does), not by UTF-16 unit as JavaScript's `<` would; the values of a `datetime` attribute
 * (rendered as text) compare by instant. null and missing are the smallest value, which yields
 * turbopuffer's "nulls first for asc, last for desc".
 */
import { stringifyJson } from '../wire/json.ts';
import { compareStrings } from '../wire/strings.ts';

export type Direction = 'asc' | 'desc';

/** How the strings of an attribute compare: by code point, or by instant (`datetime` attributes). */
export type StringOrder = 'text' | 'datetime';

function typeRank(v: unknown): number {
  if (v === null || v === undefined) return 0;
  if (typeof v === 'boolean') return 1;
  if (typeof v === 'number' || typeof v === 'bigint') return 2;
  if (typeof v === 'string') return 3;
  if (Array.isArray(v)) return 4;
  return 5;
}

function sign(n: number): number {
  return n < 0 ? -1 : n > 0 ? 1 : 0;
}

/** Exact comparison of two JSON numbers, either of which may be a bigint. NaN sorts last. */
export function compareNumeric(a: number | bigint, b: number | bigint): number {
  if (typeof a === 'bigint' && typeof b === 'bigint') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'number' && typeof b === 'number') {
    if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) ? (Number.isNaN(b) ? 0 : 1) : -1;
    return sign(a - b) || 0;
  }
  if (typeof a === 'number') return 0 - compareNumeric(b, a) || 0;
  // a is a bigint, b a number.
  const n = b as number;
  if (Number.isNaN(n) || n === Infinity) return -1;
  if (n === -Infinity) return 1;
  const floor = Math.floor(n);
  const big = BigInt(floor);
  const bi = a as bigint;
  if (bi < big) return -1;
  if (bi > big) return 1;
  return n === floor ? 0 : -1;
}

// A UTC timestamp as stores render datetime attributes. Renderings drop a zero fraction
// ("…:00Z" vs "…:00.500Z"), so comparing them as text would put 00.500 before 00; the values of
// a datetime attribute are compared by instant first (text only breaks ties). Text of a string
// attribute that merely looks like a timestamp compares as text, as the stores compare it.
const UTC_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?Z$/;

function timestampOf(s: string): number | undefined {
  if (s.length < 20 || s.charCodeAt(10) !== 0x54 || !UTC_TIMESTAMP.test(s)) return undefined;
  const ms = Date.parse(s);
  return Number.isNaN(ms) ? undefined : ms;
}

/** The order of two datetime renderings: chronological (see above). */
function compareDatetimes(a: string, b: string): number {
  const ta = timestampOf(a);
  if (ta !== undefined) {
    const tb = timestampOf(b);
    if (tb !== undefined && ta !== tb) return ta < tb ? -1 : 1;
  }
  return compareStrings(a, b);
}

/** Ascending total order over attribute values; null/missing first. */
export function compareValues(a: unknown, b: unknown, strings: StringOrder = 'text'): number {
  const ra = typeRank(a);
  const rb = typeRank(b);
  if (ra !== rb) return ra < rb ? -1 : 1;
  switch (ra) {
    case 0:
      return 0;
    case 1:
      return a === b ? 0 : a === false ? -1 : 1;
    case 2:
      return compareNumeric(a as number | bigint, b as number | bigint);
    case 3:
      return strings === 'datetime'
        ? compareDatetimes(a as string, b as string)
        : compareStrings(a as string, b as string);
    case 4: {
      const xa = a as unknown[];
      const xb = b as unknown[];
      for (let i = 0; i < Math.min(xa.length, xb.length); i++) {
        const c = compareValues(xa[i], xb[i], strings);
        if (c !== 0) return c;
      }
      return sign(xa.length - xb.length);
    }
    default:
      return compareStrings(stringifyJson(a), stringifyJson(b));
  }
}

/** compareValues in the given direction (desc reverses, so nulls come last). */
export function compareDirected(
  a: unknown,
  b: unknown,
  direction: Direction,
  strings: StringOrder = 'text',
): number {
  const c = compareValues(a, b, strings);
  return direction === 'asc' ? c : -c;
}

/**
 * A string that is equal for equal tuples of values: 5, 5.0 and 5n give one key; missing and null
 * give one key. Used for group_by keys and limit.per buckets.
 */
export function tupleKey(values: readonly unknown[]): string {
  return stringifyJson(values.map((v) => (v === undefined ? null : v)));
}

/** Adds JSON numbers exactly when they are all integers (bigint when the sum leaves 2^53). */
export function addNumbers(a: number | bigint, b: number | bigint): number | bigint {
  if (typeof a === 'number' && typeof b === 'number') {
    const s = a + b;
    if (!Number.isInteger(a) || !Number.isInteger(b) || Number.isSafeInteger(s)) return s;
  }
  if ((typeof a === 'bigint' || Number.isInteger(a)) && (typeof b === 'bigint' || Number.isInteger(b))) {
    const s = BigInt(a) + BigInt(b);
    return s >= BigInt(Number.MIN_SAFE_INTEGER) && s <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(s) : s;
  }
  return Number(a) + Number(b);
}

export function isNumeric(v: unknown): v is number | bigint {
  return typeof v === 'number' || typeof v === 'bigint';
}
