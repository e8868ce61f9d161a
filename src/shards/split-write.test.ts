import { describe, expect, it } from 'vitest';
import { HevError } from '../wire/errors.ts';
import { shardOf } from './hash.ts';
import { splitWrite, type WriteBody } from './split-write.ts';

const N = 4;

/** Ids grouped by the shard that owns them, for building expectations. */
function idsOn(shard: number, count: number, start = 1): number[] {
  const out: number[] = [];
  for (let id = start; out.length < count; id++) if (shardOf(id, N) === shard) out.push(id);
  return out;
}

const [a0, b0] = idsOn(0, 2) as [number, number];
const [a1] = idsOn(1, 1) as [number];
const [a2, b2] = idsOn(2, 2) as [number, number];
const [a3] = idsOn(3, 1) as [number];

function expect400(fn: () => unknown, code: string, text: RegExp): void {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(HevError);
  expect((caught as HevError).status).toBe(400);
  expect((caught as HevError).code).toBe(code);
  expect((caught as HevError).message).toMatch(text);
}

describe('splitWrite', () => {
  it('routes upsert_rows, patch_rows and deletes by id and skips shards with nothing to do', () => {
    const { parts } = splitWrite(
      {
        upsert_rows: [
          { id: a0, v: 1 },
          { id: a2, v: 2 },
          { id: b0, v: 3 },
        ],
        patch_rows: [{ id: b2, v: 4 }],
        deletes: [a1],
        distance_metric: 'cosine_distance',
        return_affected_ids: true,
      },
      N,
    );
    expect(parts).toEqual([
      {
        upsert_rows: [
          { id: a0, v: 1 },
          { id: b0, v: 3 },
        ],
        distance_metric: 'cosine_distance',
        return_affected_ids: true,
      },
      { deletes: [a1], distance_metric: 'cosine_distance', return_affected_ids: true },
      {
        upsert_rows: [{ id: a2, v: 2 }],
        patch_rows: [{ id: b2, v: 4 }],
        distance_metric: 'cosine_distance',
        return_affected_ids: true,
      },
      undefined,
    ]);
  });

  it('splits upsert_columns and patch_columns with every column kept aligned', () => {
    const { parts } = splitWrite(
      {
        upsert_columns: {
          id: [a0, a3, b0],
          title: ['x', 'y', null],
          vector: [
            [1, 0],
            [0, 1],
            [1, 1],
          ],
        },
        patch_columns: { id: [a2], title: ['p'] },
      },
      N,
    );
    expect(parts[0]).toEqual({
      upsert_columns: {
        id: [a0, b0],
        title: ['x', null],
        vector: [
          [1, 0],
          [1, 1],
        ],
      },
    });
    expect(parts[1]).toBeUndefined();
    expect(parts[2]).toEqual({ patch_columns: { id: [a2], title: ['p'] } });
    expect(parts[3]).toEqual({ upsert_columns: { id: [a3], title: ['y'], vector: [[0, 1]] } });
  });

  it('splits a flat vector column and a base64 float32 column in their own encoding', () => {
    const f32 = (...xs: number[]) => Buffer.from(new Float32Array(xs).buffer);
    const b64 = Buffer.concat([f32(1, 2), f32(3, 4), f32(5, 6)]).toString('base64');
    const { parts } = splitWrite(
      { upsert_columns: { id: [a0, a3, b0], vector: [1, 2, 3, 4, 5, 6], emb: b64 } },
      N,
    );
    expect(parts[0]).toEqual({
      upsert_columns: {
        id: [a0, b0],
        vector: [1, 2, 5, 6],
        emb: Buffer.concat([f32(1, 2), f32(5, 6)]).toString('base64'),
      },
    });
    expect(parts[3]).toEqual({
      upsert_columns: { id: [a3], vector: [3, 4], emb: f32(3, 4).toString('base64') },
    });
  });

  it('sends each condition with its own operation only', () => {
    const upsertCondition = ['version', 'Lt', { $ref_new: 'version' }];
    const deleteCondition = ['status', 'Eq', 'stale'];
    const { parts } = splitWrite(
      {
        upsert_rows: [{ id: a0, version: 2 }],
        upsert_condition: upsertCondition,
        deletes: [a2],
        delete_condition: deleteCondition,
      },
      N,
    );
    expect(parts[0]).toEqual({ upsert_rows: [{ id: a0, version: 2 }], upsert_condition: upsertCondition });
    expect(parts[2]).toEqual({ deletes: [a2], delete_condition: deleteCondition });
    expect(parts[1]).toBeUndefined();
  });

  it('broadcasts delete_by_filter and patch_by_filter (with allow_partial) to every shard', () => {
    const filter = ['category', 'Eq', 'old'];
    const patch = { filters: ['category', 'Eq', 'new'], patch: { flag: true } };
    const { parts } = splitWrite(
      {
        delete_by_filter: filter,
        delete_by_filter_allow_partial: true,
        patch_by_filter: patch,
        patch_by_filter_allow_partial: false,
        upsert_rows: [{ id: a1 }],
      },
      N,
    );
    const common = {
      delete_by_filter: filter,
      delete_by_filter_allow_partial: true,
      patch_by_filter: patch,
      patch_by_filter_allow_partial: false,
    };
    expect(parts).toEqual([common, { ...common, upsert_rows: [{ id: a1 }] }, common, common]);
  });

  it('broadcasts schema, encryption and sharding even to shards that get no rows', () => {
    const schema = { id: 'uuid', text: { type: 'string', full_text_search: true } };
    const { parts } = splitWrite(
      {
        upsert_rows: [{ id: a0 }],
        schema,
        encryption: { mode: 'default' },
        sharding: { num_shards: 1 },
        distance_metric: 'euclidean_squared',
      },
      N,
    );
    const common = {
      schema,
      encryption: { mode: 'default' },
      sharding: { num_shards: 1 },
      distance_metric: 'euclidean_squared',
    };
    expect(parts).toEqual([{ ...common, upsert_rows: [{ id: a0 }] }, common, common, common]);
  });

  it('gives a write with nothing to route to shard 0 as-is', () => {
    expect(splitWrite({}, N).parts).toEqual([{}, undefined, undefined, undefined]);
    expect(splitWrite({ upsert_rows: [], distance_metric: 'cosine_distance' }, N).parts).toEqual([
      { upsert_rows: [], distance_metric: 'cosine_distance' },
      undefined,
      undefined,
      undefined,
    ]);
  });

  it('records the request position of every id', () => {
    const { idOrder } = splitWrite({ upsert_rows: [{ id: a2 }, { id: a0 }], deletes: ['x'] }, N);
    expect([...idOrder]).toEqual([
      [`u64:${a2}`, 0],
      [`u64:${a0}`, 1],
      ['str:x', 2],
    ]);
  });

  it('keeps a big u64 id exact', () => {
    const big = 18446744073709551615n;
    const { parts } = splitWrite({ upsert_rows: [{ id: big, x: 1 }] }, N);
    expect((parts[shardOf(big, N)] as WriteBody).upsert_rows).toEqual([{ id: big, x: 1 }]);
  });

  it.each([
    ['twice in upsert_rows', { upsert_rows: [{ id: 7 }, { id: 7 }] }],
    ['number and bigint spelling', { upsert_rows: [{ id: 7 }], deletes: [7n] }],
    ['rows and columns', { upsert_rows: [{ id: 7 }], patch_columns: { id: [7], x: [1] } }],
    ['patch and delete', { patch_rows: [{ id: 'a' }], deletes: ['a'] }],
    [
      'two UUID spellings',
      {
        upsert_rows: [{ id: '0195d5a8-7c2e-7f3b-9a41-3c5e8f0b2d17' }],
        deletes: ['0195D5A87C2E7F3B9A413C5E8F0B2D17'],
      },
    ],
  ])('rejects a duplicate id (%s) before anything is sent', (_name, body) => {
    expect400(() => splitWrite(body, N), 'HEV_DUPLICATE_ID', /duplicate document id/);
  });

  it.each([
    ['a non-object body', [1, 2], /must be a JSON object/],
    ['upsert_rows not an array', { upsert_rows: { id: 1 } }, /upsert_rows must be an array/],
    ['a row without id', { upsert_rows: [{ x: 1 }] }, /upsert_rows\[0\] has no id/],
    ['a row that is not an object', { patch_rows: [5] }, /patch_rows\[0\] must be an object/],
    ['a negative id', { deletes: [-1] }, /not a valid id/],
    ['deletes not an array', { deletes: 5 }, /deletes must be an array/],
    ['columns without id', { upsert_columns: { x: [1] } }, /upsert_columns\.id must be an array/],
    [
      'a short column',
      { upsert_columns: { id: [1, 2], x: [1] } },
      /upsert_columns\.x has 1 values but upsert_columns\.id has 2/,
    ],
    ['a scalar column', { upsert_columns: { id: [1], x: 3 } }, /upsert_columns\.x must be an array/],
    ['a ragged base64 column', { upsert_columns: { id: [1, 2], v: 'AAAAAAAAAAAA' } }, /do not divide/],
    [
      'copy_from_namespace',
      { copy_from_namespace: 'src' },
      /copy_from_namespace reached the shards without a resolved source Index/,
    ],
    [
      'branch_from_namespace',
      { branch_from_namespace: 'src' },
      /branch_from_namespace reached the shards without a resolved source/,
    ],
    ['an unknown field', { upsert_rows: [], frobnicate: 1 }, /unknown write field "frobnicate"/],
  ])('rejects %s with a clear 400', (_name, body, text) => {
    expect400(() => splitWrite(body, N), 'HEV_INVALID_REQUEST', text);
  });
});
