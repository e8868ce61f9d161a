/**
 * Attribute types and values. Values are kept in an internal form chosen so that equal values are
 * `===`: integers are numbers (bigints above 2^53), datetimes are epoch milliseconds, UUIDs are
 * lowercase hyphenated strings. Arrays hold no nulls.
 */
import { invalid, unsupported } from '../../wire/errors.ts';
import { normalizeInteger } from '../../wire/json.ts';
import { compareStrings } from '../../wire/strings.ts';
import { canonicalUuid, parseUint } from './ids.ts';

export type ScalarType = 'string' | 'int' | 'uint' | 'float' | 'uuid' | 'datetime' | 'bool';
export type Precision = 'f32' | 'f16';

export interface AttrType {
  /** As written in a schema: `string`, `[]int`, `[128]f32`. */
  readonly name: string;
  /** The element type; undefined for vectors. */
  readonly scalar: ScalarType | undefined;
  readonly array: boolean;
  readonly vector: { readonly dims: number; readonly precision: Precision } | undefined;
}

const SCALARS: readonly ScalarType[] = ['string', 'int', 'uint', 'float', 'uuid', 'datetime', 'bool'];
export const MAX_DIMS = 10_752;
const I64_MIN = -(1n << 63n);
const I64_MAX = (1n << 63n) - 1n;

export function scalarType(scalar: ScalarType, array = false): AttrType {
  return { name: array ? `[]${scalar}` : scalar, scalar, array, vector: undefined };
}

export function vectorType(dims: number, precision: Precision): AttrType {
  return { name: `[${dims}]${precision}`, scalar: undefined, array: false, vector: { dims, precision } };
}

export function parseTypeName(name: unknown, attr: string): AttrType {
  if (typeof name !== 'string') throw invalid(`invalid type for attribute \`${attr}\`: expected a string`);
  const bare = name.startsWith('[]') ? name.slice(2) : name;
  if ((SCALARS as readonly string[]).includes(bare)) return scalarType(bare as ScalarType, bare !== name);
  const vec = /^\[(\d+)\](f32|f16)$/.exec(name);
  if (vec !== null) {
    const dims = Number(vec[1]);
    if (dims < 1 || dims > MAX_DIMS) {
      throw invalid(`invalid type ${name} for attribute \`${attr}\`: dimensions must be 1..${MAX_DIMS}`);
    }
    return vectorType(dims, vec[2] as Precision);
  }
  if (/^\{\}f(16|32)$/.test(name)) throw unsupported(`sparse vector type ${name} (SparseKNN)`);
  if (/^\[\]\[\d+\]f(16|32)$/.test(name)) throw unsupported(`late interaction (multi-vector type ${name})`);
  throw invalid(`invalid type ${JSON.stringify(name)} for attribute \`${attr}\``);
}

