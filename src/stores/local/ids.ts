/**
 * Document ids: u64 (`uint`), UUID (`uuid`) or string (<= 64 bytes); one type per namespace.
 * Ids are normalized once at the edge so that equal ids are `===` and usable as Map keys:
 * u64 ids are numbers when exactly representable and bigints above 2^53, UUIDs are lowercase
 * hyphenated strings.
 */
import { invalid } from '../../wire/errors.ts';
import { normalizeInteger } from '../../wire/json.ts';
import { compareStrings } from '../../wire/strings.ts';

export type IdType = 'uint' | 'uuid' | 'string';
export type DocId = number | bigint | string;

export const U64_MAX = (1n << 64n) - 1n;
const MAX_STRING_ID_BYTES = 64;
const UUID_TEXT = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

export function isIdType(value: unknown): value is IdType {
  return value === 'uint' || value === 'uuid' || value === 'string';
}

/** The id type a namespace gets when its first write does not declare one. */
export function inferIdType(raw: unknown): IdType {
  if (typeof raw === 'string') return 'string';
  return 'uint';
}

export function canonicalUuid(text: string): string | undefined {
  if (!UUID_TEXT.test(text)) return undefined;
  const hex = text.replaceAll('-', '').toLowerCase();
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function describe(raw: unknown): string {
  if (typeof raw === 'bigint') return raw.toString();
  return JSON.stringify(raw) ?? String(raw);
}

export function parseUint(raw: unknown): number | bigint | undefined {
  if (typeof raw === 'number') {
    return Number.isSafeInteger(raw) && raw >= 0 ? raw : undefined;
  }
  if (typeof raw === 'bigint') {
    return raw >= 0n && raw <= U64_MAX ? normalizeInteger(raw) : undefined;
  }
  return undefined;
}

/** Validates and normalizes one id for a namespace whose ids are of `type`. */
export function parseId(raw: unknown, type: IdType): DocId {
  if (raw === null || raw === undefined) throw invalid('document id is missing (every row needs an `id`)');
  switch (type) {
    case 'uint': {
      const id = parseUint(raw);
      if (id === undefined) {
        throw invalid(`invalid id ${describe(raw)}: this namespace has uint ids (integers 0..2^64-1)`);
      }
      return id;
    }
    case 'uuid': {
      const id = typeof raw === 'string' ? canonicalUuid(raw) : undefined;
      if (id === undefined) throw invalid(`invalid id ${describe(raw)}: this namespace has uuid ids`);
      return id;
    }
    case 'string': {
      if (typeof raw !== 'string') {
        throw invalid(`invalid id ${describe(raw)}: this namespace has string ids`);
      }
      if (Buffer.byteLength(raw, 'utf8') > MAX_STRING_ID_BYTES) {
        throw invalid(`invalid id ${describe(raw)}: string ids are limited to ${MAX_STRING_ID_BYTES} bytes`);
      }
      return raw;
    }
  }
}

/** Total order on ids of one type: numeric for uint, byte order for strings and UUIDs. */
export function compareIds(a: DocId, b: DocId): number {
  if (typeof a === 'string' && typeof b === 'string') return compareStrings(a, b);
  return a < b ? -1 : a > b ? 1 : 0;
}

/** SQLite stores u64 ids in an INTEGER PRIMARY KEY by reinterpreting them as signed i64. */
export function idToSql(id: DocId): bigint | string {
  if (typeof id === 'string') return id;
  return BigInt.asIntN(64, BigInt(id));
}

export function idFromSql(value: unknown, type: IdType): DocId {
  if (type === 'uint') {
    const big = typeof value === 'bigint' ? value : BigInt(value as number);
    return normalizeInteger(BigInt.asUintN(64, big));
  }
  return String(value);
}

/** Logical size of an id, for billing and metadata. */
export function idBytes(id: DocId, type: IdType): number {
  if (type === 'uuid') return 16;
  if (typeof id === 'string') return Buffer.byteLength(id, 'utf8');
  return 8;
}
