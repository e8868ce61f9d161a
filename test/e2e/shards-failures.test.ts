/**
 * The sharded target's behaviour at the edges, over real local-store shards: a failing shard
 * (injected by a wrapper around a real shard target) fails the request with an error naming it
 * and, for writes, the shards that applied; a retry converges; empty (never written) shards are
 * not errors; the caller's AbortSignal reaches the shards; at most `fanOut` shard calls run at once.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shardOf } from '../../src/shards/hash.ts';
import { shardsLayer } from '../../src/shards/layer.ts';
import type { Dispatch, OpName } from '../../src/stores/operations.ts';
import { storeMethods } from '../../src/stores/port.ts';
import { createLocalStore, type LocalStore } from '../../src/stores/local/index.ts';
import { HevError } from '../../src/wire/errors.ts';
import { Payload } from '../../src/wire/payload.ts';

let dir: string;
let store: LocalStore;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hevlayer-shard-faults-'));
  store = await createLocalStore({ path: dir, synchronous: 'normal' });
});

afterAll(async () => {
  await store?.close();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

/** An Index's operations with its name bound, as a client of the Index sees them. */
function bound(dispatch: Dispatch, ns: string) {
  const m = storeMethods(dispatch);
  return {
    write: (b: Payload, c = {}) => m.write(ns, b, c),
    query: (b: Payload, c = {}) => m.query(ns, b, c),
    metadata: (c = {}) => m.metadata(ns, c),
    getSchema: (c = {}) => m.getSchema(ns, c),
    updateSchema: (b: Payload, c = {}) => m.updateSchema(ns, b, c),
    deleteNamespace: (c = {}) => m.deleteNamespace(ns, c),
    hintCacheWarm: (c = {}) => m.hintCacheWarm(ns, c),
  };
}
type Target = ReturnType<typeof bound>;

/** A real shard (the local store's dispatch) whose calls can be made to fail (or to wait for an abort) on demand. */
function faulty(inner: Dispatch) {
  const faults = new Map<OpName, Error>();
  const hangs = new Set<OpName>();
  const seenSignals: AbortSignal[] = [];
  const dispatch: Dispatch = async (operation, ctx) => {
    if (ctx.signal !== undefined) seenSignals.push(ctx.signal);
    // Yield once so concurrent calls really overlap.
    await new Promise((resolve) => setImmediate(resolve));
    if (hangs.has(operation.op)) {
      await new Promise((_resolve, reject) => {
        const abort = () => reject(new Error('aborted by caller'));
        if (ctx.signal?.aborted === true) abort();
        ctx.signal?.addEventListener('abort', abort, { once: true });
      });
    }
    const fault = faults.get(operation.op);
    if (fault !== undefined) throw fault;
    return await inner(operation, ctx);
  };
  return { dispatch, faults, hangs, seenSignals };
}

function makeIndex(name: string, shards: number, fanOut = shards) {
  const names = Array.from({ length: shards }, (_, i) => `${name}-${i}`);
  const wrapped = names.map(() => faulty(store.dispatch));
  const shardDispatch: Dispatch = (operation, ctx) =>
    (wrapped[names.indexOf(operation.ns)] as (typeof wrapped)[number]).dispatch(operation, ctx);
  const target = bound(shardsLayer({ namespaces: names, fanOut })(shardDispatch), name);
  return { target, wrapped, names, shardDispatch };
}

const json = (v: unknown) => Payload.fromValue(v);
const value = async (p: Promise<Payload>) => (await p).value() as Record<string, unknown>;

async function failure(p: Promise<unknown>): Promise<HevError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(HevError);
    return err as HevError;
  }
  throw new Error('expected the call to fail');
}

const rows = (ids: number[]) => ids.map((id) => ({ id, vector: [1, id % 7], n: id }));
const count = async (t: Target) =>
  ((await value(t.query(json({ aggregate_by: { c: ['Count'] } }), {}))).aggregations as { c: number }).c;

