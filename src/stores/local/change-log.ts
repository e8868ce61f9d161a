/**
 * The change log: for each committed version of a namespace, which document ids it touched. A
 * reader thread that has the namespace in memory at version v catches up to the catalog's version
 * by re-reading only those ids (a missing row = deleted) instead of reloading every row. Versions
 * older than the retention are pruned; a reader further behind (or one that finds a version
 * logged without ids) reloads the namespace in full. Rows are keyed by the namespace's table id,
 * so a namespace dropped and re-created never reads the old one's log.
 */
import type Database from 'better-sqlite3';
import { parseJson, stringifyJson } from '../../wire/json.ts';
import type { DocId } from './ids.ts';

/** Above this many ids a version is logged as "reload everything": cheaper than a huge log row. */
export const MAX_LOGGED_IDS = 100_000;

export interface Change {
  readonly version: number;
  readonly ids: readonly DocId[];
}

export class ChangeLog {
  readonly #db: Database.Database;
  readonly #retention: number;

  constructor(db: Database.Database, retention: number) {
    this.#db = db;
    this.#retention = Math.max(1, Math.floor(retention));
  }

  static create(db: Database.Database): void {
    db.exec(`CREATE TABLE IF NOT EXISTS changes (
      tbl INTEGER NOT NULL, version INTEGER NOT NULL, ids TEXT,
      PRIMARY KEY (tbl, version)) WITHOUT ROWID`);
  }

  /** Records one version and prunes the oldest; call inside the write's transaction. */
  append(tbl: number, version: number, ids: readonly DocId[]): void {
    const text = ids.length > MAX_LOGGED_IDS ? null : stringifyJson(ids);
    this.#db
      .prepare('INSERT OR REPLACE INTO changes (tbl, version, ids) VALUES (?, ?, ?)')
      .run(tbl, version, text);
    this.#db
      .prepare('DELETE FROM changes WHERE tbl = ? AND version <= ?')
      .run(tbl, version - this.#retention);
  }

  /**
   * Versions `since`+1 .. `upTo`, oldest first; `undefined` when any of them is no longer logged
   * (pruned, or never logged because the database predates the log) or was logged without ids.
   */
  since(tbl: number, since: number, upTo: number): Change[] | undefined {
    const rows = this.#db
      .prepare(
        'SELECT version, ids FROM changes WHERE tbl = ? AND version > ? AND version <= ? ORDER BY version',
      )
      .all(tbl, since, upTo) as { version: number; ids: string | null }[];
    if (rows.length !== upTo - since) return undefined;
    const out: Change[] = [];
    for (const r of rows) {
      if (r.ids === null) return undefined;
      out.push({ version: r.version, ids: parseJson(r.ids) as DocId[] });
    }
    return out;
  }

  drop(tbl: number): void {
    this.#db.prepare('DELETE FROM changes WHERE tbl = ?').run(tbl);
  }
}
