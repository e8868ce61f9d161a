/**
 * The shard merge orders strings exactly as the local engine does: the same rows, ordered by the
 * engine in one namespace, and split over shards, ordered by the engine per shard and merged by
 * mergeQueryResponses, come back in the same order.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestStore, type TestStore } from '../stores/local/testing.ts';
import { shardOf } from './hash.ts';
import { mergeQueryResponses } from './merge-query.ts';
import { planQuery } from './query-plan.ts';
import { attributeTypesOf, shardSchemaOf } from './schema-plan.ts';

const SHARDS = 3;

// Mixed case, accents (precomposed and combining), numeric-looking text, nulls, and characters on
// both sides of the UTF-16 vs code-point difference (U+E000..U+FFFF against astral code points).
const NAMES: readonly (string | null)[] = [
  'apple',
  'Apple',
  'APPLE',
  'banana',
  'Banana',
  'éclair',
  'eclair',
  'e\u0301clair',
  'Éclair',
  'zebra',
  'Zebra',
  '10',
  '9',
  '09',
  '1e3',
  '-1',
  '',
  ' ',
  'ß',
  'ss',
  '\uff5e tilde',
  '\ufffd',
  '\ue000 private',
  '\u{1f600} grin',
  '\u{10000} linear b',
  'a\u{1f600}',
  'a\uffff',
  null,
  null,
];

// Text that looks like a UTC timestamp: in a string attribute the engine compares it by bytes, in a
// datetime attribute (rendered as text, a zero fraction dropped) by instant.
const TIMESTAMP_TEXT = ['2026-01-01T00:00:00Z', '2026-01-01T00:00:00.500Z', '2026-01-01T00:00:01Z'];

let t: TestStore;

/** Ids in the order the engine answers for `prefix`-flat, and in the order the shard merge gives. */
async function orders(prefix: string, direction: 'asc' | 'desc') {
  const body = { rank_by: ['name', direction], top_k: 1000, include_attributes: ['name'] };
  const engineOrder = (await t.rows(`${prefix}-flat`, body)).map((row) => row.id);
  const { shardRequest, plan } = planQuery(body);
  const shards = [...(filled.get(prefix) ?? [])];
  // An empty shard answers no rows.
  const answers = await Promise.all(shards.map((s) => t.query(`${prefix}-${s}`, shardRequest)));
  // The types the shards layer knows: the Index schema, read from the shards.
  const schemas = await Promise.all(shards.map((s) => t.store.getSchema(`${prefix}-${s}`)));
  const types = attributeTypesOf(schemas.map((p) => shardSchemaOf(p.value())));
  const merged = mergeQueryResponses(plan, answers, types);
  const mergedOrder = (merged.rows as Record<string, unknown>[]).map((row) => row.id);
  return { engineOrder, mergedOrder };
}

/** Shards (per prefix) that received rows: a namespace without rows does not exist. */
const filled = new Map<string, Set<number>>();

/** Writes the rows to `prefix`-flat and, split by shardOf, to `prefix`-0 …. */
async function load(prefix: string, names: readonly (string | null)[], type = 'string'): Promise<void> {
  const rows = names.map((name, i) => ({ id: i + 1, name }));
  const schema = { name: type };
  await t.write(`${prefix}-flat`, { upsert_rows: rows, schema });
  const shards = new Set<number>();
  for (let s = 0; s < SHARDS; s++) {
    const own = rows.filter((row) => shardOf(row.id, SHARDS) === s);
    if (own.length === 0) continue;
    await t.write(`${prefix}-${s}`, { upsert_rows: own, schema });
    shards.add(s);
  }
  filled.set(prefix, shards);
}

beforeAll(async () => {
  t = await openTestStore();
  await load('mixed', NAMES);
  await load('stamps', TIMESTAMP_TEXT);
  await load('dates', TIMESTAMP_TEXT, 'datetime');
});

afterAll(async () => {
  await t?.close();
});

describe('sharded merge order of string values', () => {
  it.each(['asc', 'desc'] as const)(
    'equals the local engine order for rank_by name %s (case, accents, digits, nulls, astral)',
    async (direction) => {
      const { engineOrder, mergedOrder } = await orders('mixed', direction);
      expect(filled.get('mixed')?.size).toBeGreaterThan(1);
      expect(engineOrder).toHaveLength(NAMES.length);
      expect(mergedOrder).toEqual(engineOrder);
    },
  );

  it.each(['asc', 'desc'] as const)(
    'equals the local engine order for timestamp-looking text in a string attribute (%s)',
    async (direction) => {
      const { engineOrder, mergedOrder } = await orders('stamps', direction);
      expect(engineOrder).toHaveLength(TIMESTAMP_TEXT.length);
      // Byte order puts "…00.500Z" before "…00Z": not the chronological order.
      expect(engineOrder.slice(0, 2)).toEqual(direction === 'asc' ? [2, 1] : [3, 1]);
      expect(mergedOrder).toEqual(engineOrder);
    },
  );

  it.each(['asc', 'desc'] as const)(
    'equals the local engine order for the same text in a datetime attribute (%s)',
    async (direction) => {
      const { engineOrder, mergedOrder } = await orders('dates', direction);
      expect(engineOrder).toEqual(direction === 'asc' ? [1, 2, 3] : [3, 2, 1]);
      expect(mergedOrder).toEqual(engineOrder);
    },
  );
});
