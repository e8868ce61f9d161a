/**
 * The ObjectStore contract: one suite both adapters pass (filesystem on a temp directory, s3 on a
 * real S3-compatible server on loopback). Each case writes under its own prefix, so a store needs
 * no cleaning between cases.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ObjectStore } from './port.ts';

export interface ObjectContractTarget {
  readonly store: ObjectStore;
  close(): Promise<void>;
}

export function defineObjectStoreContract(name: string, open: () => Promise<ObjectContractTarget>): void {
  describe(`ObjectStore contract: ${name}`, () => {
    let target: ObjectContractTarget;
    let store: ObjectStore;
    beforeAll(async () => {
      target = await open();
      store = target.store;
    });
    afterAll(async () => {
      await target.close();
    });
    const prefix = () => `case-${randomUUID()}`;

    it('reads back exactly the bytes put, and undefined for a key never put', async () => {
      const p = prefix();
      const bytes = Buffer.from([0, 1, 2, 250, 255, 10, 13]);
      await store.put(`${p}/a/b.bin`, bytes);
      await store.put(`${p}/text.json`, '{"é":1}');
      expect(await store.get(`${p}/a/b.bin`)).toEqual(bytes);
      expect((await store.get(`${p}/text.json`))?.toString('utf8')).toBe('{"é":1}');
      expect(await store.get(`${p}/missing.json`)).toBeUndefined();
    });

    it('replaces an object on a second put', async () => {
      const p = prefix();
      await store.put(`${p}/latest.json`, 'first, longer body');
      await store.put(`${p}/latest.json`, 'second');
      expect((await store.get(`${p}/latest.json`))?.toString()).toBe('second');
      expect(await store.list(`${p}/`)).toEqual([{ key: `${p}/latest.json`, size: 6 }]);
    });

    it('lists keys under a prefix in byte order with their sizes, nested ones included', async () => {
      const p = prefix();
      const keys = [
        `${p}/s/20260101T000002Z.json`,
        `${p}/s/20260101T000001Z.json`,
        `${p}/latest.json`,
        `${p}/s/x/y.json`,
      ];
      for (const [i, key] of keys.entries()) await store.put(key, 'x'.repeat(i + 1));
      await store.put(`${p}-other/z.json`, 'not under the prefix');
      expect(await store.list(`${p}/`)).toEqual([
        { key: `${p}/latest.json`, size: 3 },
        { key: `${p}/s/20260101T000001Z.json`, size: 2 },
        { key: `${p}/s/20260101T000002Z.json`, size: 1 },
        { key: `${p}/s/x/y.json`, size: 4 },
      ]);
      expect((await store.list(`${p}/s/2026`)).map((o) => o.key)).toEqual([
        `${p}/s/20260101T000001Z.json`,
        `${p}/s/20260101T000002Z.json`,
      ]);
      expect(await store.list(`${p}/nothing/`)).toEqual([]);
    });

    it('lists more than one S3 page (1000 keys) completely', async () => {
      const p = prefix();
      const keys = Array.from({ length: 1005 }, (_, i) => `${p}/k${String(i).padStart(4, '0')}`);
      for (let i = 0; i < keys.length; i += 50) {
        await Promise.all(keys.slice(i, i + 50).map((k) => store.put(k, '1')));
      }
      expect((await store.list(`${p}/`)).map((o) => o.key)).toEqual(keys);
      await store.delete(keys);
      expect(await store.list(`${p}/`)).toEqual([]);
    }, 60_000);

    it('deletes the keys given and ignores keys that do not exist', async () => {
      const p = prefix();
      await store.put(`${p}/a`, '1');
      await store.put(`${p}/b`, '2');
      await store.delete([`${p}/a`, `${p}/never`]);
      expect((await store.list(`${p}/`)).map((o) => o.key)).toEqual([`${p}/b`]);
      expect(await store.get(`${p}/a`)).toBeUndefined();
    });

    it('refuses keys with empty, . or .. segments', async () => {
      await expect(store.put('../escape.json', 'x')).rejects.toThrow(/not a valid object key/);
      await expect(store.get('a//b')).rejects.toThrow(/not a valid object key/);
      await expect(store.delete(['a/./b'])).rejects.toThrow(/not a valid object key/);
    });
  });
}
