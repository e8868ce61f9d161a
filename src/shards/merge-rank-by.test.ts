/**
 * Rank-by-attribute expressions (Attribute, constants, Max, Product, Saturate, Decay, Dist and
 * filter boosts, without BM25) use no corpus statistics, so a sharded Index answers them exactly:
 * the rows of one namespace equal the shard answers merged by `$dist` descending, scores included.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestStore, type TestStore } from '../stores/local/testing.ts';
import { shardOf } from './hash.ts';
import { mergeQueryResponses } from './merge-query.ts';
import { planQuery } from './query-plan.ts';

const SHARDS = 3;
const ROWS = Array.from({ length: 40 }, (_, i) => ({
  id: i + 1,
  clicks: i % 7 === 3 ? null : (i * 37) % 101,
  delta: ((i * 13) % 21) - 10,
  at: new Date(Date.parse('2026-01-01T00:00:00Z') + ((i * 5) % 17) * 3_600_000).toISOString(),
  tag: i % 3 === 0 ? 'promo' : 'plain',
}));
const SCHEMA = { clicks: { type: 'uint' }, delta: { type: 'int' }, at: { type: 'datetime' } };

let t: TestStore;
const filled: number[] = [];

beforeAll(async () => {
  t = await openTestStore();
  await t.write('flat', { upsert_rows: ROWS, schema: SCHEMA });
  for (let s = 0; s < SHARDS; s++) {
    const own = ROWS.filter((row) => shardOf(row.id, SHARDS) === s);
    if (own.length === 0) continue;
    await t.write(`shard-${s}`, { upsert_rows: own, schema: SCHEMA });
    filled.push(s);
  }
});
afterAll(async () => t?.close());

describe('sharded merge of rank-by-attribute scores', () => {
  it.each([
    ['Attribute', ['Attribute', 'clicks']],
    ['Max(0, signed Attribute)', ['Max', 0, ['Attribute', 'delta']]],
    [
      'Sum of a weighted Saturate and a filter boost',
      [
        'Sum',
        [
          ['Product', 1.7, ['Saturate', ['Attribute', 'clicks'], { midpoint: 20 }]],
          ['tag', 'Eq', 'promo'],
        ],
      ],
    ],
    [
      'Decay of a datetime Dist',
      ['Decay', ['Dist', ['Attribute', 'at'], '2026-01-01T08:00:00Z'], { midpoint: '2h' }],
    ],
    ['Dist of a signed Attribute', ['Dist', ['Attribute', 'delta'], 3]],
  ])('%s: the merged shard rows equal the one-namespace rows', async (_name, rankBy) => {
    const body = { rank_by: rankBy, top_k: 15 };
    const flat = await t.rows('flat', body);
    const { shardRequest, plan } = planQuery(body);
    const answers = await Promise.all(filled.map((s) => t.query(`shard-${s}`, shardRequest)));
    expect(filled.length).toBe(SHARDS);
    expect(flat).toHaveLength(15);
    expect(mergeQueryResponses(plan, answers).rows).toEqual(flat);
  });
});
