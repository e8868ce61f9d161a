/**
 * Issue 13: a sharded Index keeps one schema. Through the gateway's HTTP routes, a 3-shard Index
 * (`tags` over `tags-0 … tags-2`) and its unsharded twin (`flat`) in one local store get the same
 * requests; the sharded answers must be the twin's. The divergent shard states that older writes
 * could leave behind are built by writing to a shard namespace directly.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGatewayServer } from '../../src/gateway/server.ts';
import type { TargetResolver } from '../../src/gateway/target.ts';
import { shardOf } from '../../src/shards/hash.ts';
import { shardsLayer } from '../../src/shards/layer.ts';
import { createLocalStore, type LocalStore } from '../../src/stores/local/index.ts';
import { HevError } from '../../src/wire/errors.ts';
import { parseJson, stringifyJson } from '../../src/wire/json.ts';
import { Payload } from '../../src/wire/payload.ts';
import { listenOnFreePort } from '../helpers/listen.ts';

const SHARDS = 3;

let dir: string;
let store: LocalStore;
let app: ReturnType<typeof createGatewayServer>;
let baseURL: string;
const layers = new Map<string, ReturnType<ReturnType<typeof shardsLayer>>>();

/** A fresh sharded Index `name` (over `name-0 …`) and its unsharded twin `name-flat`. */
function shardNames(name: string): string[] {
  return Array.from({ length: SHARDS }, (_, i) => `${name}-${i}`);
}

