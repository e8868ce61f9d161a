/**
 * The in-memory form of one namespace: rows live in slots; attributes are columns (plain arrays
 * of internal values, `undefined` = null/missing); each vector column is one contiguous
 * Float32Array with a cached norm per slot; full-text attributes have an inverted index. Freed
 * slots are reused. SQLite is the source of truth; this is rebuilt from it on first use.
 */
import { FtsIndex } from './bm25.ts';
import type { DocId } from './ids.ts';
import { idBytes } from './ids.ts';
import type { NsSchema } from './schema.ts';
import { logicalBytes } from './values.ts';
import { norm } from './vectors.ts';

/** A whole document: non-null attributes in internal form plus its vectors. */
export interface Doc {
  readonly id: DocId;
  readonly attrs: Readonly<Record<string, unknown>>;
  readonly vectors: Readonly<Record<string, Float32Array>>;
}

export class VectorColumn {
  readonly dims: number;
  data: Float32Array;
  norms: Float64Array;

  constructor(dims: number, capacity: number) {
    this.dims = dims;
    this.data = new Float32Array(dims * capacity);
    this.norms = new Float64Array(capacity);
  }

  ensure(capacity: number): void {
    if (this.norms.length >= capacity) return;
    const next = Math.max(capacity, this.norms.length * 2, 16);
    const data = new Float32Array(this.dims * next);
    data.set(this.data);
    const norms = new Float64Array(next);
    norms.set(this.norms);
    this.data = data;
    this.norms = norms;
  }

  set(slot: number, vec: Float32Array): void {
    this.data.set(vec, slot * this.dims);
    this.norms[slot] = norm(vec);
  }

  get(slot: number): Float32Array {
    return this.data.slice(slot * this.dims, (slot + 1) * this.dims);
  }
}

export function docBytes(doc: Doc, schema: NsSchema): number {
  let n = idBytes(doc.id, schema.idType);
  for (const v of Object.values(doc.attrs)) n += logicalBytes(v);
  for (const [name, v] of Object.entries(doc.vectors)) {
    n += v.length * (schema.attrs.get(name)?.type.vector?.precision === 'f16' ? 2 : 4);
  }
  return n;
}

/**
 * Writes one cell, padding the column first: assigning far past an array's end turns it into a
 * slow dictionary-mode array in V8, and every later scan of the column would pay for it.
 */
function setCell(col: unknown[], slot: number, value: unknown): void {
  while (col.length < slot) col.push(undefined);
  col[slot] = value;
}

export class Table {
  schema: NsSchema;
  readonly ids: (DocId | undefined)[] = [];
  readonly slotOf = new Map<DocId, number>();
  readonly columns = new Map<string, unknown[]>();
  readonly vectors = new Map<string, VectorColumn>();
  readonly fts = new Map<string, FtsIndex>();
  #free: number[] = [];
  #bytes: number[] = [];
  #size = 0;
  #totalBytes = 0;

  constructor(schema: NsSchema) {
    this.schema = schema;
    this.#syncIndexes();
  }

  get size(): number {
    return this.#size;
  }
  /** Slots ever used; iterate `0..capacity` and skip `ids[slot] === undefined`. */
  get capacity(): number {
    return this.ids.length;
  }
  get logicalBytes(): number {
    return this.#totalBytes;
  }

  bytesAt(slot: number): number {
    return this.#bytes[slot] ?? 0;
  }

  column(attr: string): unknown[] {
    let col = this.columns.get(attr);
    if (col === undefined) {
      col = [];
      this.columns.set(attr, col);
    }
    return col;
  }

  /** Adopts a new schema: adds vector columns and (re)builds full-text indexes whose config changed. */
  setSchema(schema: NsSchema): void {
    this.schema = schema;
    this.#syncIndexes();
  }

  #syncIndexes(): void {
    for (const [name, a] of this.schema.attrs) {
      if (a.type.vector !== undefined && !this.vectors.has(name)) {
        this.vectors.set(name, new VectorColumn(a.type.vector.dims, this.capacity));
      }
      const current = this.fts.get(name);
      if (a.fts === undefined) {
        this.fts.delete(name);
      } else if (current === undefined || JSON.stringify(current.cfg) !== JSON.stringify(a.fts)) {
        const index = new FtsIndex(a.fts);
        const col = this.columns.get(name) ?? [];
        for (let s = 0; s < this.capacity; s++) if (this.ids[s] !== undefined) index.add(s, col[s]);
        this.fts.set(name, index);
      }
    }
  }

  doc(slot: number): Doc {
    const id = this.ids[slot];
    if (id === undefined) throw new Error(`slot ${slot} is empty`);
    const attrs: Record<string, unknown> = {};
    for (const [name, col] of this.columns) {
      const v = col[slot];
      if (v !== undefined) attrs[name] = v;
    }
    const vectors: Record<string, Float32Array> = {};
    for (const [name, col] of this.vectors) vectors[name] = col.get(slot);
    return { id, attrs, vectors };
  }

  /** Pre-sizes the vector matrices for `extra` more documents (one copy instead of many). */
  reserve(extra: number): void {
    const want = this.ids.length + extra;
    for (const col of this.vectors.values()) col.ensure(want);
  }

  /** Inserts or replaces a document. */
  put(doc: Doc): number {
    let slot = this.slotOf.get(doc.id);
    if (slot !== undefined) this.#clear(slot);
    else {
      slot = this.#free.pop() ?? this.ids.length;
      this.slotOf.set(doc.id, slot);
      this.#size++;
    }
    this.ids[slot] = doc.id;
    for (const [name, v] of Object.entries(doc.attrs)) setCell(this.column(name), slot, v);
    for (const [name, col] of this.vectors) {
      col.ensure(slot + 1);
      const vec = doc.vectors[name];
      if (vec !== undefined) col.set(slot, vec);
    }
    for (const [name, index] of this.fts) index.add(slot, doc.attrs[name]);
    const bytes = docBytes(doc, this.schema);
    this.#bytes[slot] = bytes;
    this.#totalBytes += bytes;
    return slot;
  }

  remove(id: DocId): void {
    const slot = this.slotOf.get(id);
    if (slot === undefined) return;
    this.#clear(slot);
    this.ids[slot] = undefined;
    this.slotOf.delete(id);
    this.#free.push(slot);
    this.#size--;
  }

  #clear(slot: number): void {
    for (const [, index] of this.fts) index.remove(slot);
    for (const col of this.columns.values()) if (slot < col.length) col[slot] = undefined;
    this.#totalBytes -= this.#bytes[slot] ?? 0;
    this.#bytes[slot] = 0;
  }
}
