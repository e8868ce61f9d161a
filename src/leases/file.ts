/**
 * The `file` lease: one machine (the embedded default, several gateway processes sharing one data
 * directory). A lease is `<dir>/<name>.lease`, JSON `{holder, expiresAt}`, replaced by temp file +
 * rename. Its read-check-write runs under a short mutex, a directory `<name>.mutex` (mkdir is
 * atomic); a mutex left by a process that died inside that few-millisecond section is taken over
 * once it is older than `staleMutexMs`. Expiry is judged on this machine's clock, which every
 * process on the machine shares.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { LeaseStore } from './port.ts';

export interface FileLeaseOptions {
  readonly now?: () => number;
  /** How long to wait for the mutex before answering "not acquired" (default 2000 ms). */
  readonly mutexWaitMs?: number;
  /** A mutex older than this belongs to a dead process (default 10 000 ms). */
  readonly staleMutexMs?: number;
}

interface LeaseRecord {
  readonly holder: string;
  readonly expiresAt: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function createFileLeaseStore(dir: string, options: FileLeaseOptions = {}): LeaseStore {
  const now = options.now ?? Date.now;
  const mutexWaitMs = options.mutexWaitMs ?? 2000;
  const staleMutexMs = options.staleMutexMs ?? 10_000;
  const fileOf = (name: string) => join(dir, `${encodeURIComponent(name)}.lease`);

  /** Runs `fn` holding the name's mutex; undefined when the mutex could not be had in time. */
  const exclusive = async <T>(name: string, fn: () => Promise<T>): Promise<T | undefined> => {
    const mutex = join(dir, `${encodeURIComponent(name)}.mutex`);
    await mkdir(dir, { recursive: true });
    const deadline = Date.now() + mutexWaitMs;
    for (;;) {
      try {
        await mkdir(mutex);
        break;
      } catch (err) {
        if ((err as { code?: string }).code !== 'EEXIST') throw err;
        const age = await stat(mutex).then(
          (s) => Date.now() - s.mtimeMs,
          () => 0,
        );
        if (age > staleMutexMs) await rmdir(mutex).catch(() => undefined);
        else if (Date.now() > deadline) return undefined;
        else await sleep(5 + Math.random() * 15);
      }
    }
    try {
      return await fn();
    } finally {
      await rmdir(mutex).catch(() => undefined);
    }
  };

  const read = async (name: string): Promise<LeaseRecord | undefined> => {
    try {
      const value = JSON.parse(await readFile(fileOf(name), 'utf8')) as Partial<LeaseRecord>;
      return typeof value.holder === 'string' && typeof value.expiresAt === 'number'
        ? { holder: value.holder, expiresAt: value.expiresAt }
        : undefined;
    } catch {
      return undefined; // absent, or torn by a crash before rename (cannot happen, but harmless)
    }
  };

  return {
    async acquire(name, holder, ttlMs) {
      const taken = await exclusive(name, async () => {
        const current = await read(name);
        if (current !== undefined && current.holder !== holder && current.expiresAt > now()) return false;
        const temp = `${fileOf(name)}.${randomBytes(4).toString('hex')}.tmp`;
        await writeFile(temp, JSON.stringify({ holder, expiresAt: now() + ttlMs }));
        await rename(temp, fileOf(name));
        return true;
      });
      return taken === true;
    },
    async release(name, holder) {
      await exclusive(name, async () => {
        if ((await read(name))?.holder === holder) await rm(fileOf(name), { force: true });
      });
    },
    async close() {},
  };
}