async function call(method: 'GET' | 'POST', path: string, body?: unknown) {
  const res = await fetch(new URL(path, baseURL), {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: stringifyJson(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: parseJson(text) as Record<string, unknown> };
}

const write = (ns: string, body: unknown) => call('POST', `/v2/namespaces/${ns}`, body);
const query = (ns: string, body: unknown) => call('POST', `/v2/namespaces/${ns}/query`, body);
const updateSchema = (ns: string, body: unknown) => call('POST', `/v1/namespaces/${ns}/schema`, body);

/** Writes straight to one shard namespace, bypassing the Index (as an older gateway could have). */
async function writeShard(ns: string, body: unknown): Promise<void> {
  await store.write(ns, Payload.fromValue(body));
}

/** Each shard's schema: attribute → type (undefined: the shard namespace does not exist). */
async function shardTypes(name: string): Promise<(Record<string, string> | undefined)[]> {
  return Promise.all(
    shardNames(name).map(async (ns) => {
      try {
        const schema = (await store.getSchema(ns)).value() as Record<string, { type: string }>;
        return Object.fromEntries(Object.entries(schema).map(([attr, c]) => [attr, c.type]));
      } catch {
        return undefined;
      }
    }),
  );
}

/** Every row of a namespace through the gateway, all attributes, by id. */
async function rows(ns: string): Promise<unknown> {
  const res = await query(ns, { rank_by: ['id', 'asc'], limit: 1000, include_attributes: true });
  expect(res.status, stringifyJson(res.body)).toBe(200);
  return res.body.rows;
}

/** The sharded Index and its twin answer a request alike (status and body but billing/performance). */
async function expectSame(
  send: (ns: string) => Promise<{ status: number; body: Record<string, unknown> }>,
  name: string,
) {
  const [sharded, flat] = [await send(name), await send(`${name}-flat`)];
  const strip = ({ billing: _b, performance: _p, ...rest }: Record<string, unknown>) => rest;
  expect(sharded.status, stringifyJson(sharded.body)).toBe(flat.status);
  if (flat.status === 200) expect(strip(sharded.body)).toEqual(strip(flat.body));
  return { sharded, flat };
}

/** A write to Index `name` through another gateway: its own shards layer and schema cache. */
async function writeThroughOtherGateway(name: string, body: unknown) {
  const other = shardsLayer({ namespaces: shardNames(name), fanOut: SHARDS })(store.dispatch);
  try {
    await other({ op: 'write', ns: name, body: Payload.fromValue(body) }, {});
    return { status: 200, body: {} as Record<string, unknown> };
  } catch (error) {
    if (!(error instanceof HevError)) throw error;
    return { status: error.status, body: { error: error.message } as Record<string, unknown> };
  }
}

/** Ids 1… whose shard is `shard`. */
function idsOn(shard: number, count: number): number[] {
  const out: number[] = [];
  for (let id = 1; out.length < count; id++) if (shardOf(id, SHARDS) === shard) out.push(id);
  return out;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hevlayer-shards-schema-'));
  store = await createLocalStore({ path: dir, synchronous: 'normal' });
  const resolver: TargetResolver = {
    resolve: (name) => {
      if (name.endsWith('-flat')) return { dispatch: store.dispatch, index: name, store: 'local' };
      let layer = layers.get(name);
      if (layer === undefined) {
        layer = shardsLayer({ namespaces: shardNames(name), fanOut: SHARDS })(store.dispatch);
        layers.set(name, layer);
      }
      if (!/^[a-z]+$/.test(name)) throw new HevError('HEV_INDEX_NOT_FOUND', `no Index named ${name}`);
      return { dispatch: layer, index: name, store: 'local' };
    },
    // These tests write no copy or branch.
    resolveSource: () => undefined,
    list: (params, _r, ctx) => store.listNamespaces(params, ctx),
  };
  app = createGatewayServer({ resolver });
  baseURL = await listenOnFreePort(app);
});

afterAll(async () => {
  await app?.close();
  await store?.close();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

/** Rows on every shard, `tag` (a string) only on shard 1: the divergence of issue 13. */
async function divergent(name: string): Promise<void> {
  const plain = [0, 2].flatMap((s) => idsOn(s, 2)).map((id) => ({ id, n: id }));
  const tagged = idsOn(1, 2).map((id) => ({ id, n: id, tag: `t${id}` }));
  for (const [s, own] of [0, 1, 2].map(
    (s) => [s, [...plain, ...tagged].filter((r) => shardOf(r.id, SHARDS) === s)] as const,
  )) {
    await writeShard(`${name}-${s}`, { upsert_rows: own });
  }
  await writeShard(`${name}-flat`, { upsert_rows: [...plain, ...tagged] });
}

describe('a sharded Index keeps one schema', () => {
  it('include_attributes, filters and rank_by on an attribute one shard never saw answer as one namespace', async () => {
    await divergent('reads');
    expect((await shardTypes('reads')).map((t) => t?.tag)).toEqual([undefined, 'string', undefined]);
    const res = await expectSame(
      (ns) => query(ns, { rank_by: ['id', 'asc'], limit: 100, include_attributes: ['tag'] }),
      'reads',
    );
    expect(res.sharded.status).toBe(200);
    expect((res.sharded.body.rows as unknown[]).length).toBe(6);
    await expectSame(
      (ns) => query(ns, { rank_by: ['tag', 'desc'], limit: 4, filters: ['tag', 'NotEq', null] }),
      'reads',
    );
    await expectSame((ns) => query(ns, { aggregate_by: { c: ['Count', 'tag'] } }), 'reads');
    // The query brought the attribute to every shard.
    expect((await shardTypes('reads')).map((t) => t?.tag)).toEqual(['string', 'string', 'string']);
  });

  it('a query that a shard rejects for an attribute the cached schema says it has repairs that shard and answers', async () => {
    const docs = [1, 2, 3, 4, 5, 6, 7, 8, 9].map((id) => ({ id, tag: `t${id}` }));
    expect(new Set(docs.map((d) => shardOf(d.id, SHARDS))).size).toBe(SHARDS);
    await expectSame((ns) => write(ns, { upsert_rows: docs }), 'stale');
    await expectSame((ns) => query(ns, { rank_by: ['tag', 'asc'], include_attributes: ['tag'] }), 'stale');
    // Behind the gateway's back, shard 2 is re-created without `tag`; the twin gets the same change.
    const onShard2 = docs.filter((d) => shardOf(d.id, SHARDS) === 2).map((d) => ({ id: d.id }));
    await store.deleteNamespace('stale-2');
    await writeShard('stale-2', { upsert_rows: onShard2 });
    await writeShard('stale-flat', { upsert_rows: onShard2 });
    expect((await shardTypes('stale')).map((t) => t?.tag)).toEqual(['string', 'string', undefined]);
    const res = await expectSame(
      (ns) =>
        query(ns, { rank_by: ['id', 'asc'], include_attributes: ['tag'], filters: ['tag', 'Eq', null] }),
      'stale',
    );
    expect(res.sharded.body.rows).toEqual(onShard2.map(({ id }) => ({ id, tag: null })));
    expect((await shardTypes('stale')).map((t) => t?.tag)).toEqual(['string', 'string', 'string']);
  });

  it('a write giving a known attribute another type is the unsharded 400, and writes nothing on any shard', async () => {
    await divergent('retype');
    // Shard 0 has never seen `tag`: on its own it would accept the int.
    const target = idsOn(0, 1)[0] as number;
    const res = await expectSame(
      (ns) =>
        write(ns, {
          upsert_rows: [
            { id: target, tag: 17 },
            { id: 100, n: 100 },
          ],
        }),
      'retype',
    );
    expect(res.sharded.status).toBe(400);
    expect(res.sharded.body.error).toBe(res.flat.body.error);
    expect(res.sharded.body.error).toBe('type mismatch for attribute `tag`: expected string, got 17');
    expect((await shardTypes('retype')).map((t) => t?.tag)).toEqual([undefined, 'string', undefined]);
    expect(await rows('retype')).toEqual(await rows('retype-flat'));
  });

  it('a new attribute reaches every shard before any row, typed as one namespace infers it', async () => {
    await divergent('adds');
    const at = new Date(Date.UTC(2026, 0, 1)).toISOString();
    await expectSame(
      (ns) =>
        write(ns, { upsert_rows: [{ id: idsOn(2, 1)[0], score: 1.5, at }], schema: { at: 'datetime' } }),
      'adds',
    );
    const types = await shardTypes('adds');
    expect(types.map((t) => [t?.score, t?.at])).toEqual([
      ['float', 'datetime'],
      ['float', 'datetime'],
      ['float', 'datetime'],
    ]);
    // Two rows of one write that disagree on a new attribute's type: the unsharded 400.
    const res = await expectSame(
      (ns) =>
        write(ns, {
          upsert_rows: [
            { id: idsOn(0, 1)[0], mood: 'ok' },
            { id: idsOn(1, 1)[0], mood: 3 },
          ],
        }),
      'adds',
    );
    expect(res.sharded.status).toBe(400);
    expect(res.sharded.body.error).toBe(res.flat.body.error);
    expect((await shardTypes('adds')).map((t) => t?.mood)).toEqual([undefined, undefined, undefined]);
  });

  it.each([
    ['the schema endpoint', (ns: string) => updateSchema(ns, { tag: 'int' })],
    ['a write with only a schema', (ns: string) => write(ns, { schema: { tag: 'int' } })],
  ])('a schema-only change of a type one shard has is rejected on every shard (%s)', async (_how, send) => {
    const name = _how === 'the schema endpoint' ? 'schemaep' : 'schemaw';
    await divergent(name);
    const res = await expectSame(send, name);
    expect(res.sharded.status).toBe(400);
    expect(res.sharded.body.error).toBe(res.flat.body.error);
    expect((await shardTypes(name)).map((t) => t?.tag)).toEqual([undefined, 'string', undefined]);
  });

  it('a schema-only write that adds an attribute applies on every shard', async () => {
    await divergent('schemaok');
    const res = await expectSame(
      (ns) => updateSchema(ns, { color: { type: 'string', filterable: true } }),
      'schemaok',
    );
    expect(res.sharded.status).toBe(200);
    expect((await shardTypes('schemaok')).map((t) => t?.color)).toEqual(['string', 'string', 'string']);
  });

  it('of two gateways racing to add one attribute with different types, one wins on every shard', async () => {
    await divergent('race');
    for (let round = 0; round < 5; round++) {
      const attr = `color${round}`;
      // Each gateway has its own shards layer, so its own view of the Index schema.
      const [a, b] = await Promise.all([
        write('race', { upsert_rows: idsOn(0, 1).map((id) => ({ id, [attr]: 'red' })) }),
        writeThroughOtherGateway('race', { upsert_rows: idsOn(2, 1).map((id) => ({ id, [attr]: 7 })) }),
      ]);
      expect([a.status, b.status].sort()).toEqual([200, 400]);
      const winner = a.status === 200 ? 'string' : 'int';
      expect((await shardTypes('race')).map((t) => t?.[attr])).toEqual([winner, winner, winner]);
      const loser = String((a.status === 200 ? b : a).body.error);
      // Refused on shard 0 (the pre-flight) or by the Index schema the winner left (a value).
      expect(loser).toMatch(
        new RegExp(`cannot change attribute type from|type mismatch for attribute \`${attr}\``),
      );
    }
  });
});
