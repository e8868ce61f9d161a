/**
 * The filesystem object store: the contract suite on a temp directory, plus what only it promises:
 * a put never leaves a temp file behind, and a failed put leaves the previous object untouched.
 */
import { chmodSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { defineObjectStoreContract } from './contract.ts';
import { createFilesystemObjectStore } from './filesystem.ts';

defineObjectStoreContract('filesystem', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hevlayer-objects-'));
  return { store: createFilesystemObjectStore(dir), close: async () => rmSync(dir, { recursive: true }) };
});

describe('filesystem object store', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) {
      chmodSync(d, 0o755);
      rmSync(d, { recursive: true, force: true });
    }
  });

  it('leaves only the final file in the directory after puts (no temp files)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hevlayer-objects-'));
    dirs.push(dir);
    const store = createFilesystemObjectStore(dir);
    await store.put('i/latest.json', '1');
    await store.put('i/latest.json', '2');
    expect(readdirSync(join(dir, 'i'))).toEqual(['latest.json']);
  });

  it('keeps the previous object when a put fails, and says which key failed', async () => {
    if (process.getuid?.() === 0) return; // root ignores directory permissions
    const dir = mkdtempSync(join(tmpdir(), 'hevlayer-objects-'));
    dirs.push(dir);
    const store = createFilesystemObjectStore(dir);
    await store.put('i/latest.json', 'old');
    chmodSync(join(dir, 'i'), 0o555);
    await expect(store.put('i/latest.json', 'new')).rejects.toThrow(
      /object store put "i\/latest.json" failed/,
    );
    chmodSync(join(dir, 'i'), 0o755);
    expect((await store.get('i/latest.json'))?.toString()).toBe('old');
    expect(readdirSync(join(dir, 'i'))).toEqual(['latest.json']);
  });
});
