/**
 * Lossless JSON for the wire: turbopuffer ids are u64, and `JSON.parse` silently rounds integers
 * above 2^53. Integers that do not fit a double exactly are parsed as `bigint`; everything else is
 * a plain `number`. The fast path (`JSON.parse`) is taken whenever the text holds no integer token
 * of 16 or more digits, which is every body without big ids.
 */
import { parse as losslessParse, stringify as losslessStringify } from 'lossless-json';
import { HevError } from './errors.ts';

const INTEGER_TEXT = /^-?\d+$/;

function parseNumber(text: string): number | bigint {
  const n = Number(text);
  if (INTEGER_TEXT.test(text) && !Number.isSafeInteger(n)) return BigInt(text);
  return n;
}

/** Parses JSON text; big integers become `bigint`. Throws HevError(HEV_BAD_JSON) on bad input. */
export function parseJson(text: string): unknown {
  try {
    const value: unknown = JSON.parse(text);
    return holdsRoundedInteger(value) ? losslessParse(text, null, parseNumber) : value;
  } catch (err) {
    throw new HevError('HEV_BAD_JSON', `request body is not valid JSON: ${(err as Error).message}`);
  }
}

function isRounded(n: number): boolean {
  return Number.isInteger(n) && !Number.isSafeInteger(n);
}

/** True when some number in a JSON.parse result is an integer beyond 2^53 (possibly rounded). */
function holdsRoundedInteger(value: unknown): boolean {
  if (typeof value === 'number') return isRounded(value);
  if (typeof value !== 'object' || value === null) return false;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      if (typeof item === 'number' ? isRounded(item) : holdsRoundedInteger(item)) return true;
    }
    return false;
  }
  for (const key in value) {
    const item = (value as Record<string, unknown>)[key];
    if (typeof item === 'number' ? isRounded(item) : holdsRoundedInteger(item)) return true;
  }
  return false;
}

/** Serializes a value that may contain `bigint`s, writing them as JSON integers. */
export function stringifyJson(value: unknown): string {
  try {
    const text = JSON.stringify(value);
    return text === undefined ? 'null' : text;
  } catch (err) {
    if (!(err instanceof TypeError) || !/BigInt/i.test(err.message)) throw err;
    return losslessStringify(value) ?? 'null';
  }
}

/** Converts a JSON integer (number or bigint) to bigint; returns undefined for anything else. */
export function toBigIntId(value: unknown): bigint | undefined {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value);
  return undefined;
}

/** Narrows a bigint back to a number when it is exactly representable, so output stays plain. */
export function normalizeInteger(value: bigint): number | bigint {
  return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
    ? Number(value)
    : value;
}
