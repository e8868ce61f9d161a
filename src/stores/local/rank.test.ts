/**
 * The rank_by grammar of docs/adr/rank-by.md, one table row per documented form: each computed
 * form against a hand-computed ranking, each form the engine does not compute against the 400
 * naming it, and malformed expressions against their exact messages.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestStore, type TestStore } from './testing.ts';

let t: TestStore;

const DOCS = [
  { id: 1, text: 'hello world', pop: 10, n: -3, t: '2026-01-01T00:00:00Z', tag: 'a' },
  { id: 2, text: 'hello', pop: 0, n: 4, t: '2026-01-01T12:00:00Z', tag: 'b' },
  { id: 3, text: 'goodbye', pop: 30, n: 10, t: '2026-01-02T00:00:00Z' },
  { id: 4, text: 'nothing', t: '2026-01-03T00:00:00Z', tag: 'b' },
  { id: 5, pop: 5 },
];

beforeAll(async () => {
  t = await openTestStore();
  await t.write('r', {
    upsert_rows: DOCS.map((d) => ({ ...d, vector: [d.id, 1] })),
    distance_metric: 'cosine_distance',
    schema: {
      text: { type: 'string', full_text_search: true },
      pop: { type: 'uint' },
      n: { type: 'int' },
      t: { type: 'datetime' },
    },
  });
});
afterAll(async () => t.close());

// BM25 of "hello" by hand: 4 documents have text (lengths 2, 1, 1, 1; avgdl 5/4), 2 hold "hello".
const IDF = Math.log(1 + (4 - 2 + 0.5) / (2 + 0.5));
const bm25 = (len: number) => (IDF * 2.2) / (1 + 1.2 * (0.25 + (0.75 * len) / 1.25));
const B1 = bm25(2);
const B2 = bm25(1);
const HELLO = ['text', 'BM25', 'hello'];
const POP = ['Attribute', 'pop'];
const N = ['Attribute', 'n'];
const T = ['Attribute', 't'];
const DAY = 86_400_000;

/** rank_by → the expected rows as [id, $dist] in rank order. */
const COMPUTED: [string, unknown, [number, number][]][] = [
  [
    'BM25 alone',
    HELLO,
    [
      [2, B2],
      [1, B1],
    ],
  ],
  [
    "the docs' rank-by-attribute example: Sum of BM25 and Max(0, Attribute)",
    ['Sum', [HELLO, ['Max', 0, POP]]],
    [
      [3, 30],
      [1, B1 + 10],
      [5, 5],
      [2, B2],
    ],
  ],
  [
    'an unsigned Attribute alone; a 0 value is dropped, a missing one has no score',
    POP,
    [
      [3, 30],
      [1, 10],
      [5, 5],
    ],
  ],
  [
    'Max of a constant and a signed Attribute clamps negatives to 0',
    ['Max', 0, N],
    [
      [3, 10],
      [2, 4],
    ],
  ],
  [
    'Max with the constant second',
    ['Max', N, 0],
    [
      [3, 10],
      [2, 4],
    ],
  ],
  [
    'Max over a list holding a constant',
    ['Max', [0, N]],
    [
      [3, 10],
      [2, 4],
    ],
  ],
  [
    'Max over clauses takes the largest',
    ['Max', [HELLO, ['Product', 0.01, POP]]],
    [
      [2, B2],
      [1, B1],
      [3, 0.3],
      [5, 0.05],
    ],
  ],
  [
    'Sum adds a constant to the documents its clauses score',
    ['Sum', [HELLO, 1]],
    [
      [2, B2 + 1],
      [1, B1 + 1],
    ],
  ],
  [
    'Product with the weight first',
    ['Product', 2, POP],
    [
      [3, 60],
      [1, 20],
      [5, 10],
    ],
  ],
  [
    'Product with the weight second',
    ['Product', POP, 0.5],
    [
      [3, 15],
      [1, 5],
      [5, 2.5],
    ],
  ],
  [
    'the older Product form with a [weight, clause] pair',
    ['Product', [2, HELLO]],
    [
      [2, 2 * B2],
      [1, 2 * B1],
    ],
  ],
  [
    'Saturate maps x to x/(x+midpoint)',
    ['Saturate', POP, { midpoint: 10 }],
    [
      [3, 0.75],
      [1, 0.5],
      [5, 1 / 3],
    ],
  ],
  [
    'Saturate with an exponent maps x to x^e/(x^e+midpoint^e)',
    ['Saturate', POP, { midpoint: 10, exponent: 2 }],
    [
      [3, 0.9],
      [1, 0.5],
      [5, 0.2],
    ],
  ],
  [
    'Saturate clamps a signed Attribute at 0',
    ['Saturate', N, { midpoint: 5 }],
    [
      [3, 10 / 15],
      [2, 4 / 9],
    ],
  ],
  [
    'Decay maps x to midpoint/(x+midpoint)',
    ['Decay', POP, { midpoint: 10 }],
    [
      [2, 1],
      [5, 2 / 3],
      [1, 0.5],
      [3, 0.25],
    ],
  ],
  [
    'Dist is the absolute distance to the origin',
    ['Dist', POP, 12],
    [
      [3, 18],
      [2, 12],
      [5, 7],
      [1, 2],
    ],
  ],
  [
    'Dist accepts a signed Attribute (distances are never negative)',
    ['Dist', N, 4],
    [
      [1, 7],
      [3, 6],
    ],
  ],
  [
    'Decay of a datetime Dist with a duration midpoint; ties by id',
    ['Decay', ['Dist', T, '2026-01-02T00:00:00Z'], { midpoint: '12h' }],
    [
      [3, 1],
      [2, 0.5],
      [1, 1 / 3],
      [4, 1 / 3],
    ],
  ],
  [
    'Decay of a datetime Dist with a midpoint in milliseconds',
    ['Decay', ['Dist', T, '2026-01-02T00:00:00Z'], { midpoint: DAY / 2 }],
    [
      [3, 1],
      [2, 0.5],
      [1, 1 / 3],
      [4, 1 / 3],
    ],
  ],
  [
    'Dist of a datetime from an origin in epoch milliseconds, in milliseconds',
    ['Dist', T, Date.parse('2026-01-02T00:00:00Z')],
    [
      [1, DAY],
      [4, DAY],
      [2, DAY / 2],
    ],
  ],
  [
    'a filter as a clause adds 1 where it matches',
    ['Sum', [HELLO, ['tag', 'Eq', 'a']]],
    [
      [1, B1 + 1],
      [2, B2],
    ],
  ],
  [
    'a filter boost alone, weighted by Product',
    ['Product', 2.0, ['tag', 'Eq', 'b']],
    [
      [2, 2],
      [4, 2],
    ],
  ],
  [
    'And/Or/Not filters as clauses',
    ['Not', ['tag', 'Eq', 'b']],
    [
      [1, 1],
      [3, 1],
      [5, 1],
    ],
  ],
  [
    "the docs' weighted Saturate example: Sum of BM25 and Product(1.7, Saturate)",
    ['Sum', [HELLO, ['Product', 1.7, ['Saturate', POP, { midpoint: 10 }]]]],
    [
      [1, B1 + 0.85],
      [3, 1.7 * 0.75],
      [2, B2],
      [5, 1.7 / 3],
    ],
  ],
];

