/** The JSON request bodies the benchmark sends to the local store (columnar writes, as bulk loaders do). */
import { BRANDS, CATEGORIES } from './vocabulary.ts';
import { vectorJson, type Catalog } from './data.ts';

function ids(from: number, to: number): string {
  const out: number[] = [];
  for (let i = from; i < to; i++) out.push(i + 1);
  return JSON.stringify(out);
}

function strings(from: number, to: number, pick: (i: number) => string): string {
  const out: string[] = [];
  for (let i = from; i < to; i++) out.push(pick(i));
  return JSON.stringify(out);
}

const categoryOf = (c: Catalog) => (i: number) => CATEGORIES[c.category[i] as number] as string;
const brandOf = (c: Catalog) => (i: number) => BRANDS[c.brand[i] as number] as string;

/** id, 128-dim vector, category, brand. */
export function vectorWrite(c: Catalog, vectors: Float32Array, dims: number) {
  return (from: number, to: number, first: boolean): string => {
    const vecs: string[] = [];
    for (let i = from; i < to; i++) vecs.push(vectorJson(vectors, i, dims));
    return (
      `{"upsert_columns":{"id":${ids(from, to)},"vector":[${vecs.join(',')}],` +
      `"category":${strings(from, to, categoryOf(c))},"brand":${strings(from, to, brandOf(c))}}` +
      `${first ? ',"distance_metric":"cosine_distance"' : ''}}`
    );
  };
}

/** id, full-text title, category, brand, price. */
export function textWrite(c: Catalog) {
  return (from: number, to: number, first: boolean): string => {
    const prices: number[] = [];
    for (let i = from; i < to; i++) prices.push(c.price[i] as number);
    return (
      `{"upsert_columns":{"id":${ids(from, to)},"title":${strings(from, to, (i) => c.title[i] as string)},` +
      `"category":${strings(from, to, categoryOf(c))},"brand":${strings(from, to, brandOf(c))},` +
      `"price":${JSON.stringify(prices)}}` +
      `${first ? ',"schema":{"title":{"type":"string","full_text_search":true}}' : ''}}`
    );
  };
}

/** id, category, brand: the group_by data. */
export function attributeWrite(c: Catalog) {
  return (from: number, to: number): string =>
    `{"upsert_columns":{"id":${ids(from, to)},"category":${strings(from, to, categoryOf(c))},` +
    `"brand":${strings(from, to, brandOf(c))}}}`;
}

export function annQuery(queries: Float32Array, i: number, dims: number): string {
  return `{"rank_by":["vector","ANN",${vectorJson(queries, i, dims)}],"top_k":10}`;
}

export function bm25Query(text: string): string {
  return JSON.stringify({ rank_by: ['title', 'BM25', text], top_k: 10 });
}

export function filteredOrderQuery(category: string): string {
  return JSON.stringify({ filters: ['category', 'Eq', category], rank_by: ['price', 'desc'], top_k: 10 });
}

export const GROUP_BY_QUERY = JSON.stringify({
  aggregate_by: { n: ['Count'] },
  group_by: ['category', 'brand'],
  top_k: 10_000,
});
