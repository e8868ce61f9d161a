/**
 * Every filter operator of reference §5.3 against one hand-made fixture; each expected id list was
 * worked out by hand from FRUITS. Where the reference leaves null handling open (Lt/Lte on nulls,
 * NotEq/NotIn on nulls) the cases avoid relying on it.
 */
import { beforeAll, describe, expect } from 'vitest';
import type { Filter, ID } from '@turbopuffer/turbopuffer';
import { expectBadRequest, idsWhere, type Harness } from '../harness.ts';
import { NS } from '../namespaces.ts';

// prettier-ignore
const FRUITS = [
  { id: 1, name: 'apple', n: 1, price: 1.5, tags: ['red', 'fruit'], nums: [1, 5], active: true, color: 'red', body: 'red apple pie' },
  { id: 2, name: 'Apricot', n: 2, price: 2.5, tags: ['orange', 'fruit'], nums: [2], active: false, color: 'orange', body: 'apricot jam recipe' },
  { id: 3, name: 'banana', n: 3, price: 0.5, tags: ['yellow', 'fruit'], nums: [3, 30], active: true, body: 'banana bread recipe' },
  { id: 4, name: 'blueberry', n: 4, price: 4.0, tags: ['blue', 'berry', 'fruit'], nums: [4], active: false, color: 'blue', body: 'blueberry pie' },
  { id: 5, name: 'carrot', n: 5, price: 1.0, tags: ['orange', 'vegetable'], nums: [50], active: true, color: 'orange', body: 'carrot cake' },
  { id: 6, name: 'Cherry', n: 6, price: 3.0, tags: ['red', 'fruit'], nums: [6, 7], active: false, color: 'red', body: 'cherry pie and apple' },
  { id: 7, name: 'date', n: 7, tags: ['brown'], nums: [70], body: 'date' },
  { id: 8, name: 'eggplant', n: 8, price: 2.0, tags: ['purple', 'vegetable'], nums: [8], active: true, color: 'purple', body: 'grilled eggplant' },
];

