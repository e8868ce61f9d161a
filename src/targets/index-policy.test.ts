import { describe, expect, it } from 'vitest';
import { applyDistanceMetric } from './index-policy.ts';
import { Payload } from '../wire/payload.ts';

const apply = (body: unknown) =>
  applyDistanceMetric(Payload.fromBytes(Buffer.from(JSON.stringify(body))), 'cosine_distance', 'products');

describe('applyDistanceMetric', () => {
  it('adds the Index metric to writes with vectors', () => {
    const out = apply({ upsert_rows: [{ id: 1, vector: [1, 0] }] });
    expect(out.value()).toMatchObject({ distance_metric: 'cosine_distance' });
  });

  it('adds it for columnar vectors and schema-declared vector columns', () => {
    expect(apply({ upsert_columns: { id: [1], vector: [[1, 0]] } }).value()).toMatchObject({
      distance_metric: 'cosine_distance',
    });
    expect(apply({ schema: { emb: '[2]f32' }, upsert_rows: [{ id: 1, emb: [1, 0] }] }).value()).toMatchObject(
      {
        distance_metric: 'cosine_distance',
      },
    );
  });

  it('leaves writes without vectors byte-identical', () => {
    const original = Payload.fromBytes(Buffer.from('{"upsert_rows":[{"id":1,"title":"x"}]}'));
    expect(applyDistanceMetric(original, 'cosine_distance', 'products')).toBe(original);
    const deletes = Payload.fromBytes(Buffer.from('{"deletes":[1]}'));
    expect(applyDistanceMetric(deletes, 'cosine_distance', 'products')).toBe(deletes);
  });

  it('accepts the same metric and refuses a different one', () => {
    expect(() => apply({ distance_metric: 'cosine_distance', upsert_rows: [] })).not.toThrow();
    expect(() =>
      apply({ distance_metric: 'euclidean_squared', upsert_rows: [{ id: 1, vector: [1] }] }),
    ).toThrow(/conflicts with Index "products"/);
  });

  it('refuses non-object bodies', () => {
    expect(() => apply([1, 2])).toThrow(/JSON object/);
    expect(() => apply('x')).toThrow(/JSON object/);
  });
});
