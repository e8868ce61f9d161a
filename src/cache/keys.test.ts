/**
 * The names every replica must derive alike: canonical bodies, entry keys, epoch counters, sets.
 */
import { describe, expect, it } from 'vitest';
import { parseJson } from '../wire/json.ts';
import { bodyDigest, canonicalJson, entryKey, entryPrefix, epochCounter, setName } from './keys.ts';

const parts = {
  identity: 'local:/data',
  namespaces: ['docs'],
  epochs: [3],
  op: 'query',
  consistency: 'strong' as const,
};

describe('cache keys', () => {
  it('canonical JSON sorts object keys at every depth and keeps array order', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, 1], c: null } })).toBe('{"a":{"c":null,"d":[2,1]},"b":1}');
  });

  it('canonical JSON keeps big integer ids exact', () => {
    expect(canonicalJson(parseJson('{"filters":["id","Eq",18446744073709551615]}'))).toBe(
      '{"filters":["id","Eq",18446744073709551615]}',
    );
  });

  it('an entry key prefix changes with the epoch, the namespace, the operation, the consistency and the store', () => {
    const base = entryPrefix(parts);
    expect(entryPrefix({ ...parts })).toBe(base);
    for (const changed of [
      { epochs: [4] },
      { namespaces: ['other'] },
      { op: 'metadata' },
      { consistency: 'eventual' as const },
      { identity: 'local:/elsewhere' },
    ]) {
      expect(entryPrefix({ ...parts, ...changed })).not.toBe(base);
    }
  });

  it('an entry key is the prefix and the body digest, so it changes with either', () => {
    const key = entryKey(entryPrefix(parts), bodyDigest({}));
    expect(key).toMatch(/^[0-9a-f]{32}\.[0-9a-f]{32}$/);
    expect(entryKey(entryPrefix({ ...parts, epochs: [4] }), bodyDigest({}))).not.toBe(key);
    expect(entryKey(entryPrefix(parts), bodyDigest({ top_k: 1 }))).not.toBe(key);
  });

  it('a body digest is the same for bodies that differ only in key order, and differs otherwise', () => {
    expect(bodyDigest(parseJson('{"top_k":1,"rank_by":["id","asc"]}'))).toBe(
      bodyDigest(parseJson('{"rank_by":["id","asc"],"top_k":1}')),
    );
    expect(bodyDigest({ top_k: 1 })).not.toBe(bodyDigest({ top_k: 2 }));
    expect(bodyDigest(undefined)).toBe('');
  });

  it('an epoch counter is per store and upstream namespace, and shows neither in clear', () => {
    const counter = epochCounter('turbopuffer:{"baseURL":"https://x"}', 'docs');
    expect(counter).toMatch(/^epoch:[0-9a-f]{40}$/);
    expect(epochCounter('turbopuffer:{"baseURL":"https://x"}', 'docs-0')).not.toBe(counter);
    expect(epochCounter('local:/data', 'docs')).not.toBe(counter);
  });

  it('a set is the Index name when short and plain, else a bounded name with a hash', () => {
    expect(setName('default', 'products')).toBe('products');
    expect(setName('team-a', 'products')).toBe('team-a.products');
    const long = setName('default', 'x'.repeat(128));
    expect(long.length).toBeLessThanOrEqual(63);
    expect(long).not.toBe(setName('default', `${'x'.repeat(127)}y`));
  });
});
