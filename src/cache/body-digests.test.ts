/**
 * Body digests remembered by bytes: the same answer as digesting the parsed body, without parsing
 * repeats, and a bounded memory.
 */
import { describe, expect, it, vi } from 'vitest';
import { HevError } from '../wire/errors.ts';
import { Payload } from '../wire/payload.ts';
import { BodyDigests } from './body-digests.ts';
import { bodyDigest } from './keys.ts';

const raw = (text: string): Payload => Payload.fromBytes(Buffer.from(text));

describe('BodyDigests', () => {
  it('gives the digest of the canonical body, for raw bytes and for values alike', () => {
    const digests = new BodyDigests();
    const expected = bodyDigest({ rank_by: ['id', 'asc'], top_k: 3 });
    expect(digests.of(raw('{"top_k":3,"rank_by":["id","asc"]}'))).toBe(expected);
    expect(digests.of(raw('{"rank_by":["id","asc"],"top_k":3}'))).toBe(expected);
    expect(digests.of(Payload.fromValue({ top_k: 3, rank_by: ['id', 'asc'] }))).toBe(expected);
    expect(digests.of(undefined)).toBe('');
  });

  it('does not parse bytes it has seen before', () => {
    const digests = new BodyDigests();
    const first = raw('{"top_k":3}');
    const digest = digests.of(first);
    const again = raw('{"top_k":3}');
    const parse = vi.spyOn(again, 'value');
    expect(digests.of(again)).toBe(digest);
    expect(parse).not.toHaveBeenCalled();
  });

  it('parses a body above maxBytes every time and does not remember it', () => {
    const digests = new BodyDigests({ maxBytes: 8 });
    const body = raw('{"top_k":30000}');
    const parse = vi.spyOn(body, 'value');
    digests.of(body);
    expect(parse).toHaveBeenCalledTimes(1);
    expect(digests.size).toBe(0);
  });

  it('keeps at most maxEntries bodies, forgetting the oldest first', () => {
    const digests = new BodyDigests({ maxEntries: 2 });
    digests.of(raw('{"a":1}'));
    digests.of(raw('{"a":2}'));
    digests.of(raw('{"a":3}'));
    expect(digests.size).toBe(2);
    const oldest = raw('{"a":1}');
    const parse = vi.spyOn(oldest, 'value');
    digests.of(oldest);
    expect(parse).toHaveBeenCalledTimes(1);
  });

  it('throws the bad-JSON error for a body that is not JSON, and remembers nothing', () => {
    const digests = new BodyDigests();
    expect(() => digests.of(raw('{"top_k":'))).toThrow(HevError);
    expect(digests.size).toBe(0);
  });
});
