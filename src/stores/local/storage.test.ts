/**
 * Opening a database written before the engine had threads: the catalog gains its `version`
 * column and the change log its table, the data is served as before, and the first write after
 * the upgrade reaches a reader that had loaded the namespace (catch-up from version 0).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, expect, it } from 'vitest';
import { parseJson, stringifyJson } from '../../wire/json.ts';
import { Payload } from '../../wire/payload.ts';
import { createLocalStore, type LocalStore } from './index.ts';
import { DB_FILE } from './storage.ts';

let dir: string | undefined;
let store: LocalStore | undefined;
afterEach(async () => {
  await store?.close();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

it('migrates a catalog without versions and keeps serving its data', async () => {
  dir = mkdtempSync(join(tmpdir(), 'hevlayer-migrate-'));
  const first = await createLocalStore({ path: dir, readers: 1 });
  await first.write('old', Payload.fromValue({ upsert_rows: [{ id: 7, n: 1 }] }));
  await first.close();
  // What a database of the single-threaded engine looked like: no version, no change log.
  const db = new Database(join(dir, DB_FILE));
  db.exec('ALTER TABLE namespaces DROP COLUMN version; DROP TABLE changes;');
  db.close();

  store = await createLocalStore({ path: dir, readers: 1 });
  const query = async () =>
    parseJson(
      (
        await store?.query(
          'old',
          Payload.fromBytes(Buffer.from(stringifyJson({ include_attributes: ['n'] }))),
        )
      )
        ?.bytes()
        .toString() ?? '',
    ) as { rows: unknown[] };
  expect((await query()).rows).toEqual([{ id: 7, n: 1 }]);
  await store.write('old', Payload.fromValue({ upsert_rows: [{ id: 8, n: 2 }] }));
  expect((await query()).rows).toEqual([
    { id: 7, n: 1 },
    { id: 8, n: 2 },
  ]);
});
