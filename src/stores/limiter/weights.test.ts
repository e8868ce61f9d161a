import { describe, expect, it } from 'vitest';
import { Payload } from '../../wire/payload.ts';
import { DEFAULT_WEIGHTS, payloadQueryWeight, queryWeight } from './weights.ts';

const vec = [0.1, 0.2];
const ann = { rank_by: ['vector', 'ANN', vec], top_k: 10 };
const knn = { rank_by: ['vector', 'kNN', vec], top_k: 10, filters: ['a', 'Eq', 1] };
const agg = { aggregate_by: { n: ['Count'] } };
const bm25 = { rank_by: ['text', 'BM25', 'kNN and queries'] };

describe('queryWeight', () => {
  const table: [string, unknown, number][] = [
    ['ANN', ann, 1],
    ['order by attribute', { rank_by: ['id', 'asc'] }, 1],
    ['kNN', knn, 2],
    ['aggregation', agg, 4],
    ['aggregation with group_by', { ...agg, group_by: ['color'] }, 4],
    ['aggregation and kNN: the larger', { ...agg, rank_by: knn.rank_by }, 4],
    ['aggregate_by null is not an aggregation', { aggregate_by: null, rank_by: ['id', 'asc'] }, 1],
    ['BM25 whose text mentions kNN', bm25, 1],
    ['multi-query sums', { queries: [ann, knn, agg] }, 7],
    ['multi-query capped at N', { queries: [agg, agg, agg, agg, agg] }, 16],
    ['empty multi-query costs 1', { queries: [] }, 1],
    ['non-object sub-queries cost the plain weight', { queries: [1, 'x', null] }, 3],
    ['not an object', 'hello', 1],
    ['undefined', undefined, 1],
  ];
  it.each(table)('%s', (_name, body, expected) => {
    expect(queryWeight(body, DEFAULT_WEIGHTS, 16)).toBe(expected);
  });

  it('uses custom weights', () => {
    expect(queryWeight({ queries: [agg, knn] }, { aggregate: 8, knn: 3, query: 1, other: 1 }, 100)).toBe(11);
  });
});

describe('payloadQueryWeight', () => {
  const raw = (value: unknown) => Payload.fromBytes(Buffer.from(JSON.stringify(value)));
  const table: [string, Payload, number][] = [
    ['raw ANN (fast path)', raw(ann), 1],
    ['raw kNN', raw(knn), 2],
    ['raw aggregation', raw(agg), 4],
    ['raw multi-query', raw({ queries: [agg, knn] }), 6],
    ['raw BM25 mentioning the markers', raw(bm25), 1],
    ['parsed kNN', Payload.fromValue(knn), 2],
    ['raw bad JSON with a marker', Payload.fromBytes(Buffer.from('{"aggregate_by": [')), 1],
    ['raw empty', Payload.fromBytes(Buffer.alloc(0)), 1],
  ];
  it.each(table)('%s', (_name, payload, expected) => {
    expect(payloadQueryWeight(payload, DEFAULT_WEIGHTS, 16)).toBe(expected);
  });

  it('leaves plain queries unparsed and never re-serializes', () => {
    const text = '{"rank_by":["vector","ANN",[0.1, 0.2]],  "top_k":10}';
    const plain = Payload.fromBytes(Buffer.from(text));
    payloadQueryWeight(plain, DEFAULT_WEIGHTS, 16);
    expect(plain.isRaw).toBe(true);
    const heavy = Payload.fromBytes(
      Buffer.from('{"aggregate_by": {"n": ["Count"]},  "id": 18446744073709551615}'),
    );
    expect(payloadQueryWeight(heavy, DEFAULT_WEIGHTS, 16)).toBe(4);
    expect(heavy.bytes().toString()).toBe('{"aggregate_by": {"n": ["Count"]},  "id": 18446744073709551615}');
  });
});
