/**
 * Which shard a document lives on. The mapping must never change for a given id and shard count:
 * across restarts, gateway replicas and hevlayer versions, or documents become unreachable for
 * id-routed writes. The rule (docs/adr/sharding.md, pinned by test vectors in hash.test.ts):
 *
 *   shard = u64_be(sha256(utf8(canonicalIdKey(id)))[0..8]) mod shardCount
 *
 * SHA-256 comes from node:crypto, is specified bit for bit, and exists in every language, so
 * another tool (or a successor) can recompute a placement from a shell: `printf 'u64:5' | sha256sum`.
 */
import { hash } from 'node:crypto';
import { invalid } from '../wire/errors.ts';

const U64_MAX = (1n << 64n) - 1n;
const MAX_ID_BYTES = 64;

// The forms Rust's `uuid` crate parses (turbopuffer canonicalizes uuid-typed ids to 16 bytes).
const UUID_FORMS = [
  /^([0-9a-f]{8})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{12})$/i,
  /^([0-9a-f]{8})([0-9a-f]{4})([0-9a-f]{4})([0-9a-f]{4})([0-9a-f]{12})$/i,
  /^\{([0-9a-f]{8})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{12})\}$/i,
  /^urn:uuid:([0-9a-f]{8})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{12})$/i,
];

function canonicalUuid(text: string): string | undefined {
  for (const form of UUID_FORMS) {
    const m = form.exec(text);
    if (m !== null) return m.slice(1, 6).join('-').toLowerCase();
  }
  return undefined;
}

function describe(id: unknown): string {
  if (typeof id === 'bigint') return id.toString();
  try {
    return JSON.stringify(id) ?? String(id);
  } catch {
    return String(id);
  }
}

/**
 * The canonical text of a document id, the only input of the hash:
 * - unsigned integers (JSON number or bigint, 0..2^64-1) → `u64:<decimal>`, so `5`, `5.0` and
 *   `5n` are one id;
 * - strings in any UUID form (hyphenated, simple, braced, urn; any case) → `uuid:<lowercase
 *   hyphenated>`, because a uuid-typed namespace treats them as the same document;
 * - any other string → `str:<the string>`.
 * Anything else is not a valid id and is a 400.
 */
export function canonicalIdKey(id: unknown): string {
  if (typeof id === 'number') {
    if (!Number.isSafeInteger(id) || id < 0) {
      throw invalid(`document id ${describe(id)} is not a valid id: ids are u64 integers, UUIDs or strings`);
    }
    return `u64:${id}`;
  }
  if (typeof id === 'bigint') {
    if (id < 0n || id > U64_MAX) {
      throw invalid(`document id ${id} is out of the u64 range`);
    }
    return `u64:${id}`;
  }
  if (typeof id === 'string') {
    const uuid = canonicalUuid(id);
    if (uuid !== undefined) return `uuid:${uuid}`;
    if (id.length === 0) throw invalid('document id must not be an empty string');
    if (Buffer.byteLength(id, 'utf8') > MAX_ID_BYTES) {
      throw invalid(`document id ${describe(id.slice(0, 80))} is longer than ${MAX_ID_BYTES} bytes`);
    }
    return `str:${id}`;
  }
  throw invalid(`document id ${describe(id)} is not a valid id: ids are u64 integers, UUIDs or strings`);
}

/** The 64-bit hash of an id (first 8 bytes of SHA-256 of its canonical key, big-endian). */
export function idHash64(id: unknown): bigint {
  return hash('sha256', canonicalIdKey(id), 'buffer').readBigUInt64BE(0);
}

/** The shard (0..shardCount-1) that owns `id`. Throws a 400 for an invalid id. */
export function shardOf(id: unknown, shardCount: number): number {
  if (!Number.isInteger(shardCount) || shardCount < 1) {
    throw new RangeError(`shard count must be a positive integer, got ${shardCount}`);
  }
  if (shardCount === 1) {
    canonicalIdKey(id);
    return 0;
  }
  return Number(idHash64(id) % BigInt(shardCount));
}
