/**
 * The benchmark's data, generated from a seed: a product catalog (category, brand, price, title)
 * and random vectors. Vectors are written to JSON with 6 decimals, like an embedding API's output,
 * and the baselines use exactly the f32 values the store receives.
 */
import { createRng, type Rng } from '../lib/rng.ts';
import {
  ADJECTIVES,
  BRANDS,
  CATEGORIES,
  CATEGORY_NOUNS,
  COLORS,
  FEATURES,
  MATERIALS,
  SIZES,
} from './vocabulary.ts';

export interface Catalog {
  readonly size: number;
  /** Index into CATEGORIES / BRANDS per row. */
  readonly category: Uint8Array;
  readonly brand: Uint16Array;
  readonly price: Float64Array;
  readonly title: readonly string[];
}

function title(rng: Rng, category: string, brand: string): string {
  const nouns = CATEGORY_NOUNS[category] ?? ['item'];
  const parts = [brand];
  if (rng.next() < 0.6) parts.push(ADJECTIVES[rng.zipf(ADJECTIVES.length, 0.7)] as string);
  if (rng.next() < 0.35) parts.push(MATERIALS[rng.zipf(MATERIALS.length, 0.7)] as string);
  parts.push(nouns[rng.zipf(nouns.length, 0.8)] as string);
  if (rng.next() < 0.45) parts.push('with', FEATURES[rng.zipf(FEATURES.length, 0.7)] as string);
  if (rng.next() < 0.5) parts.push(COLORS[rng.zipf(COLORS.length, 0.8)] as string);
  if (rng.next() < 0.3) parts.push(SIZES[rng.int(SIZES.length)] as string);
  return parts.join(' ');
}

/** `withTitles: false` skips the titles (the 1M-row group_by data needs only the attributes). */
export function makeCatalog(size: number, seed: number, withTitles: boolean): Catalog {
  const rng = createRng(seed);
  const category = new Uint8Array(size);
  const brand = new Uint16Array(size);
  const price = new Float64Array(size);
  const titles: string[] = [];
  for (let i = 0; i < size; i++) {
    const c = rng.zipf(CATEGORIES.length, 0.5);
    const b = rng.zipf(BRANDS.length, 0.8);
    category[i] = c;
    brand[i] = b;
    price[i] = (100 + rng.int(50_000)) / 100;
    if (withTitles) titles.push(title(rng, CATEGORIES[c] as string, BRANDS[b] as string));
  }
  return { size, category, brand, price, title: titles };
}

/** `count` vectors of `dims` values uniform in [-1, 1), rounded to 6 decimals, as f32. */
export function makeVectors(count: number, dims: number, seed: number): Float32Array {
  const rng = createRng(seed);
  const out = new Float32Array(count * dims);
  for (let i = 0; i < out.length; i++) out[i] = Math.round((rng.next() * 2 - 1) * 1e6) / 1e6;
  return out;
}

/** The decimal text a client would send for an f32 that was rounded to 6 decimals. */
export function vectorJson(vectors: Float32Array, row: number, dims: number): string {
  const parts: string[] = new Array<string>(dims);
  for (let d = 0; d < dims; d++) {
    const v = vectors[row * dims + d] as number;
    parts[d] = (Math.round(v * 1e6) / 1e6).toString();
  }
  return `[${parts.join(',')}]`;
}

/** 1-3 words taken from a random document's title: what a shopper types and what exists. */
export function makeTextQueries(catalog: Catalog, count: number, seed: number): string[] {
  const rng = createRng(seed);
  const queries: string[] = [];
  while (queries.length < count) {
    const words = (catalog.title[rng.int(catalog.size)] ?? '')
      .split(' ')
      .filter((w) => w.length > 2 && /^[a-z]+$/i.test(w) && w !== 'with');
    if (words.length === 0) continue;
    const k = Math.min(words.length, 1 + rng.int(3));
    const chosen = new Set<string>();
    while (chosen.size < k) chosen.add((words[rng.int(words.length)] as string).toLowerCase());
    queries.push([...chosen].join(' '));
  }
  return queries;
}
