/**
 * Which queries are id lookups the document cache may answer (documents.ts idLookup): exactly an
 * id Eq/In filter ranked by id, with a positive top_k/limit; everything else goes the usual way.
 */
import { describe, expect, it } from 'vitest';
import { idLookup, MAX_LOOKUP_IDS } from './documents.ts';

const base = { rank_by: ['id', 'asc'], top_k: 10 };

describe('idLookup', () => {
  it.each([
    [
      { ...base, filters: ['id', 'Eq', 5] },
      { ids: [5], include: false, descending: false, limit: 10 },
    ],
    [
      {
        ...base,
        filters: ['id', 'In', ['a', 'b']],
        include_attributes: ['title'],
        consistency: { level: 'eventual' },
      },
      { ids: ['a', 'b'], include: ['title'], descending: false, limit: 10 },
    ],
    [
      { rank_by: ['id', 'desc'], limit: 2, filters: ['id', 'In', [1n, 2]], include_attributes: true },
      { ids: [1n, 2], include: true, descending: true, limit: 2 },
    ],
  ])('case %# is a lookup', (body, expected) => {
    expect(idLookup(body)).toEqual(expected);
  });

  it.each([
    [{ ...base, filters: ['id', 'Gt', 5] }],
    [{ ...base, filters: ['title', 'Eq', 'x'] }],
    [{ ...base, filters: ['And', [['id', 'Eq', 5]]] }],
    [{ ...base, filters: ['id', 'In', []] }],
    [{ ...base, filters: ['id', 'In', Array.from({ length: MAX_LOOKUP_IDS + 1 }, (_, i) => i)] }],
    [{ ...base, filters: ['id', 'Eq', 1.5] }],
    [{ rank_by: ['price', 'asc'], top_k: 10, filters: ['id', 'Eq', 5] }],
    [{ rank_by: ['id', 'asc'], filters: ['id', 'Eq', 5] }],
    [{ ...base, top_k: 0, filters: ['id', 'Eq', 5] }],
    [{ ...base, filters: ['id', 'Eq', 5], exclude_attributes: ['x'] }],
    [{ ...base, filters: ['id', 'Eq', 5], vector_encoding: 'base64' }],
    [{ ...base, filters: ['id', 'Eq', 5], include_attributes: 'title' }],
    [{ queries: [{ ...base, filters: ['id', 'Eq', 5] }] }],
    ['not an object'],
  ])('case %# is not a lookup', (body) => {
    expect(idLookup(body)).toBeUndefined();
  });
});
