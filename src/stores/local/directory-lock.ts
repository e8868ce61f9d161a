/**
 * The single-process guard of a store directory: a small SQLite database of its own
 * (`<path>/hevlayer-local.lock`) opened with `locking_mode=EXCLUSIVE` and locked at once. The
 * kernel's advisory lock lasts as long as the connection and is released if the process dies, so
 * nothing stale is left after kill -9. SQLite tracks its locks per process (the addon is loaded
 * once, whatever the thread), so a second store on the same directory in this process is refused
 * too. The main database itself stays in normal locking mode so the reader threads can open it.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { HevError } from '../../wire/errors.ts';

export const LOCK_FILE = 'hevlayer-local.lock';

export class DirectoryLock {
  readonly #db: Database.Database;

  private constructor(db: Database.Database) {
    this.#db = db;
  }

  static acquire(dir: string): DirectoryLock {
    mkdirSync(dir, { recursive: true });
    const db = new Database(join(dir, LOCK_FILE), { timeout: 0 });
    try {
      db.pragma('locking_mode = EXCLUSIVE');
      // Nothing is ever written here; a journal file would only be litter beside the lock.
      db.pragma('journal_mode = MEMORY');
      db.exec('BEGIN EXCLUSIVE; COMMIT;');
    } catch (err) {
      db.close();
      if ((err as { code?: string }).code === 'SQLITE_BUSY') {
        throw new HevError(
          'HEV_CONFLICT',
          `local store directory ${dir} is in use by another process (or another store in this one); ` +
            'only one process may open it at a time',
          { cause: err },
        );
      }
      throw err;
    }
    return new DirectoryLock(db);
  }

  release(): void {
    if (this.#db.open) this.#db.close();
  }
}
