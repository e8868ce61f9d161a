/**
 * The namespaces of one store: every catalog record (small, always in memory) and the in-memory
 * tables of recently used namespaces, loaded from SQLite on first use and evicted least recently
 * used first when more than `maxLoaded` are resident.
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

export class Registry {
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
