/**
 * Test support for the local engine's unit tests: a store in a fresh temporary directory and
 * helpers that speak plain values instead of Payloads.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HevError } from '../../wire/errors.ts';
import { parseJson, stringifyJson } from '../../wire/json.ts';
import { Payload } from '../../wire/payload.ts';
import { createLocalStore, type LocalStore, type LocalStoreOptions } from './index.ts';

export interface TestStore {
  readonly store: LocalStore;
  readonly dir: string;
  write(ns: string, body: unknown): Promise<Record<string, unknown>>;
  query(ns: string, body: unknown): Promise<Record<string, unknown>>;
  /** Rows of a query, without billing/performance. */
  rows(ns: string, body: unknown): Promise<Record<string, unknown>[]>;
  /** Resolves with the HevError a call fails with (fails the test if it succeeds). */
  error(p: Promise<unknown>): Promise<HevError>;
  reopen(options?: Partial<LocalStoreOptions>): Promise<TestStore>;
  close(): Promise<void>;
}

/** Round-trips through wire bytes, as the gateway does, so bigints stay exact. */
function wire(value: unknown): Payload {
  return Payload.fromBytes(Buffer.from(stringifyJson(value), 'utf8'));
}

function unwire(p: Payload): Record<string, unknown> {
  return parseJson(p.bytes().toString('utf8')) as Record<string, unknown>;
}

async function wrap(store: LocalStore, dir: string, cleanup: boolean): Promise<TestStore> {
  const t: TestStore = {
    store,
    dir,
    write: async (ns, body) => unwire(await store.write(ns, wire(body))),
    query: async (ns, body) => unwire(await store.query(ns, wire(body))),
    rows: async (ns, body) =>
      (unwire(await store.query(ns, wire(body))).rows ?? []) as Record<string, unknown>[],
    error: async (p) => {
      try {
        await p;
      } catch (err) {
        if (err instanceof HevError) return err;
        throw err;
      }
      throw new Error('expected the call to fail');
    },
    reopen: async (options = {}) => {
      await store.close();
      return wrap(await createLocalStore({ path: dir, ...options }), dir, cleanup);
    },
    close: async () => {
      await store.close();
      if (cleanup) rmSync(dir, { recursive: true, force: true });
    },
  };
  return t;
}

export async function openTestStore(options: Partial<LocalStoreOptions> = {}): Promise<TestStore> {
  const dir = mkdtempSync(join(tmpdir(), 'hevlayer-local-'));
  return wrap(await createLocalStore({ path: dir, ...options }), dir, true);
}