export function describeValue(raw: unknown): string {
  if (typeof raw === 'bigint') return raw.toString();
  if (raw === undefined) return 'nothing';
  const text = JSON.stringify(raw, (_k, v: unknown) => (typeof v === 'bigint' ? Number(v) : v));
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

const DATETIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

/** ISO-8601 (date required, time and zone optional, UTC when absent) to epoch ms. */
export function parseDatetime(raw: unknown): number | undefined {
  if (typeof raw === 'number') return Number.isFinite(raw) ? Math.trunc(raw) : undefined;
  if (typeof raw !== 'string') return undefined;
  const m = DATETIME.exec(raw.trim());
  if (m === null) return undefined;
  const [, y, mo, d, h = '00', mi = '00', s = '00', frac = '', zone = 'Z'] = m;
  const ms = frac === '' ? '' : frac.slice(0, 4).padEnd(4, '0');
  let z = zone.toUpperCase();
  if (/^[+-]\d{2}$/.test(z)) z = `${z}:00`;
  else if (/^[+-]\d{4}$/.test(z)) z = `${z.slice(0, 3)}:${z.slice(3)}`;
  const value = Date.parse(`${y}-${mo}-${d}T${h}:${mi}:${s}${ms}${z}`);
  return Number.isNaN(value) ? undefined : value;
}

export function formatDatetime(ms: number): string {
  const iso = new Date(ms).toISOString();
  return iso.endsWith('.000Z') ? `${iso.slice(0, -5)}Z` : iso;
}

/** Coerces one non-null scalar; returns undefined when `raw` is not of the type. */
export function coerceScalar(scalar: ScalarType, raw: unknown): unknown {
  switch (scalar) {
    case 'string':
      return typeof raw === 'string' ? raw : undefined;
    case 'bool':
      return typeof raw === 'boolean' ? raw : undefined;
    case 'float':
      if (typeof raw === 'number') return Number.isFinite(raw) ? raw : undefined;
      return typeof raw === 'bigint' ? Number(raw) : undefined;
    case 'int':
      if (typeof raw === 'number') return Number.isSafeInteger(raw) ? raw : undefined;
      if (typeof raw === 'bigint')
        return raw >= I64_MIN && raw <= I64_MAX ? normalizeInteger(raw) : undefined;
      return undefined;
    case 'uint':
      return parseUint(raw);
    case 'uuid':
      return typeof raw === 'string' ? canonicalUuid(raw) : undefined;
    case 'datetime':
      return parseDatetime(raw);
  }
}

/** Coerces a non-null attribute value to its internal form or throws a 400 naming the attribute. */
export function coerceValue(type: AttrType, raw: unknown, attr: string): unknown {
  const scalar = type.scalar;
  if (scalar === undefined)
    throw invalid(`attribute \`${attr}\` is a vector; it cannot hold ${describeValue(raw)}`);
  if (type.array) {
    if (!Array.isArray(raw)) throw typeMismatch(attr, type, raw);
    return raw.map((item) => {
      const value = item === null ? undefined : coerceScalar(scalar, item);
      if (value === undefined) throw typeMismatch(attr, type, raw);
      return value;
    });
  }
  const value = coerceScalar(scalar, raw);
  if (value === undefined) throw typeMismatch(attr, type, raw);
  return value;
}

function typeMismatch(attr: string, type: AttrType, raw: unknown): Error {
  return invalid(`type mismatch for attribute \`${attr}\`: expected ${type.name}, got ${describeValue(raw)}`);
}

function scalarOf(raw: unknown): ScalarType | undefined {
  if (typeof raw === 'string') return 'string';
  if (typeof raw === 'boolean') return 'bool';
  if (typeof raw === 'number') return Number.isInteger(raw) ? 'int' : 'float';
  if (typeof raw === 'bigint') return raw <= I64_MAX ? 'int' : 'uint';
  return undefined;
}

function widen(a: ScalarType | undefined, b: ScalarType, attr: string): ScalarType {
  if (a === undefined || a === b) return b;
  const numeric = (t: ScalarType) => t === 'int' || t === 'float' || t === 'uint';
  if (numeric(a) && numeric(b)) return a === 'float' || b === 'float' ? 'float' : 'uint';
  throw invalid(`conflicting value types for attribute \`${attr}\` in one write: ${a} and ${b}`);
}

/**
 * Infers a new attribute's type from every value it gets in one write (so `[1, 2.5]` is float,
 * not int). Returns undefined when only nulls were seen.
 */
export function inferType(values: readonly unknown[], attr: string): AttrType | undefined {
  let scalar: ScalarType | undefined;
  let array: boolean | undefined;
  for (const raw of values) {
    if (raw === null || raw === undefined) continue;
    const isArray = Array.isArray(raw);
    if (array !== undefined && array !== isArray) {
      throw invalid(`conflicting value types for attribute \`${attr}\` in one write: array and scalar`);
    }
    array = isArray;
    for (const item of isArray ? (raw as unknown[]) : [raw]) {
      const s = scalarOf(item);
      if (s === undefined) {
        if (item !== null && typeof item === 'object') {
          throw unsupported(`object attribute values (attribute \`${attr}\`; sparse vectors)`);
        }
        throw invalid(`unsupported value ${describeValue(item)} for attribute \`${attr}\``);
      }
      scalar = widen(scalar, s, attr);
    }
  }
  if (array === undefined) return undefined;
  // Only empty arrays seen: keep them (as []string) rather than silently dropping the values.
  return scalarType(scalar ?? 'string', array);
}

/** Total order on scalars of one type (numbers and bigints mix; strings by code point). */
export function compareScalars(a: unknown, b: unknown): number {
  if (typeof a === 'string' && typeof b === 'string') return compareStrings(a, b);
  if (typeof a === 'boolean' && typeof b === 'boolean') return a === b ? 0 : a ? 1 : -1;
  const x = a as number | bigint;
  const y = b as number | bigint;
  return x < y ? -1 : x > y ? 1 : 0;
}

export function valuesEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((v, i) => v === b[i]);
  }
  return false;
}

/** Logical size in bytes (what turbopuffer bills): strings by UTF-8 length, numbers 8. */
export function logicalBytes(value: unknown): number {
  if (typeof value === 'string') return Buffer.byteLength(value, 'utf8');
  if (typeof value === 'boolean') return 1;
  if (typeof value === 'number' || typeof value === 'bigint') return 8;
  if (Array.isArray(value)) {
    let n = 0;
    for (const v of value) n += logicalBytes(v);
    return n;
  }
  if (value instanceof Float32Array) return value.length * 4;
  return 0;
}

/** Internal value to wire value. */
export function formatValue(value: unknown, type: AttrType | undefined): unknown {
  if (type?.scalar === 'datetime') {
    return Array.isArray(value)
      ? value.map((v) => formatDatetime(v as number))
      : formatDatetime(value as number);
  }
  return value;
}
