import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestStore, type TestStore } from './testing.ts';

let t: TestStore;

const DOCS = [
  {
    id: 1,
    name: 'apple',
    n: 1,
    f: 1.5,
    tags: ['a', 'b'],
    ok: true,
    ts: '2024-01-01T00:00:00Z',
    body: 'the quick brown fox',
  },
  { id: 2, name: 'banana', n: 5, tags: ['b'], ok: false, ts: '2024-06-01', body: 'lazy dogs sleep' },
  { id: 3, name: 'Cherry', n: 10, f: -2, tags: [], body: 'quick quick fox jumps over the lazy dog' },
  { id: 4 },
  { id: 5, name: 'date', n: 3, tags: ['c', 'a'], body: 'brown bread' },
];

beforeAll(async () => {
  t = await openTestStore();
  await t.write('f', {
    upsert_rows: DOCS,
    schema: {
      ts: 'datetime',
      name: { type: 'string', regex: true, glob: true, filterable: true },
      body: { type: 'string', full_text_search: true },
    },
  });
});
afterAll(async () => t.close());

async function ids(filters: unknown): Promise<unknown[]> {
  const rows = await t.rows('f', { rank_by: ['id', 'asc'], top_k: 100, filters });
  return rows.map((r) => r.id);
}

describe('filter operators', () => {
  const table: [string, unknown, number[]][] = [
    ['Eq', ['name', 'Eq', 'apple'], [1]],
    ['Eq null = missing', ['name', 'Eq', null], [4]],
    ['NotEq', ['name', 'NotEq', 'apple'], [2, 3, 4, 5]],
    ['NotEq null = present', ['name', 'NotEq', null], [1, 2, 3, 5]],
    ['In', ['n', 'In', [1, 3, 99]], [1, 5]],
    ['In with null matches missing', ['n', 'In', [null, 10]], [3, 4]],
    ['NotIn', ['n', 'NotIn', [1, 3]], [2, 3, 4]],
    ['In on an array attribute = any element', ['tags', 'In', ['c']], [5]],
    ['Eq on an array attribute = whole array', ['tags', 'Eq', ['b']], [2]],
    ['Contains', ['tags', 'Contains', 'a'], [1, 5]],
    ['NotContains', ['tags', 'NotContains', 'a'], [2, 3, 4]],
    ['ContainsAny', ['tags', 'ContainsAny', ['c', 'b']], [1, 2, 5]],
    ['NotContainsAny', ['tags', 'NotContainsAny', ['c', 'b']], [3, 4]],
    ['Lt (null is smallest)', ['n', 'Lt', 5], [1, 4, 5]],
    ['Lte', ['n', 'Lte', 5], [1, 2, 4, 5]],
    ['Gt', ['n', 'Gt', 3], [2, 3]],
    ['Gte', ['n', 'Gte', 3], [2, 3, 5]],
    ['Gt on float', ['f', 'Gt', 0], [1]],
    ['Lt on string is lexicographic (bytes)', ['name', 'Lt', 'b'], [1, 3, 4]],
    ['Lt null matches nothing', ['n', 'Lt', null], []],
    ['Gte null matches everything', ['n', 'Gte', null], [1, 2, 3, 4, 5]],
    ['datetime Gte', ['ts', 'Gte', '2024-03-01T00:00:00Z'], [2]],
    ['datetime Eq', ['ts', 'Eq', '2024-01-01T00:00:00Z'], [1]],
    ['AnyLt', ['tags', 'AnyLt', 'b'], [1, 5]],
    ['AnyGte', ['tags', 'AnyGte', 'c'], [5]],
    ['AnyLte', ['tags', 'AnyLte', 'a'], [1, 5]],
    ['AnyGt', ['tags', 'AnyGt', 'a'], [1, 2, 5]],
    ['Glob', ['name', 'Glob', '*an*'], [2]],
    ['Glob ? and class', ['name', 'Glob', '[ad]???*'], [1, 5]],
    ['Glob alternation', ['name', 'Glob', '{apple,date}'], [1, 5]],
    ['NotGlob', ['name', 'NotGlob', 'a*'], [2, 3, 4, 5]],
    ['IGlob', ['name', 'IGlob', 'c*'], [3]],
    ['NotIGlob', ['name', 'NotIGlob', 'C*'], [1, 2, 4, 5]],
    ['Glob is case-sensitive', ['name', 'Glob', 'c*'], []],
    ['Regex', ['name', 'Regex', '^[a-c]'], [1, 2]],
    ['Regex (?i)', ['name', 'Regex', '(?i)^c'], [3]],
    ['bool Eq', ['ok', 'Eq', false], [2]],
    ['ContainsAllTokens', ['body', 'ContainsAllTokens', 'quick fox'], [1, 3]],
    [
      'ContainsAllTokens last_as_prefix',
      ['body', 'ContainsAllTokens', 'lazy do', { last_as_prefix: true }],
      [2, 3],
    ],
    ['ContainsAnyToken', ['body', 'ContainsAnyToken', 'bread dogs'], [2, 5]],
    ['ContainsAnyToken with a list', ['body', 'ContainsAnyToken', ['jumps', 'sleep']], [2, 3]],
    ['ContainsTokenSequence', ['body', 'ContainsTokenSequence', 'quick brown'], [1]],
    ['ContainsTokenSequence keeps stop word gaps', ['body', 'ContainsTokenSequence', 'over the lazy'], [3]],
    ['id Eq', ['id', 'Eq', 3], [3]],
    ['id In', ['id', 'In', [1, 2, 42]], [1, 2]],
    ['id Gt', ['id', 'Gt', 3], [4, 5]],
    [
      'And',
      [
        'And',
        [
          ['n', 'Gte', 3],
          ['tags', 'Contains', 'b'],
        ],
      ],
      [2],
    ],
    [
      'Or',
      [
        'Or',
        [
          ['name', 'Eq', 'apple'],
          ['n', 'Eq', 10],
        ],
      ],
      [1, 3],
    ],
    ['Not', ['Not', ['n', 'Lt', 5]], [2, 3]],
    [
      'nested',
      [
        'Not',
        [
          'Or',
          [
            ['id', 'Eq', 1],
            [
              'And',
              [
                ['n', 'Gt', 1],
                ['n', 'Lt', 10],
              ],
            ],
          ],
        ],
      ],
      [3, 4],
    ],
  ];
  it.each(table)('%s', async (_name, filter, expected) => {
    expect(await ids(filter)).toEqual(expected);
  });

  it('filters on an attribute no document has treat every value as null', async () => {
    expect(await ids(['nope', 'Eq', null])).toEqual([1, 2, 3, 4, 5]);
    expect(await ids(['nope', 'Eq', 'x'])).toEqual([]);
  });
});

