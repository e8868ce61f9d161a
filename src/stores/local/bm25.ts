/**
 * One full-text attribute's inverted index, kept in step with the table on every write. Postings
 * are typed arrays per term (slot, term frequency, generation); removing a document bumps its
 * slot's generation, which invalidates its old postings without searching for them, and a term's
 * list is compacted once it is mostly dead. Scoring accumulates into a dense Float64Array.
 *
 * score(d, q) = sum over query terms t of
 *   idf(t) * tf(t,d)*(k1+1) / (tf(t,d) + k1*(1 - b + b*|d|/avgdl)) * (k3+1)*qtf(t) / (k3+qtf(t))
 * with idf(t) = ln(1 + (N - n(t) + 0.5) / (n(t) + 0.5)), N = documents with a value in the field.
 */
import type { FtsConfig } from './schema.ts';
import { tokenize } from './tokenizer.ts';

/** Sparse scores: the slots that scored, and a dense per-slot score array. */
export interface Scores {
  readonly slots: Int32Array;
  readonly score: Float64Array;
}

class Postings {
  slots = new Int32Array(4);
  tfs = new Uint32Array(4);
  gens = new Uint32Array(4);
  length = 0;
  live = 0;

  push(slot: number, tf: number, gen: number): void {
    if (this.length === this.slots.length) {
      const n = this.length * 2;
      const grow = <T extends Int32Array | Uint32Array>(a: T, b: T): T => (b.set(a), b);
      this.slots = grow(this.slots, new Int32Array(n));
      this.tfs = grow(this.tfs, new Uint32Array(n));
      this.gens = grow(this.gens, new Uint32Array(n));
    }
    this.slots[this.length] = slot;
    this.tfs[this.length] = tf;
    this.gens[this.length] = gen;
    this.length++;
    this.live++;
  }

  compact(gen: Uint32Array): void {
    let j = 0;
    for (let i = 0; i < this.length; i++) {
      const s = this.slots[i] as number;
      if (this.gens[i] !== gen[s]) continue;
      this.slots[j] = s;
      this.tfs[j] = this.tfs[i] as number;
      this.gens[j] = this.gens[i] as number;
      j++;
    }
    this.length = j;
  }
}

export class FtsIndex {
  readonly cfg: FtsConfig;
  readonly #terms = new Map<string, Postings>();
  #gen = new Uint32Array(16);
  #docLen = new Float64Array(16);
  #docTerms: (string[] | undefined)[] = [];
  #docCount = 0;
  #totalLen = 0;

  constructor(cfg: FtsConfig) {
    this.cfg = cfg;
  }

  get docCount(): number {
    return this.#docCount;
  }

  #ensure(slot: number): void {
    if (slot < this.#gen.length) return;
    const n = Math.max(slot + 1, this.#gen.length * 2);
    const gen = new Uint32Array(n);
    gen.set(this.#gen);
    this.#gen = gen;
    const len = new Float64Array(n);
    len.set(this.#docLen);
    this.#docLen = len;
  }

  add(slot: number, value: unknown): void {
    if (value === undefined || value === null) return;
    this.#ensure(slot);
    const tokens = tokenize(value, this.cfg);
    const gen = ((this.#gen[slot] as number) + 1) >>> 0;
    this.#gen[slot] = gen;
    // Sorting groups equal tokens, which counts them without a Map per document.
    const sorted = tokens.length > 1 ? [...tokens].sort() : tokens;
    const distinct: string[] = [];
    for (let i = 0; i < sorted.length;) {
      const term = sorted[i] as string;
      let j = i + 1;
      while (j < sorted.length && sorted[j] === term) j++;
      let p = this.#terms.get(term);
      if (p === undefined) this.#terms.set(term, (p = new Postings()));
      p.push(slot, j - i, gen);
      distinct.push(term);
      i = j;
    }
    this.#docTerms[slot] = distinct;
    this.#docLen[slot] = tokens.length;
    this.#docCount++;
    this.#totalLen += tokens.length;
  }

  remove(slot: number): void {
    const terms = this.#docTerms[slot];
    if (terms === undefined) return;
    this.#gen[slot] = ((this.#gen[slot] as number) + 1) >>> 0;
    for (const term of terms) {
      const p = this.#terms.get(term);
      if (p === undefined) continue;
      p.live--;
      if (p.live === 0) this.#terms.delete(term);
      else if (p.length > 32 && p.live * 2 < p.length) p.compact(this.#gen);
    }
    this.#docTerms[slot] = undefined;
    this.#docCount--;
    this.#totalLen -= this.#docLen[slot] as number;
    this.#docLen[slot] = 0;
  }

  /** Every indexed term starting with `prefix` (for last_as_prefix). */
  termsWithPrefix(prefix: string): string[] {
    const out: string[] = [];
    for (const term of this.#terms.keys()) if (term.startsWith(prefix)) out.push(term);
    return out;
  }

  #each(term: string, fn: (slot: number, tf: number) => void): void {
    const p = this.#terms.get(term);
    if (p === undefined) return;
    const gen = this.#gen;
    for (let i = 0; i < p.length; i++) {
      const s = p.slots[i] as number;
      if (p.gens[i] === gen[s]) fn(s, p.tfs[i] as number);
    }
  }

  /** Slots holding `term`, or holding any term with that prefix when `prefix` is set. */
  slotsWith(term: string, prefix: boolean): Set<number> {
    const out = new Set<number>();
    for (const t of prefix ? this.termsWithPrefix(term) : [term]) this.#each(t, (s) => out.add(s));
    return out;
  }

  /**
   * BM25 scores of every slot matching at least one query token. With `lastAsPrefix` the last
   * token matches any term it prefixes and contributes a constant 1.0 instead of a BM25 term.
   */
  score(tokens: readonly string[], lastAsPrefix: boolean, capacity: number): Scores {
    const score = new Float64Array(capacity);
    const slots = new Int32Array(capacity);
    let k = 0;
    if (tokens.length === 0 || this.#docCount === 0) return { slots: slots.subarray(0, 0), score };
    const exact = lastAsPrefix ? tokens.slice(0, -1) : tokens;
    const qtf = new Map<string, number>();
    for (const t of exact) qtf.set(t, (qtf.get(t) ?? 0) + 1);
    const { k1, b, k3 } = this.cfg;
    const n = this.#docCount;
    const avgdl = this.#totalLen / n || 1;
    const docLen = this.#docLen;
    const gen = this.#gen;
    for (const [term, q] of qtf) {
      const p = this.#terms.get(term);
      if (p === undefined) continue;
      const w = Math.log(1 + (n - p.live + 0.5) / (p.live + 0.5)) * (((k3 + 1) * q) / (k3 + q)) * (k1 + 1);
      const norm0 = k1 * (1 - b);
      const norm1 = (k1 * b) / avgdl;
      for (let i = 0; i < p.length; i++) {
        const s = p.slots[i] as number;
        if (p.gens[i] !== gen[s]) continue;
        const tf = p.tfs[i] as number;
        const v = (w * tf) / (tf + norm0 + norm1 * (docLen[s] as number));
        if (score[s] === 0) slots[k++] = s;
        score[s] = (score[s] as number) + v;
      }
    }
    if (lastAsPrefix) {
      for (const s of this.slotsWith(tokens[tokens.length - 1] as string, true)) {
        if (score[s] === 0) slots[k++] = s;
        score[s] = (score[s] as number) + 1;
      }
    }
    return { slots: slots.subarray(0, k), score };
  }
}
