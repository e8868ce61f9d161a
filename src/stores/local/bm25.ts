/**
 * One full-text attribute's inverted index: term -> (slot -> term frequency), per-slot document
 * length, and the corpus statistics BM25 needs. Kept in step with the table on every write.
 *
 * score(d, q) = sum over query terms t of
 *   idf(t) * tf(t,d)*(k1+1) / (tf(t,d) + k1*(1 - b + b*|d|/avgdl)) * (k3+1)*qtf(t) / (k3+qtf(t))
 * with idf(t) = ln(1 + (N - n(t) + 0.5) / (n(t) + 0.5)), N = documents with a value in the field.
 */
import type { FtsConfig } from './schema.ts';
import { tokenize } from './tokenizer.ts';

export class FtsIndex {
  readonly cfg: FtsConfig;
  readonly postings = new Map<string, Map<number, number>>();
  #docTerms: (string[] | undefined)[] = [];
  #docLen: number[] = [];
  #docCount = 0;
  #totalLen = 0;

  constructor(cfg: FtsConfig) {
    this.cfg = cfg;
  }

  get docCount(): number {
    return this.#docCount;
  }

  add(slot: number, value: unknown): void {
    if (value === undefined || value === null) return;
    const tokens = tokenize(value, this.cfg);
    const counts = new Map<string, number>();
    for (const t of tokens) counts.set(t, (counts.get(t) ?? 0) + 1);
    for (const [term, tf] of counts) {
      let p = this.postings.get(term);
      if (p === undefined) {
        p = new Map();
        this.postings.set(term, p);
      }
      p.set(slot, tf);
    }
    this.#docTerms[slot] = [...counts.keys()];
    this.#docLen[slot] = tokens.length;
    this.#docCount++;
    this.#totalLen += tokens.length;
  }

  remove(slot: number): void {
    const terms = this.#docTerms[slot];
    if (terms === undefined) return;
    for (const term of terms) {
      const p = this.postings.get(term);
      if (p === undefined) continue;
      p.delete(slot);
      if (p.size === 0) this.postings.delete(term);
    }
    this.#docTerms[slot] = undefined;
    this.#docCount--;
    this.#totalLen -= this.#docLen[slot] ?? 0;
    this.#docLen[slot] = 0;
  }

  /** Every indexed term starting with `prefix` (for last_as_prefix). */
  termsWithPrefix(prefix: string): string[] {
    const out: string[] = [];
    for (const term of this.postings.keys()) if (term.startsWith(prefix)) out.push(term);
    return out;
  }

  /** Slots holding `term`, or holding any term with that prefix when `prefix` is set. */
  slotsWith(term: string, prefix: boolean): Set<number> {
    if (!prefix) return new Set(this.postings.get(term)?.keys() ?? []);
    const out = new Set<number>();
    for (const t of this.termsWithPrefix(term))
      for (const s of this.postings.get(t)?.keys() ?? []) out.add(s);
    return out;
  }

  /**
   * BM25 scores of every slot matching at least one query token. With `lastAsPrefix` the last
   * token matches any term it prefixes and contributes a constant 1.0 instead of a BM25 term.
   */
  score(tokens: readonly string[], lastAsPrefix: boolean): Map<number, number> {
    const scores = new Map<number, number>();
    if (tokens.length === 0 || this.#docCount === 0) return scores;
    const exact = lastAsPrefix ? tokens.slice(0, -1) : tokens;
    const qtf = new Map<string, number>();
    for (const t of exact) qtf.set(t, (qtf.get(t) ?? 0) + 1);
    const { k1, b, k3 } = this.cfg;
    const n = this.#docCount;
    const avgdl = this.#totalLen / n || 1;
    for (const [term, q] of qtf) {
      const p = this.postings.get(term);
      if (p === undefined) continue;
      const idf = Math.log(1 + (n - p.size + 0.5) / (p.size + 0.5));
      const qWeight = ((k3 + 1) * q) / (k3 + q);
      for (const [slot, tf] of p) {
        const len = this.#docLen[slot] ?? 0;
        const s = (idf * qWeight * (tf * (k1 + 1))) / (tf + k1 * (1 - b + (b * len) / avgdl));
        scores.set(slot, (scores.get(slot) ?? 0) + s);
      }
    }
    if (lastAsPrefix) {
      const last = tokens[tokens.length - 1] as string;
      for (const slot of this.slotsWith(last, true)) scores.set(slot, (scores.get(slot) ?? 0) + 1);
    }
    return scores;
  }
}