describe('rank_by: computed forms', () => {
  it.each(COMPUTED)('%s', async (_name, rankBy, expected) => {
    const rows = await t.rows('r', { rank_by: rankBy, top_k: 10 });
    expect(rows.map((r) => r.id)).toEqual(expected.map(([id]) => id));
    rows.forEach((r, i) => expect(r.$dist).toBeCloseTo(expected[i]?.[1] as number, 12));
  });

  it('filters and top_k apply to attribute scores as to BM25', async () => {
    const rows = await t.rows('r', { rank_by: ['Product', 2, POP], filters: ['pop', 'Lt', 20], top_k: 1 });
    expect(rows).toEqual([{ id: 1, $dist: 20 }]);
  });

  it('an Attribute no document has has no score anywhere (as in filters)', async () => {
    expect(await t.rows('r', { rank_by: ['Sum', [HELLO, ['Attribute', 'never_written']]] })).toEqual([
      { id: 2, $dist: B2 },
      { id: 1, $dist: B1 },
    ]);
  });
});

describe('rank_by: documented forms the engine does not compute', () => {
  it.each([
    ['SparseKNN inside Sum', ['Sum', [HELLO, ['sparse', 'SparseKNN', { a: 1 }]]], 'SparseKNN'],
    ['ANN inside Max', ['Max', [HELLO, ['vector', 'ANN', [1, 0]]]], 'combining ANN/kNN'],
    ['Embed as the ANN query', ['vector', 'ANN', ['Embed', 'hello']], 'Embed'],
    ['a multi-vector ANN query', ['vector', 'ANN', [[1, 0]]], 'late interaction'],
    ['an expression as the ANN query', ['vector', 'ANN', ['vector', 'VectorDist', [1, 0]]], 'expressions as'],
  ])('%s is a 400 naming it', async (_name, rankBy, feature) => {
    const err = await t.error(t.query('r', { rank_by: rankBy }));
    expect(err.code).toBe('HEV_UNSUPPORTED');
    expect(err.message).toContain(feature);
  });
});