describe('filter errors', () => {
  const table: [string, unknown, RegExp][] = [
    [
      'ContainsAny on []string with a number',
      ['tags', 'ContainsAny', 5],
      /filter error in key `tags`: type mismatch, ContainsAny expects \[\]string, but got 5/,
    ],
    [
      'Eq string attr with a number',
      ['name', 'Eq', 1],
      /filter error in key `name`: type mismatch, Eq expects string/,
    ],
    ['Eq int attr with a float', ['n', 'Eq', 1.5], /type mismatch, Eq expects int/],
    ['In needs a list', ['n', 'In', 1], /type mismatch, In expects \[\]int/],
    [
      'Contains on a scalar attribute',
      ['name', 'Contains', 'a'],
      /type mismatch, Contains expects an array attribute/,
    ],
    ['Lt on an array attribute', ['tags', 'Lt', 'a'], /use AnyLt/],
    ['unknown operator', ['n', 'Like', 1], /unknown filter operator "Like"/],
    ['bad shape', ['n'], /invalid filter/],
    ['Regex without regex: true', ['tags', 'Regex', 'a'], /need `regex: true`/],
    ['token filter without full_text_search', ['name', 'ContainsAllTokens', 'a'], /needs full_text_search/],
    ['FTS attributes are not filterable by default', ['body', 'Eq', 'x'], /attribute is not filterable/],
    ['bad regex', ['name', 'Regex', '('], /invalid regex/],
    ['look-around is not Rust regex', ['name', 'Regex', 'a(?=b)'], /look-around/],
    ['bad datetime', ['ts', 'Gt', 'yesterday'], /type mismatch, Gt expects datetime/],
    ['$ref_new outside conditions', ['n', 'Eq', { $ref_new: 'n' }], /only allowed in the conditions/],
    ['Fuzzy', ['name', 'Fuzzy', 'appel'], /Fuzzy filters are not supported/],
  ];
  it.each(table)('%s', async (_name, filters, message) => {
    const err = await t.error(t.query('f', { rank_by: ['id', 'asc'], filters }));
    expect(err.status).toBe(400);
    expect(err.message).toMatch(message);
  });
});