const CASES: ReadonlyArray<readonly [string, Filter, ID[]]> = [
  ['Eq string', ['name', 'Eq', 'apple'], [1]],
  ['Eq int', ['n', 'Eq', 3], [3]],
  ['Eq float', ['price', 'Eq', 2.5], [2]],
  ['Eq bool', ['active', 'Eq', false], [2, 4, 6]],
  ['Eq null matches missing values', ['color', 'Eq', null], [3, 7]],
  ['NotEq null matches present values', ['color', 'NotEq', null], [1, 2, 4, 5, 6, 8]],
  ['NotEq value', ['n', 'NotEq', 3], [1, 2, 4, 5, 6, 7, 8]],
  ['In', ['n', 'In', [1, 3, 99]], [1, 3]],
  ['In strings', ['color', 'In', ['red', 'blue']], [1, 4, 6]],
  ['In on an array attribute matches any element', ['tags', 'In', ['berry', 'vegetable']], [4, 5, 8]],
  ['NotIn', ['n', 'NotIn', [1, 2, 3]], [4, 5, 6, 7, 8]],
  ['Contains', ['tags', 'Contains', 'fruit'], [1, 2, 3, 4, 6]],
  ['Contains on []int', ['nums', 'Contains', 30], [3]],
  ['NotContains', ['tags', 'NotContains', 'fruit'], [5, 7, 8]],
  ['ContainsAny', ['tags', 'ContainsAny', ['red', 'purple']], [1, 6, 8]],
  ['NotContainsAny', ['tags', 'NotContainsAny', ['fruit', 'brown']], [5, 8]],
  ['Lt', ['n', 'Lt', 3], [1, 2]],
  ['Lte', ['n', 'Lte', 3], [1, 2, 3]],
  ['Gt', ['n', 'Gt', 6], [7, 8]],
  ['Gte', ['n', 'Gte', 6], [6, 7, 8]],
  ['Gt float', ['price', 'Gt', 2.0], [2, 4, 6]],
  ['Gte float', ['price', 'Gte', 2.0], [2, 4, 6, 8]],
  ['Lt string is byte-wise lexicographic', ['name', 'Lt', 'b'], [1, 2, 6]],
  ['Gte string', ['name', 'Gte', 'd'], [7, 8]],
  ['AnyLt', ['nums', 'AnyLt', 2], [1]],
  ['AnyLte', ['nums', 'AnyLte', 2], [1, 2]],
  ['AnyGt', ['nums', 'AnyGt', 40], [5, 7]],
  ['AnyGte', ['nums', 'AnyGte', 30], [3, 5, 7]],
  ['Glob prefix (case-sensitive)', ['name', 'Glob', 'b*'], [3, 4]],
  ['Glob character class', ['name', 'Glob', '[bc]*'], [3, 4, 5]],
  ['Glob single character', ['name', 'Glob', '?ate'], [7]],
  ['NotGlob', ['name', 'NotGlob', '*e*'], [2, 3, 5]],
  ['IGlob', ['name', 'IGlob', 'a*'], [1, 2]],
  ['NotIGlob', ['name', 'NotIGlob', 'c*'], [1, 2, 3, 4, 7, 8]],
  ['Regex', ['name', 'Regex', 'rr'], [4, 5, 6]],
  ['Regex anchored', ['name', 'Regex', '^[A-Z]'], [2, 6]],
  ['ContainsAllTokens', ['body', 'ContainsAllTokens', 'apple pie'], [1, 6]],
  ['ContainsAnyToken', ['body', 'ContainsAnyToken', 'jam bread'], [2, 3]],
  [
    'ContainsAllTokens last_as_prefix',
    ['body', 'ContainsAllTokens', 'apple pi', { last_as_prefix: true }],
    [1, 6],
  ],
  [
    'ContainsAnyToken last_as_prefix',
    ['body', 'ContainsAnyToken', 'grill recip', { last_as_prefix: true }],
    [2, 3],
  ],
  ['ContainsTokenSequence', ['body', 'ContainsTokenSequence', 'apple pie'], [1]],
  [
    'And',
    [
      'And',
      [
        ['n', 'Gte', 2],
        ['active', 'Eq', true],
      ],
    ],
    [3, 5, 8],
  ],
  [
    'Or',
    [
      'Or',
      [
        ['color', 'Eq', 'red'],
        ['n', 'Eq', 8],
      ],
    ],
    [1, 6, 8],
  ],
  [
    'Not',
    [
      'Not',
      [
        'Or',
        [
          ['n', 'Lt', 3],
          ['n', 'Gt', 6],
        ],
      ],
    ],
    [3, 4, 5, 6],
  ],
  [
    'nested And/Or/Not',
    [
      'And',
      [
        [
          'Or',
          [
            ['color', 'Eq', 'red'],
            ['color', 'Eq', 'orange'],
          ],
        ],
        ['Not', ['active', 'Eq', true]],
      ],
    ],
    [2, 6],
  ],
  [
    'filters on id',
    [
      'Or',
      [
        ['id', 'In', [2, 4]],
        ['id', 'Gt', 7],
      ],
    ],
    [2, 4, 8],
  ],
];

export function defineFilterCases(h: Harness): void {
  const ns = () => h.ns(NS.filters);

  describe('filters', () => {
    beforeAll(async () => {
      await ns().write({
        schema: {
          name: { type: 'string', filterable: true, glob: true, regex: true },
          price: 'float',
          body: { type: 'string', full_text_search: true },
        },
        upsert_rows: FRUITS,
      });
    });

    for (const [label, filter, expected] of CASES) {
      h.it(`${label}: ${JSON.stringify(filter)}`, async () => {
        expect(await idsWhere(ns(), filter)).toEqual(expected);
      });
    }

    h.it('a value of the wrong type is a 400', async () => {
      await expectBadRequest(idsWhere(ns(), ['n', 'Eq', 'three']));
      await expectBadRequest(idsWhere(ns(), ['active', 'Eq', 'yes']));
    });

    h.it('list operators need a list, scalar operators a scalar (400 otherwise)', async () => {
      await expectBadRequest(idsWhere(ns(), ['tags', 'ContainsAny', 'red'] as unknown as Filter));
      await expectBadRequest(idsWhere(ns(), ['n', 'In', 3] as unknown as Filter));
      await expectBadRequest(idsWhere(ns(), ['tags', 'Contains', ['red']]));
    });

    h.it('an unknown operator is a 400', async () => {
      await expectBadRequest(idsWhere(ns(), ['n', 'Near', 3] as unknown as Filter));
    });

    h.it('Fuzzy on an attribute without a fuzzy index is a 400', async () => {
      await expectBadRequest(
        idsWhere(ns(), [
          'name',
          'Fuzzy',
          'appel',
          { max_edit_distance: [{ min_query_chars: 3, distance: 1 }] },
        ]),
      );
    });

    h.it('an invalid regular expression is a 400', async () => {
      await expectBadRequest(idsWhere(ns(), ['name', 'Regex', '(unclosed']));
    });
  });
}
