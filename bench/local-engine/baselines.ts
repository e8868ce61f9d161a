/**
 * What the local engine is compared with, in the same run on the same data: a plain JS scan for
 * vectors, a Map for group counts, SQLite (better-sqlite3) for inserts and FTS5 for BM25. Each is
 * the simplest thing a developer would write instead of using the engine.
 */
import Database from 'better-sqlite3';
import type { Database as Db, Statement } from 'better-sqlite3';

/** Ids (row + 1) of the k nearest rows by cosine distance, ties by id ascending. */
export function bruteForceTopK(
  vectors: Float32Array,
  norms: Float64Array,
  dims: number,
  query: Float32Array,
  k: number,
): number[] {
  let qNorm = 0;
  for (let d = 0; d < dims; d++) qNorm += (query[d] as number) * (query[d] as number);
  qNorm = Math.sqrt(qNorm);
  const bestDist = new Float64Array(k).fill(Infinity);
  const bestRow = new Int32Array(k).fill(-1);
  const rows = norms.length;
  for (let r = 0; r < rows; r++) {
    let dot = 0;
    const base = r * dims;
    for (let d = 0; d < dims; d++) dot += (vectors[base + d] as number) * (query[d] as number);
    const dist = 1 - dot / ((norms[r] as number) * qNorm);
    if (dist >= (bestDist[k - 1] as number)) continue;
    let i = k - 1;
    while (i > 0 && (bestDist[i - 1] as number) > dist) {
      bestDist[i] = bestDist[i - 1] as number;
      bestRow[i] = bestRow[i - 1] as number;
      i--;
    }
    bestDist[i] = dist;
    bestRow[i] = r;
  }
  return [...bestRow].filter((r) => r >= 0).map((r) => r + 1);
}

export function vectorNorms(vectors: Float32Array, dims: number): Float64Array {
  const rows = vectors.length / dims;
  const norms = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let d = 0; d < dims; d++) s += (vectors[r * dims + d] as number) ** 2;
    norms[r] = Math.sqrt(s);
  }
  return norms;
}

/** Count per (category, brand) pair, keyed `category\0brand`. */
export function mapGroupCount(
  category: Uint8Array,
  brand: Uint16Array,
  categories: readonly string[],
  brands: readonly string[],
): Map<string, number> {
  const counts = new Map<string, number>();
  for (let i = 0; i < category.length; i++) {
    const key = `${categories[category[i] as number] as string}\0${brands[brand[i] as number] as string}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

/** Ids of the k most expensive rows of one category, ties by id ascending. */
export function filteredTopByPrice(
  category: Uint8Array,
  price: Float64Array,
  wanted: number,
  k: number,
): number[] {
  const best: { id: number; price: number }[] = [];
  for (let i = 0; i < category.length; i++) {
    if (category[i] !== wanted) continue;
    const p = price[i] as number;
    // Rows come in id order, so an equal price never displaces an earlier (smaller) id.
    if (best.length === k && p <= (best[k - 1] as { price: number }).price) continue;
    const entry = { id: i + 1, price: p };
    if (best.length < k) best.push(entry);
    else best[k - 1] = entry;
    for (let j = best.length - 1; j > 0 && (best[j - 1] as { price: number }).price < p; j--) {
      best[j] = best[j - 1] as { id: number; price: number };
      best[j - 1] = entry;
    }
  }
  return best.map((b) => b.id);
}

/** A SQLite file set up like the local engine's (WAL, synchronous FULL, 16 KiB pages). */
export function openBaselineDb(file: string): Db {
  const db = new Database(file);
  db.pragma('page_size = 16384');
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  return db;
}

export interface BatchInserter {
  /** Inserts rows [from, to) in one transaction. */
  insert(from: number, to: number): void;
}

/** Plain rows: id, two strings, optionally an f32 vector blob and a price. */
export function tableInserter(
  db: Db,
  table: string,
  row: (i: number) => readonly (string | number | Buffer)[],
  columns: readonly string[],
): BatchInserter {
  db.exec(`CREATE TABLE ${table} (id INTEGER PRIMARY KEY, ${columns.join(', ')})`);
  const stmt: Statement = db.prepare(`INSERT INTO ${table} VALUES (?, ${columns.map(() => '?').join(', ')})`);
  const batch = db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) stmt.run(i + 1, ...row(i));
  });
  return { insert: (from, to) => batch(from, to) };
}

export interface Fts5Index extends BatchInserter {
  /** Ids of the top-k rows by FTS5 bm25() for the words, OR-ed (as turbopuffer's BM25 ranks). */
  search(words: readonly string[], k: number): number[];
}

/** FTS5 over the titles, plus the attributes in a side table (what the engine stores too). */
export function fts5Index(
  db: Db,
  titles: readonly string[],
  attrs: (i: number) => readonly (string | number)[],
): Fts5Index {
  db.exec('CREATE VIRTUAL TABLE texts USING fts5(title)');
  db.exec('CREATE TABLE text_attrs (id INTEGER PRIMARY KEY, category TEXT, brand TEXT, price REAL)');
  const insertText = db.prepare('INSERT INTO texts (rowid, title) VALUES (?, ?)');
  const insertAttrs = db.prepare('INSERT INTO text_attrs VALUES (?, ?, ?, ?)');
  const batch = db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) {
      insertText.run(i + 1, titles[i]);
      insertAttrs.run(i + 1, ...attrs(i));
    }
  });
  const query = db
    .prepare('SELECT rowid AS id FROM texts WHERE texts MATCH ? ORDER BY bm25(texts) LIMIT ?')
    .pluck();
  return {
    insert: (from, to) => batch(from, to),
    search: (words, k) =>
      query.all(words.map((w) => `"${w.replaceAll('"', '""')}"`).join(' OR '), k) as number[],
  };
}
