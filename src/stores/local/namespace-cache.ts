/**
 * One thread's view of a store's namespaces: every catalog record (small, always in memory) and
 * the in-memory tables of recently used namespaces, loaded from SQLite on first use and evicted
 * least recently used first when more than `maxLoaded` are resident. The writer thread's view is
 * authoritative (it makes every change); a reader thread calls `sync` inside a read transaction
 * before each call to catch up with what the writer committed since.
 */
import { HevError } from '../../wire/errors.ts';
import { deserializeSchema, vectorColumns, type NsSchema } from './schema.ts';
import type { NamespaceRecord, Storage } from './storage.ts';
import { Table } from './table.ts';

export interface NsState {
  readonly rec: NamespaceRecord;
  schema: NsSchema;
  readonly table: Table;
}

export interface Loaded {
  readonly state: NsState;
  /** True when the table was already in memory (cache hit). */
  readonly hot: boolean;
}

export class NamespaceCache {
  readonly #storage: Storage;
  readonly #maxLoaded: number;
  readonly #records = new Map<string, NamespaceRecord>();
  readonly #loaded = new Map<string, NsState>();

  constructor(storage: Storage, maxLoaded: number) {
    this.#storage = storage;
    this.#maxLoaded = maxLoaded;
    for (const rec of storage.catalog()) this.#records.set(rec.name, rec);
  }

  record(name: string): NamespaceRecord | undefined {
    return this.#records.get(name);
  }

  require(name: string): NamespaceRecord {
    const rec = this.#records.get(name);
    if (rec === undefined) throw notFound(name);
    return rec;
  }

  names(): string[] {
    return [...this.#records.keys()];
  }

  isLoaded(name: string): boolean {
    return this.#loaded.has(name);
  }

  /** The namespace's in-memory state, loading it from SQLite if needed. */
  load(name: string): Loaded {
    const rec = this.require(name);
    const existing = this.#loaded.get(name);
    if (existing !== undefined) {
      this.#loaded.delete(name);
      this.#loaded.set(name, existing);
      return { state: existing, hot: true };
    }
    const schema = deserializeSchema(rec.schema);
    const table = new Table(schema);
    table.reserve(rec.rowCount);
    const order = vectorColumns(schema);
    for (const doc of this.#storage.loadDocs(rec, schema.idType, order)) table.put(doc);
    const state: NsState = { rec, schema, table };
    this.#remember(name, state);
    return { state, hot: false };
  }

  /**
   * Brings one namespace up to the database's committed state: the catalog record always; a
   * loaded table by re-reading the ids the change log names (or, when the log no longer reaches
   * back far enough or the namespace was dropped and re-created, by unloading it so the next use
   * reloads it in full). Call inside `Storage.snapshot`.
   */
  sync(name: string): void {
    const fresh = this.#storage.record(name);
    const cur = this.#records.get(name);
    if (fresh === undefined || cur === undefined || cur.tbl !== fresh.tbl) {
      this.#loaded.delete(name);
      if (fresh === undefined) this.#records.delete(name);
      else this.#records.set(name, fresh);
      return;
    }
    if (cur.version === fresh.version) return;
    const state = this.#loaded.get(name);
    if (state !== undefined && !this.#catchUp(state, fresh)) this.#loaded.delete(name);
    // The loaded state shares this record object, so both see the new counters.
    Object.assign(cur, fresh);
  }

  /** Re-reads the whole catalog: namespaces created, dropped or re-created elsewhere. */
  syncCatalog(): void {
    const fresh = new Map(this.#storage.catalog().map((r) => [r.name, r]));
    for (const name of [...this.#records.keys()]) if (!fresh.has(name)) this.remove(name);
    for (const name of fresh.keys()) this.sync(name);
  }

  #catchUp(state: NsState, fresh: NamespaceRecord): boolean {
    const changes = this.#storage.changesSince(fresh.tbl, state.rec.version, fresh.version);
    if (changes === undefined) return false;
    if (fresh.schema !== state.rec.schema) {
      state.schema = deserializeSchema(fresh.schema);
      state.table.setSchema(state.schema);
    }
    const order = vectorColumns(state.schema);
    const ids = new Set(changes.flatMap((c) => c.ids));
    for (const id of ids) {
      const doc = this.#storage.loadDoc(fresh, order, id);
      if (doc === undefined) state.table.remove(id);
      else state.table.put(doc);
    }
    return true;
  }

  /** Registers a namespace created by a committed write. */
  add(state: NsState): void {
    this.#records.set(state.rec.name, state.rec);
    this.#remember(state.rec.name, state);
  }

  remove(name: string): void {
    this.#records.delete(name);
    this.#loaded.delete(name);
  }

  /** Drops the in-memory table (it is rebuilt from SQLite on next use). */
  evict(name: string): void {
    this.#loaded.delete(name);
  }

  #remember(name: string, state: NsState): void {
    this.#loaded.delete(name);
    this.#loaded.set(name, state);
    while (this.#loaded.size > this.#maxLoaded) {
      const oldest = this.#loaded.keys().next().value as string;
      this.#loaded.delete(oldest);
    }
  }
}

export function notFound(name: string): HevError {
  return new HevError('HEV_NAMESPACE_NOT_FOUND', `namespace '${name}' was not found`);
}