describe('sharded target failures', () => {
  it('a write failing on one shard names it and the shards that applied; a retry converges', async () => {
    const { target, wrapped } = makeIndex('retry', 4);
    const ids = Array.from({ length: 40 }, (_, i) => i + 1);
    const body = { upsert_rows: rows(ids), distance_metric: 'euclidean_squared' };
    // A first write puts rows and the schema on every shard; the next one adds nothing to the schema.
    const first = Array.from({ length: 20 }, (_, i) => 101 + i);
    expect(new Set(first.map((id) => shardOf(id, 4))).size).toBe(4);
    await value(target.write(json({ ...body, upsert_rows: rows(first) }), {}));
    const broken = wrapped[2];
    broken?.faults.set('write', new HevError('HEV_UPSTREAM_UNAVAILABLE', 'connection refused'));
    const err = await failure(target.write(json(body), {}));
    expect(err.code).toBe('HEV_SHARD_FAILURE');
    expect(err.status).toBe(503);
    expect(err.message).toContain('shard 2 (retry-2): connection refused');
    expect(err.message).toContain('applied on shards 0, 1, 3; failed on shards 2');
    expect(err.message).toContain('retrying the same request converges');
    expect(err.details).toEqual({ applied_shards: [0, 1, 3], failed_shards: [2] });
    const onShard2 = ids.filter((id) => shardOf(id, 4) === 2).length;
    expect(onShard2).toBeGreaterThan(0);
    // Only writes were broken on shard 2: reads see the three parts that were applied.
    expect(await count(target)).toBe(20 + 40 - onShard2);

    broken?.faults.clear();
    const ok = await value(target.write(json(body), {}));
    expect(ok.rows_upserted).toBe(40);
    expect(await count(target)).toBe(60);
  });

  it('a schema pre-flight failing on one shard writes no row anywhere; a retry converges', async () => {
    const { target, wrapped } = makeIndex('preflight', 3);
    const first = [1, 2, 3, 4, 5, 6, 7, 8, 9];
    expect(new Set(first.map((id) => shardOf(id, 3))).size).toBe(3);
    await value(target.write(json({ upsert_rows: first.map((id) => ({ id, n: id })) }), {}));
    const broken = wrapped[1];
    broken?.faults.set('write', new HevError('HEV_UPSTREAM_UNAVAILABLE', 'connection refused'));
    const body = { upsert_rows: [10, 11, 12, 13, 14, 15].map((id) => ({ id, n: id, tag: `t${id}` })) };
    const err = await failure(target.write(json(body), {}));
    expect(err.code).toBe('HEV_SHARD_FAILURE');
    expect(err.message).toContain('sharded schema pre-flight: applied on shards 0, 2; failed on shards 1');
    expect(err.message).toContain('no row was written');
    expect(await count(target)).toBe(9);

    broken?.faults.clear();
    expect((await value(target.write(json(body), {}))).rows_upserted).toBe(6);
    const schemas = await Promise.all(
      wrapped.map((_, i) => store.dispatch({ op: 'getSchema', ns: `preflight-${i}` }, {})),
    );
    for (const schema of schemas)
      expect((schema.value() as Record<string, { type: string }>).tag?.type).toBe('string');
    expect(await count(target)).toBe(15);
  });

  it('a client error from every shard keeps its status and says nothing was applied', async () => {
    const { target } = makeIndex('reject', 2);
    await value(
      target.write(json({ upsert_rows: rows([1, 2, 3, 4]), distance_metric: 'cosine_distance' }), {}),
    );
    const err = await failure(
      target.write(
        json({ upsert_rows: rows([5, 6, 7, 8, 9, 10, 11, 12]), distance_metric: 'euclidean_squared' }),
        {},
      ),
    );
    expect(err.status).toBe(400);
    expect(err.message).toMatch(
      /^sharded write: nothing applied; failed on shards 0, 1: shard 0 \(reject-0\), shard 1 \(reject-1\): /,
    );
    expect(await count(target)).toBe(4);
  });

  it('a query failing on one shard fails as a whole, naming the shard (no partial results)', async () => {
    const { target, wrapped } = makeIndex('readfail', 3);
    await value(
      target.write(json({ upsert_rows: rows([1, 2, 3, 4, 5, 6]), distance_metric: 'cosine_distance' }), {}),
    );
    wrapped[1]?.faults.set('query', new HevError('HEV_UPSTREAM_TIMEOUT', 'upstream did not answer in 30s'));
    const err = await failure(target.query(json({ rank_by: ['id', 'asc'], limit: 10 }), {}));
    expect(err.code).toBe('HEV_SHARD_FAILURE');
    expect(err.status).toBe(504);
    expect(err.message).toBe(
      'shard 1 (readfail-1) failed: upstream did not answer in 30s; no partial results are returned',
    );
    wrapped[1]?.faults.set(
      'query',
      new HevError('HEV_RATE_LIMITED', 'slow down', { headers: { 'retry-after': '1' } }),
    );
    const limited = await failure(target.query(json({ rank_by: ['id', 'asc'] }), {}));
    expect(limited.status).toBe(429);
    expect(limited.headers).toEqual({ 'retry-after': '1' });
    expect(limited.message).toBe('shard 1 (readfail-1): slow down');
  });

  it("passes a bad query's 400 through with the shard named", async () => {
    const { target } = makeIndex('badquery', 2);
    await value(target.write(json({ upsert_rows: rows([1, 2, 3]), distance_metric: 'cosine_distance' }), {}));
    const err = await failure(target.query(json({ rank_by: ['nope', 'asc'] }), {}));
    expect(err.status).toBe(400);
    expect(err.message).toMatch(/^shard \d \(badquery-\d\): .*nope/);
  });

  it("hands the caller's AbortSignal to every shard call", async () => {
    const { target, wrapped } = makeIndex('abort', 3);
    await value(
      target.write(json({ upsert_rows: rows([1, 2, 3, 4, 5]), distance_metric: 'cosine_distance' }), {}),
    );
    for (const w of wrapped) w.hangs.add('query');
    const controller = new AbortController();
    const before = wrapped.map((w) => w.seenSignals.length);
    const pending = target.query(json({ rank_by: ['id', 'asc'] }), { signal: controller.signal });
    while (wrapped.some((w, i) => w.seenSignals.length === before[i])) {
      await new Promise((resolve) => setImmediate(resolve));
    }
    controller.abort();
    const err = await pending.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeDefined();
    const signals = wrapped.flatMap((w) => w.seenSignals.slice(-1));
    expect(signals).toHaveLength(3);
    for (const s of signals) expect(s.aborted).toBe(true);
  });

  it('keeps at most fanOut shard calls in flight', async () => {
    const { target, shardDispatch, names } = makeIndex('fanout', 6, 2);
    const ids = Array.from({ length: 30 }, (_, i) => i + 1);
    await value(target.write(json({ upsert_rows: rows(ids), distance_metric: 'cosine_distance' }), {}));
    let inFlight = 0;
    let peak = 0;
    const counted: Dispatch = async (operation, ctx) => {
      if (operation.op !== 'query') return shardDispatch(operation, ctx);
      inFlight++;
      peak = Math.max(peak, inFlight);
      try {
        return await shardDispatch(operation, ctx); // yields before answering, so calls overlap
      } finally {
        inFlight--;
      }
    };
    for (const fanOut of [1, 2, 4]) {
      peak = 0;
      const bounded = bound(shardsLayer({ namespaces: names, fanOut })(counted), 'fanout');
      const res = await value(bounded.query(json({ rank_by: ['id', 'asc'], limit: 100 }), {}));
      expect((res.rows as unknown[]).length).toBe(30);
      expect(peak).toBe(fanOut);
    }
  });
});