const SIGNED = '["Max", 0, …] (or Saturate, Decay or Dist) so that scores are never negative';
const MALFORMED: [string, unknown, string][] = [
  [
    'not an array',
    5,
    'at rank_by: expected an array such as ["text", "BM25", "query"] or ["attr", "asc"], got 5',
  ],
  [
    'Sum without a list',
    ['Sum', HELLO],
    'at rank_by: Sum takes a list of clauses: ["Sum", [clause, ...]], got ["Sum",["text","BM25","hello"]]',
  ],
  [
    'Sum with two operands',
    ['Sum', 1, HELLO],
    'at rank_by: Sum takes a list of clauses: ["Sum", [clause, ...]], got ["Sum",1,["text","BM25","hello"]]',
  ],
  [
    'Max with three operands',
    ['Max', 0, POP, 1],
    'at rank_by: Max takes a list of clauses or two operands: ["Max", [clause, ...]] or ["Max", 0, clause], got ["Max",0,["Attribute","pop"],1]',
  ],
  [
    'Max of constants only',
    ['Max', [0, 1]],
    'at rank_by: Max needs at least one clause besides constants, got ["Max",[0,1]]',
  ],
  [
    'a negative Max constant',
    ['Max', -1, POP],
    'at rank_by[1]: a Max constant must be a number >= 0, got -1',
  ],
  [
    'a negative Sum constant in a list',
    ['Sum', [HELLO, -2]],
    'at rank_by[1][1]: a Sum constant must be a number >= 0, got -2',
  ],
  [
    'a negative Product weight',
    ['Product', -1, HELLO],
    'at rank_by[1]: the Product weight must be a number >= 0, got -1',
  ],
  [
    'Product of two constants',
    ['Product', 2, 3],
    'at rank_by: Product takes a weight and a clause: ["Product", 2, clause] or ["Product", clause, 2], got ["Product",2,3]',
  ],
  [
    'Product of two clauses',
    ['Product', POP, POP],
    'at rank_by: Product takes a weight and a clause: ["Product", 2, clause] or ["Product", clause, 2], got ["Product",["Attribute","pop"],["Attribute","pop"]]',
  ],
  [
    'Attribute without a name',
    ['Attribute'],
    'at rank_by: Attribute takes one attribute name: ["Attribute", "name"], got ["Attribute"]',
  ],
  [
    'Attribute of a string',
    ['Attribute', 'tag'],
    'at rank_by: Attribute needs a numeric or datetime attribute; `tag` is string, got ["Attribute","tag"]',
  ],
  [
    'Attribute of the id',
    ['Attribute', 'id'],
    'at rank_by: Attribute reads a numeric attribute, not the document id, got ["Attribute","id"]',
  ],
  [
    'a signed Attribute alone',
    N,
    `at rank_by: Attribute \`n\` has the signed type int; wrap it in ${SIGNED}`,
  ],
  [
    'a signed Attribute in a Sum',
    ['Sum', [HELLO, ['Product', 2, N]]],
    `at rank_by[1][1][2]: Attribute \`n\` has the signed type int; wrap it in ${SIGNED}`,
  ],
  [
    'a signed Attribute in a Max whose other clause has no value everywhere',
    ['Max', [HELLO, N]],
    `at rank_by[1][1]: Attribute \`n\` has the signed type int; wrap it in ${SIGNED}`,
  ],
  [
    'a signed Attribute in a Max of signed clauses',
    ['Max', [N, T]],
    `at rank_by[1][0]: Attribute \`n\` has the signed type int; wrap it in ${SIGNED}`,
  ],
  [
    'Saturate without parameters',
    ['Saturate', POP],
    'at rank_by: Saturate takes a clause and parameters: ["Saturate", clause, {"midpoint": m}], got ["Saturate",["Attribute","pop"]]',
  ],
  [
    'Saturate without a midpoint',
    ['Saturate', POP, {}],
    'at rank_by[2].midpoint: Saturate needs a midpoint: a number > 0, got nothing',
  ],
  [
    'Decay with a zero midpoint',
    ['Decay', POP, { midpoint: 0 }],
    'at rank_by[2].midpoint: Decay needs a midpoint: a number > 0, got 0',
  ],
  [
    'a duration midpoint on a number',
    ['Saturate', POP, { midpoint: '6h' }],
    'at rank_by[2].midpoint: a duration midpoint needs a datetime operand (a datetime Attribute, or a Dist over one), got "6h"',
  ],
  [
    'a malformed duration midpoint',
    ['Decay', ['Dist', T, '2026-01-01'], { midpoint: '6 hours' }],
    'at rank_by[2].midpoint: the Decay midpoint must be a duration such as "6h" (s, m, h, d, w) or milliseconds > 0, got "6 hours"',
  ],
  [
    'an unknown Saturate parameter',
    ['Saturate', POP, { midpoint: 10, steepness: 2 }],
    'at rank_by[2]: Saturate parameters are midpoint and exponent, not `steepness`, got {"midpoint":10,"steepness":2}',
  ],
  [
    'a zero exponent',
    ['Decay', POP, { midpoint: 1, exponent: 0 }],
    'at rank_by[2].exponent: the Decay exponent must be a number > 0, got 0',
  ],
  [
    'a datetime Dist from a non-datetime origin',
    ['Decay', ['Dist', T, 'yesterday'], { midpoint: '6h' }],
    'at rank_by[1][2]: the origin of a datetime distance must be a datetime such as "2026-02-03T12:13:14" or epoch milliseconds, got "yesterday"',
  ],
  [
    'a numeric Dist from a string origin',
    ['Dist', POP, 'near'],
    'at rank_by[2]: the Dist origin must be a number, got "near"',
  ],
  [
    'Dist without an origin',
    ['Dist', POP],
    'at rank_by: Dist takes a clause and an origin: ["Dist", ["Attribute", "x"], origin], got ["Dist",["Attribute","pop"]]',
  ],
  [
    'an unknown operator',
    ['text', 'BM26', 'hello'],
    'at rank_by: expected [attr, "BM25", query], a filter such as [attr, "Eq", value], or one of Sum, Max, Product, Attribute, Saturate, Decay, Dist, got ["text","BM26","hello"]',
  ],
  [
    'a constant where a clause belongs',
    ['Saturate', 3, { midpoint: 1 }],
    'at rank_by[1]: expected a ranking clause, got 3',
  ],
  [
    'BM25 on a non-FTS attribute',
    ['tag', 'BM25', 'a'],
    'at rank_by: `tag` does not have full_text_search enabled, got ["tag","BM25","a"]',
  ],
  [
    'a bad multi-attribute order key',
    [
      ['pop', 'asc'],
      ['n', 'up'],
    ],
    'at rank_by[1]: order keys look like ["attr", "asc"|"desc"], got ["n","up"]',
  ],
];

describe('rank_by: malformed expressions', () => {
  it.each(MALFORMED)('%s is a 400 saying where and what was expected', async (_name, rankBy, message) => {
    const err = await t.error(t.query('r', { rank_by: rankBy }));
    expect(err.code).toBe('HEV_INVALID_REQUEST');
    expect(err.message).toBe(`invalid rank_by ${message}`);
  });
});
