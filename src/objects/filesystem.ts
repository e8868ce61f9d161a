/**
 * The `filesystem` object store: keys are files under one root directory (the embedded default,
 * `<data>/data/snapshots`). A put writes a temp file beside the target, fsyncs it, renames it over
 * the target (atomic on POSIX) and fsyncs the directory, so a crash leaves the old object or the
 * new one, never a torn one. Temp files start with `.tmp-` and are never listed.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, readdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ObjectStoreError, checkKey, compareKeys, type ObjectInfo, type ObjectStore } from './port.ts';

const TEMP_PREFIX = '.tmp-';

function reasonOf(err: unknown): string {
  return (err as { code?: string }).code ?? (err as Error).message;
}

async function fsyncPath(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function walk(dir: string, base: string, out: ObjectInfo[]): Promise<void> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    if ((err as { code?: string }).code === 'ENOENT') return;
    throw err;
  }
  for (const e of entries) {
    if (e.name.startsWith(TEMP_PREFIX)) continue;
    const key = base === '' ? e.name : `${base}/${e.name}`;
    const path = join(dir, e.name);
    if (e.isDirectory()) await walk(path, key, out);
    else if (e.isFile()) out.push({ key, size: (await stat(path)).size });
  }
}

export function createFilesystemObjectStore(root: string): ObjectStore {
  const pathOf = (key: string) => join(root, ...checkKey(key).split('/'));
  return {
    kind: 'filesystem',
    async put(key, body) {
      const target = pathOf(key);
      const dir = dirname(target);
      const temp = join(dir, `${TEMP_PREFIX}${randomBytes(6).toString('hex')}`);
      try {
        await mkdir(dir, { recursive: true });
        const handle = await open(temp, 'wx');
        try {
          await handle.writeFile(body);
          await handle.sync();
        } finally {
          await handle.close();
        }
        await rename(temp, target);
        await fsyncPath(dir);
      } catch (err) {
        await rm(temp, { force: true }).catch(() => undefined);
        throw new ObjectStoreError('put', key, reasonOf(err));
      }
    },
    async get(key) {
      try {
        return await readFile(pathOf(key));
      } catch (err) {
        if ((err as { code?: string }).code === 'ENOENT') return undefined;
        throw new ObjectStoreError('get', key, reasonOf(err));
      }
    },
    async list(prefix) {
      // Walk from the deepest directory the prefix names completely, then filter by the prefix.
      const cut = prefix.lastIndexOf('/');
      const base = cut < 0 ? '' : prefix.slice(0, cut);
      const out: ObjectInfo[] = [];
      try {
        await walk(base === '' ? root : join(root, ...checkKey(base).split('/')), base, out);
      } catch (err) {
        throw new ObjectStoreError('list', prefix, reasonOf(err));
      }
      return out.filter((o) => o.key.startsWith(prefix)).sort((a, b) => compareKeys(a.key, b.key));
    },
    async delete(keys) {
      for (const key of keys) {
        try {
          await rm(pathOf(key), { force: true });
        } catch (err) {
          throw new ObjectStoreError('delete', key, reasonOf(err));
        }
      }
    },
    async close() {},
  };
}
