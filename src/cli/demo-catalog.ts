/**
 * A deterministic sample product catalog (same rows on every run): titles for BM25, category and
 * brand for filters and facets, a price, and a small vector whose direction depends on the
 * category, so nearest-neighbour queries return recognisable neighbours.
 */

export const DEMO_CATEGORIES = ['shoes', 'hats', 'bags', 'jackets', 'watches'] as const;
export const DEMO_BRANDS = ['acme', 'globex', 'initech', 'umbrella', 'hooli', 'stark'] as const;
const ADJECTIVES = [
  'red',
  'blue',
  'leather',
  'waterproof',
  'classic',
  'vintage',
  'sport',
  'travel',
  'slim',
  'warm',
];

export interface DemoProduct {
  readonly id: number;
  readonly title: string;
  readonly category: string;
  readonly brand: string;
  readonly price: number;
  readonly vector: number[];
}

/** A small linear congruential generator: deterministic, no dependency. */
function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

export const DEMO_DIMENSIONS = 8;

export function demoCatalog(count: number, seed = 42): DemoProduct[] {
  const random = lcg(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  return Array.from({ length: count }, (_, i) => {
    const categoryIndex = Math.floor(random() * DEMO_CATEGORIES.length);
    const category = DEMO_CATEGORIES[categoryIndex]!;
    const brand = pick(DEMO_BRANDS);
    const vector = Array.from({ length: DEMO_DIMENSIONS }, (_, d) =>
      Number(((d === categoryIndex ? 1 : 0) + (random() - 0.5) * 0.4).toFixed(4)),
    );
    return {
      id: i + 1,
      title: `${pick(ADJECTIVES)} ${pick(ADJECTIVES)} ${brand} ${category.replace(/s$/, '')}`,
      category,
      brand,
      price: Math.round(random() * 20000) / 100,
      vector,
    };
  });
}
