import { describe, expect, it } from 'vitest';
import { HevError } from '../wire/errors.ts';
import {
  attributeTypesOf,
  checkDeclarations,
  planWriteSchema,
  repairsOf,
  shardSchemaOf,
  type ShardSchema,
} from './schema-plan.ts';

/** A shard's schema from `{attr: type}`; undefined for a shard namespace that does not exist. */
const shard = (types: Record<string, string> | undefined): ShardSchema =>
  types === undefined
    ? undefined
    : shardSchemaOf(Object.fromEntries(Object.entries(types).map(([a, type]) => [a, { type }])));

const everyShardCreates = () => true;

function rejection(fn: () => unknown): HevError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(HevError);
    return error as HevError;
  }
  throw new Error('expected a rejection');
}

describe('planWriteSchema judges a write as one namespace would', () => {
  const shards = [shard({ id: 'uint', n: 'int' }), shard({ id: 'uint', n: 'int', tag: 'string' }), undefined];

  it.each([
    [
      'a value of another type, on a shard that never saw the attribute',
      { upsert_rows: [{ id: 1, tag: 17 }] },
      'type mismatch for attribute `tag`: expected string, got 17',
    ],
    [
      'a declared type change',
      { schema: { tag: 'int' } },
      "invalid schema update for attribute 'tag': cannot change attribute type from string to int",
    ],
    [
      'an id of another type',
      { upsert_rows: [{ id: 'a', n: 1 }] },
      'invalid id "a": this namespace has uint ids (integers 0..2^64-1)',
    ],
    [
      'a patch of a known attribute with another type',
      { patch_columns: { id: [1, 2], n: [1, 'x'] } },
      'type mismatch for attribute `n`: expected int, got "x"',
    ],
    [
      'two values of a new attribute that disagree',
      {
        upsert_rows: [
          { id: 1, mood: 'ok' },
          { id: 2, mood: 3 },
        ],
      },
      'conflicting value types for attribute `mood` in one write: string and int',
    ],
    [
      'an attribute name starting with $',
      { upsert_rows: [{ id: 1, $x: 1 }] },
      'invalid attribute name `$x`: names must not start with `$`',
    ],
  ])('rejects %s with the unsharded 400', (_what, body, message) => {
    const err = rejection(() => planWriteSchema(shards, body, everyShardCreates));
    expect(err.status).toBe(400);
    expect(err.message).toBe(message);
  });

  it('rejects a vector of another width than the Index vector column', () => {
    const vectors = [shard({ id: 'uint', vector: '[3]f32' }), undefined];
    const body = { upsert_rows: [{ id: 1, vector: [1, 2] }] };
    expect(rejection(() => planWriteSchema(vectors, body, everyShardCreates)).message).toBe(
      'vector dimension mismatch for attribute `vector`: expected 3, got 2',
    );
  });

  it('accepts nulls, int into float, datetime text, and values of attributes it cannot judge', () => {
    const typed = [shard({ id: 'uint', f: 'float', at: 'datetime', sparse: '{}f32', later: 'future' })];
    const body = {
      upsert_rows: [{ id: 1, f: 2, at: '2026-01-01', sparse: { 3: 0.5 }, later: { any: 1 } }],
      patch_rows: [{ id: 2, f: null }],
    };
    expect(planWriteSchema(typed, body, everyShardCreates).sends).toEqual([undefined]);
  });
});

describe('planWriteSchema plans what reaches each shard before the rows', () => {
  it('sends a new attribute, typed as the engine infers it, to every existing shard', () => {
    const shards = [shard({ id: 'uint', n: 'int' }), shard({ id: 'uint', n: 'int' })];
    const plan = planWriteSchema(
      shards,
      {
        upsert_rows: [
          { id: 1, score: 1 },
          { id: 2, score: 2.5 },
        ],
      },
      everyShardCreates,
    );
    expect(plan.sends).toEqual([{ score: { type: 'float' } }, { score: { type: 'float' } }]);
    expect([...plan.inferred]).toEqual([['score', 'float']]);
  });

  it('creates a missing shard with the whole Index schema and id type, only when its part creates it', () => {
    const shards = [shard({ id: 'string', n: 'int', at: 'datetime' }), undefined, undefined];
    const plan = planWriteSchema(shards, { upsert_rows: [{ id: 'x', at: '2026-01-01' }] }, (i) => i === 1);
    expect(plan.sends).toEqual([
      undefined,
      { n: { type: 'int' }, at: { type: 'datetime' }, id: { type: 'string' } },
      undefined,
    ]);
  });

  it('sends declarations only where the attribute is missing, never vector columns', () => {
    const shards = [shard({ id: 'uint', tag: 'string' }), shard({ id: 'uint' })];
    const schema = { tag: { type: 'string', regex: true }, vector: '[2]f32' };
    const plan = planWriteSchema(
      shards,
      { schema, upsert_rows: [{ id: 1, vector: [1, 2] }] },
      everyShardCreates,
    );
    expect(plan.sends).toEqual([undefined, { tag: { type: 'string', regex: true } }]);
    expect(plan.inferred.size).toBe(0);
  });

  it('infers a vector column without pre-applying it', () => {
    const plan = planWriteSchema(
      [undefined, undefined],
      { upsert_rows: [{ id: 1, vector: [1, 2] }] },
      everyShardCreates,
    );
    expect(plan.sends).toEqual([undefined, undefined]);
    expect([...plan.inferred]).toEqual([['vector', '[2]f32']]);
  });

  it('sends nothing when the write brings nothing new', () => {
    const shards = [shard({ id: 'uint', n: 'int' }), shard({ id: 'uint', n: 'int' }), undefined];
    const body = {
      upsert_rows: [{ id: 1, n: 1 }],
      deletes: [2],
      patch_by_filter: { filters: ['n', 'Eq', 1], patch: { n: 2 } },
    };
    expect(planWriteSchema(shards, body, () => false).sends).toEqual([undefined, undefined, undefined]);
  });
});

describe('the Index schema across shards', () => {
  it('checkDeclarations rejects a type change of the schema endpoint', () => {
    const index = new Map([['tag', { type: 'string', filterable: true }]]);
    expect(() => checkDeclarations(index, { tag: 'string', other: 'int' })).not.toThrow();
    expect(rejection(() => checkDeclarations(index, { tag: { type: '[]string' } })).message).toBe(
      "invalid schema update for attribute 'tag': cannot change attribute type from string to []string",
    );
  });

  it('repairsOf sends an existing shard what it lacks (with its full config), and nothing to a missing one', () => {
    const fts = { type: 'string', full_text_search: { k1: 1.2 } };
    const shards = [shardSchemaOf({ id: { type: 'uint' }, title: fts }), shard({ id: 'uint' }), undefined];
    expect(repairsOf(shards)).toEqual([undefined, { title: fts }, undefined]);
  });

  it('attributeTypesOf gives each attribute its type name, first shard first', () => {
    const shards = [undefined, shard({ id: 'uint', at: 'datetime' }), shard({ at: 'datetime', n: 'int' })];
    expect([...attributeTypesOf(shards)]).toEqual([
      ['id', 'uint'],
      ['at', 'datetime'],
      ['n', 'int'],
    ]);
  });
});
