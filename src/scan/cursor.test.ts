/**
 * The scan cursor round-trips every id type exactly (u64 above 2^53 included), is null once every
 * shard is done, and refuses what is not a cursor of this Index and shard count with a 400.
 */
import { describe, expect, it } from 'vitest';
import { HevError } from '../wire/errors.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';

describe('scan cursor', () => {
  it('round-trips numbers, big u64 ids, strings and done flags', () => {
    const position = {
      index: 'docs',
      shards: [
        { after: 18446744073709551615n, done: false },
        { after: 'b5c1a3e0-0000-4000-8000-000000000001', done: false },
        { after: 42, done: true },
        { after: null, done: false },
      ],
    };
    const text = encodeCursor(position);
    expect(text).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(text, 'docs', 4)).toEqual(position);
  });

  it('is null when every shard is done', () => {
    expect(encodeCursor({ index: 'docs', shards: [{ after: 3, done: true }] })).toBeNull();
  });

  const of = (doc: unknown) => Buffer.from(JSON.stringify(doc)).toString('base64url');
  it.each([
    ['', /expected the opaque string/],
    [42, /expected the opaque string/],
    ['a b', /expected the opaque string/],
    [Buffer.from('not json').toString('base64url'), /it does not decode/],
    [of({ v: 2, i: 'docs', s: [[null, 0]] }), /unknown cursor version 2/],
    [of({ v: 1, i: 'other', s: [[null, 0]] }), /it belongs to Index "other"/],
    [
      of({
        v: 1,
        i: 'docs',
        s: [
          [null, 0],
          [null, 0],
        ],
      }),
      /it covers 2 shards, the Index has 1/,
    ],
    [of({ v: 1, i: 'docs', s: [[1.5, 0]] }), /a shard position is malformed/],
    [of({ v: 1, i: 'docs', s: [[1, 2]] }), /a shard position is malformed/],
  ])('%j is a 400', (text, message) => {
    let thrown: unknown;
    try {
      decodeCursor(text, 'docs', 1);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(HevError);
    expect((thrown as HevError).status).toBe(400);
    expect((thrown as HevError).message).toMatch(message);
  });
});
