/** Count group_by over every row, against a plain Map count of the same attribute arrays. */
import type { LocalStore } from '../../src/stores/local/index.ts';
import { GROUP_BY_QUERY } from './bodies.ts';
import { measureQueries, type QueryFigures } from './queries.ts';

interface Group {
  category: string;
  brand: string;
  n: number;
}

/** 1 when the store's groups are exactly the Map's counts, else 0. */
function sameGroups(answer: unknown, expected: Map<string, number>): number {
  const groups = (answer as { aggregation_groups?: Group[] }).aggregation_groups ?? [];
  if (groups.length !== expected.size) return 0;
  for (const g of groups) if (expected.get(`${g.category}\0${g.brand}`) !== Number(g.n)) return 0;
  return 1;
}

export function measureGroupBy(
  store: LocalStore,
  ns: string,
  rounds: number,
  baseline: () => Map<string, number>,
): Promise<QueryFigures> {
  return measureQueries(store, {
    ns,
    count: rounds,
    warmup: 1,
    body: () => GROUP_BY_QUERY,
    baseline,
    agree: sameGroups,
  });
}