describe('empty and missing shards', () => {
  it('an Index whose documents landed on few shards answers like one namespace', async () => {
    const { target, names } = makeIndex('sparse', 8);
    await value(target.write(json({ upsert_rows: rows([1, 2]), distance_metric: 'cosine_distance' }), {}));
    const used = new Set([shardOf(1, 8), shardOf(2, 8)]);
    expect(used.size).toBeLessThan(8);
    const res = await value(target.query(json({ rank_by: ['n', 'desc'], include_attributes: ['n'] }), {}));
    expect(res.rows).toEqual([
      { id: 2, n: 2 },
      { id: 1, n: 1 },
    ]);
    const meta = await value(target.metadata({}));
    expect(meta.approx_row_count).toBe(2);
    expect(Object.keys(meta.schema as object).sort()).toEqual(['id', 'n', 'vector']);
    expect(await value(target.hintCacheWarm({}))).toEqual({
      status: 'ACCEPTED',
      message: 'cache warm hint accepted',
    });

    // delete_by_filter reaches shards that do not exist: those simply have nothing to delete.
    const del = await value(target.write(json({ delete_by_filter: ['n', 'Eq', 1] }), {}));
    expect(del).toMatchObject({ rows_affected: 1, rows_deleted: 1 });

    // A schema update creates the missing shards with the schema, so they cannot drift.
    await value(target.updateSchema(json({ tag: { type: 'string', filterable: true } }), {}));
    for (const ns of names) {
      const schema = (await store.getSchema(ns)).value() as Record<string, unknown>;
      expect(schema, ns).toHaveProperty('tag');
    }

    expect(await value(target.deleteNamespace({}))).toEqual({ status: 'OK' });
    for (const call of [
      () => target.metadata({}),
      () => target.query(json({ rank_by: ['id', 'asc'] }), {}),
    ]) {
      expect((await failure(call())).status).toBe(404);
    }
    expect((await failure(target.deleteNamespace({}))).status).toBe(404);
  });

  it('an Index never written is a 404 everywhere, as one namespace would be', async () => {
    const { target } = makeIndex('never', 3);
    const notFound = await failure(target.query(json({ rank_by: ['id', 'asc'] }), {}));
    expect(notFound.code).toBe('HEV_NAMESPACE_NOT_FOUND');
    expect(notFound.status).toBe(404);
    expect(notFound.message).toContain('(none of the 3 shards of this Index exists)');
    expect((await failure(target.getSchema({}))).status).toBe(404);
    expect((await failure(target.hintCacheWarm({}))).status).toBe(404);
    expect((await failure(target.write(json({ delete_by_filter: ['n', 'Eq', 1] }), {}))).status).toBe(404);
    expect((await failure(target.updateSchema(json({ tag: 'string' }), {}))).status).toBe(404);
  });

  it('rejects a bad fan-out or an empty shard list at construction', () => {
    expect(() => shardsLayer({ namespaces: [], fanOut: 1 })).toThrow(RangeError);
    expect(() => shardsLayer({ namespaces: ['x-0', 'x-1'], fanOut: 0 })).toThrow(RangeError);
  });
});
