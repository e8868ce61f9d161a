import { describe, expect, it } from 'vitest';
import { HevError } from '../wire/errors.ts';
import { parseJson } from '../wire/json.ts';
import { canonicalIdKey, idHash64, shardOf } from './hash.ts';

// Pinned vectors. They were computed OUTSIDE this code, with
//   printf '%s' "$key" | sha256sum | cut -c1-16      (then hex → u64, mod N)
// If one of these fails, the placement of existing documents changed: every sharded Index in
// the field would lose track of its documents. Never "fix" a vector; fix the code.
const VECTORS: readonly [
  id: unknown,
  key: string,
  hash: bigint,
  mod4: number,
  mod16: number,
  mod256: number,
][] = [
  [0, 'u64:0', 9268154374450589163n, 3, 11, 235],
  [5, 'u64:5', 17849173503270665456n, 0, 0, 240],
  [18446744073709551615n, 'u64:18446744073709551615', 15549024344795447343n, 3, 15, 47],
  ['hello', 'str:hello', 14166530268907797770n, 2, 10, 10],
  [
    '0195d5a8-7c2e-7f3b-9a41-3c5e8f0b2d17',
    'uuid:0195d5a8-7c2e-7f3b-9a41-3c5e8f0b2d17',
    13761151215669105439n,
    3,
    15,
    31,
  ],
  ['products/42', 'str:products/42', 6682559342058274719n, 3, 15, 159],
];

describe('shard hash', () => {
  it.each(VECTORS)('pins %s', (id, key, hash, mod4, mod16, mod256) => {
    expect(canonicalIdKey(id)).toBe(key);
    expect(idHash64(id)).toBe(hash);
    expect(shardOf(id, 4)).toBe(mod4);
    expect(shardOf(id, 16)).toBe(mod16);
    expect(shardOf(id, 256)).toBe(mod256);
  });

  it('does not depend on how the JSON spelled a number', () => {
    const spellings = parseJson('[5, 5.0, 5e0, 0.5e1]') as unknown[];
    for (const id of spellings) expect(canonicalIdKey(id)).toBe('u64:5');
    expect(canonicalIdKey(5n)).toBe('u64:5');
    const big = parseJson('{"id": 18446744073709551615}') as { id: unknown };
    expect(typeof big.id).toBe('bigint');
    expect(shardOf(big.id, 16)).toBe(15);
  });

  it('treats every UUID spelling as the same id', () => {
    const forms = [
      '0195D5A8-7C2E-7F3B-9A41-3C5E8F0B2D17',
      '0195d5a87c2e7f3b9a413c5e8f0b2d17',
      '{0195d5a8-7c2e-7f3b-9a41-3c5e8f0b2d17}',
      'urn:uuid:0195d5a8-7c2e-7f3b-9a41-3C5E8F0B2D17',
    ];
    for (const form of forms) expect(canonicalIdKey(form)).toBe('uuid:0195d5a8-7c2e-7f3b-9a41-3c5e8f0b2d17');
  });

  it('keeps strings that only look numeric apart from integers in the key', () => {
    expect(canonicalIdKey('5')).toBe('str:5');
    expect(canonicalIdKey('Hello')).not.toBe(canonicalIdKey('hello'));
  });

  it.each([
    [-1, 'not a valid id'],
    [1.5, 'not a valid id'],
    [2 ** 60, 'not a valid id'], // an unsafe double: the lossless parser yields a bigint instead
    [1n << 64n, 'out of the u64 range'],
    [-3n, 'out of the u64 range'],
    ['', 'empty string'],
    ['x'.repeat(65), 'longer than 64 bytes'],
    [null, 'not a valid id'],
    [true, 'not a valid id'],
    [{ id: 1 }, 'not a valid id'],
    [[1], 'not a valid id'],
  ])('rejects the id %s with a 400', (id, message) => {
    let caught: unknown;
    try {
      canonicalIdKey(id);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(HevError);
    expect((caught as HevError).status).toBe(400);
    expect((caught as HevError).message).toContain(message);
  });

  it('allows a 64-byte string id (multi-byte characters counted in UTF-8)', () => {
    expect(canonicalIdKey('é'.repeat(32))).toBe(`str:${'é'.repeat(32)}`);
    expect(() => canonicalIdKey(`${'é'.repeat(32)}x`)).toThrow(/longer than 64 bytes/);
  });

  it('spreads sequential ids evenly', () => {
    const counts = [0, 0, 0, 0];
    for (let id = 0; id < 8000; id++) counts[shardOf(id, 4)] = (counts[shardOf(id, 4)] ?? 0) + 1;
    for (const c of counts) expect(Math.abs(c - 2000)).toBeLessThan(200);
  });

  it('puts everything on shard 0 of 1 and rejects a bad shard count', () => {
    expect(shardOf(12345, 1)).toBe(0);
    expect(() => shardOf(1, 0)).toThrow(RangeError);
    expect(() => shardOf(1, 2.5)).toThrow(RangeError);
  });
});
