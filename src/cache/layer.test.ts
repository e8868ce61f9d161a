/**
 * The cache layer over the memory store and a fake upstream whose answers the tests release by
 * hand: outcomes, epochs, the write-versus-read races, eventual consistency, fail-open.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryCache } from './memory.ts';
import type { CacheStore } from './port.ts';
import type { CacheRuntime } from './runtime.ts';
import { FakeUpstream, chain, runtimeOver, send, settled, switchableStore } from './layer-kit.ts';

const Q = { rank_by: ['id', 'asc'], top_k: 10 };
const runtimes: CacheRuntime[] = [];

function setup(store: CacheStore = createMemoryCache(), over: Parameters<typeof runtimeOver>[1] = {}) {
  const runtime = runtimeOver(store, over);
  runtimes.push(runtime);
  const upstream = new FakeUpstream();
  return { runtime, upstream, store, dispatch: chain({ runtime, upstream }) };
}

afterEach(() => {
  for (const r of runtimes.splice(0)) r.close();
});

describe('cache layer: strong reads', () => {
  it('answers a repeated read from the cache: miss, then hit, one upstream call', async () => {
    const { runtime, upstream, dispatch } = setup();
    expect(await send(dispatch, 'query', Q)).toEqual({ value: { op: 'query', data: 1 }, outcome: 'miss' });
    await settled(runtime);
    expect(await send(dispatch, 'query', Q)).toEqual({ value: { op: 'query', data: 1 }, outcome: 'hit' });
    expect(upstream.count('query')).toBe(1);
  });

  it('treats bodies that differ only in key order as the same request, and array order as different', async () => {
    const { runtime, upstream, dispatch } = setup();
    await send(dispatch, 'query', { top_k: 10, rank_by: ['id', 'asc'] });
    await settled(runtime);
    expect((await send(dispatch, 'query', { rank_by: ['id', 'asc'], top_k: 10 })).outcome).toBe('hit');
    expect((await send(dispatch, 'query', { top_k: 10, rank_by: ['asc', 'id'] })).outcome).toBe('miss');
    expect(upstream.count('query')).toBe(2);
  });

  it('shares one upstream call among 100 concurrent identical misses (1 miss, 99 coalesced)', async () => {
    const { upstream, dispatch } = setup();
    upstream.auto = false;
    const answers = Array.from({ length: 100 }, () => send(dispatch, 'query', Q));
    (await upstream.nth(0)).answer({ rows: [] });
    const outcomes = (await Promise.all(answers)).map((a) => a.outcome);
    expect(upstream.count('query')).toBe(1);
    expect(outcomes.filter((o) => o === 'miss')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'coalesced')).toHaveLength(99);
  });

  it('a write through the gateway invalidates: the next read goes upstream and sees it', async () => {
    const { runtime, upstream, dispatch } = setup();
    await send(dispatch, 'query', Q);
    await settled(runtime);
    await send(dispatch, 'write', { upsert_rows: [{ id: 1 }] });
    expect(await send(dispatch, 'query', Q)).toEqual({ value: { op: 'query', data: 2 }, outcome: 'miss' });
    expect(upstream.count('query')).toBe(2);
  });

  it('a write through another Index naming the same upstream namespace invalidates too', async () => {
    const { runtime, upstream, dispatch } = setup();
    const other = chain({ runtime, upstream, index: 'alias', namespaces: ['docs'] });
    await send(dispatch, 'query', Q);
    await settled(runtime);
    await send(other, 'write', { upsert_rows: [{ id: 1 }] });
    expect((await send(dispatch, 'query', Q)).outcome).toBe('miss');
  });

  it('a write to one shard of a sharded Index bumps every shard: a failed write still invalidates', async () => {
    const { runtime, upstream } = setup();
    const sharded = chain({ runtime, upstream, namespaces: ['docs-0', 'docs-1'] });
    await send(sharded, 'query', Q);
    await settled(runtime);
    upstream.auto = false;
    const write = send(sharded, 'write', { upsert_rows: [{ id: 1 }] });
    (await upstream.nth(1)).fail(new Error('shard docs-1 failed after docs-0 applied'));
    await expect(write).rejects.toThrow(/docs-1 failed/);
    upstream.auto = true;
    expect((await send(sharded, 'query', Q)).outcome).toBe('miss');
  });

  it('race: a read whose upstream answer predates a write acknowledged meanwhile is not cached', async () => {
    const { runtime, upstream, dispatch } = setup();
    upstream.auto = false;
    const read = send(dispatch, 'query', Q);
    const readCall = await upstream.nth(0);
    const write = send(dispatch, 'write', { upsert_rows: [{ id: 1 }] });
    (await upstream.nth(1)).answer({ status: 'OK' });
    await write;
    readCall.answer({ data: 'before the write' });
    expect((await read).value).toEqual({ data: 'before the write' });
    await settled(runtime);
    upstream.auto = true;
    expect(await send(dispatch, 'query', Q)).toEqual({ value: { op: 'query', data: 2 }, outcome: 'miss' });
  });

  it('race: a read that starts while a write is in flight cannot be served after the write is acknowledged', async () => {
    const { runtime, upstream, dispatch } = setup();
    upstream.auto = false;
    const write = send(dispatch, 'write', { upsert_rows: [{ id: 1 }] });
    const writeCall = await upstream.nth(0);
    // The read sees the epoch after the write's first bump and the data before the write applies.
    const read = send(dispatch, 'query', Q);
    (await upstream.nth(1)).answer({ data: 'before the write' });
    expect((await read).outcome).toBe('miss');
    await settled(runtime);
    writeCall.answer({ status: 'OK' });
    await write;
    upstream.auto = true;
    expect(await send(dispatch, 'query', Q)).toEqual({ value: { op: 'query', data: 2 }, outcome: 'miss' });
  });

  it('keeps a strong entry at most strongMaxAgeMs, a metadata entry at most metadataMaxAgeMs', async () => {
    const inner = createMemoryCache();
    const ttls: number[] = [];
    const spy: CacheStore = {
      ...inner,
      set: (entry, cap) => (ttls.push(entry.ttlMs), inner.set(entry, cap)),
    };
    // A frozen clock: a strong entry's TTL counts from its read's start, so time passing would shorten it.
    const { runtime, dispatch } = setup(spy, {
      strongMaxAgeMs: 700,
      metadataMaxAgeMs: 300,
      now: () => 1_000,
    });
    await send(dispatch, 'query', Q);
    await send(dispatch, 'metadata');
    await settled(runtime);
    expect(ttls.sort()).toEqual([300, 700]);
  });

  it('passes operations the table marks uncacheable through without a cache outcome', async () => {
    const { upstream, dispatch } = setup();
    expect((await send(dispatch, 'explainQuery', Q)).outcome).toBeUndefined();
    expect((await send(dispatch, 'explainQuery', Q)).outcome).toBeUndefined();
    expect(upstream.count('explainQuery')).toBe(2);
  });

  it('mode off bypasses the cache on every read', async () => {
    const { runtime, upstream } = setup();
    const off = chain({ runtime, upstream, policy: { cacheMode: 'off' } });
    expect((await send(off, 'query', Q)).outcome).toBe('bypass');
    await settled(runtime);
    expect((await send(off, 'query', Q)).outcome).toBe('bypass');
    expect(upstream.count('query')).toBe(2);
  });

  it('a write through an Index with mode off still invalidates another Index on the same namespace', async () => {
    const { runtime, upstream, dispatch } = setup();
    const off = chain({
      runtime,
      upstream,
      index: 'raw',
      namespaces: ['docs'],
      policy: { cacheMode: 'off' },
    });
    await send(dispatch, 'query', Q);
    await settled(runtime);
    await send(off, 'write', { upsert_rows: [{ id: 1 }] });
    expect(await send(dispatch, 'query', Q)).toEqual({ value: { op: 'query', data: 2 }, outcome: 'miss' });
  });

  it('a follower of a miss whose client went away asks the upstream itself', async () => {
    const { upstream, dispatch } = setup();
    upstream.auto = false;
    const gone = new AbortController();
    const leader = send(dispatch, 'query', Q, { signal: gone.signal });
    const leaderCall = await upstream.nth(0);
    const follower = send(dispatch, 'query', Q);
    await new Promise((r) => setImmediate(r));
    gone.abort();
    leaderCall.fail(new Error('aborted'));
    await expect(leader).rejects.toThrow('aborted');
    (await upstream.nth(1)).answer({ data: 'for the follower' });
    expect(await follower).toEqual({ value: { data: 'for the follower' }, outcome: 'miss' });
  });
});

describe('cache layer: eventual reads', () => {
  it('sends queries with consistency eventual unless the client chose a level, and caches them', async () => {
    const { runtime, upstream } = setup();
    const eventual = chain({ runtime, upstream, policy: { consistency: 'eventual' } });
    await send(eventual, 'query', Q);
    await settled(runtime);
    expect((await send(eventual, 'query', Q)).outcome).toBe('hit');
    await send(eventual, 'query', { ...Q, consistency: { level: 'strong' } });
    expect(upstream.calls.map((c) => c.body)).toEqual([
      { ...Q, consistency: { level: 'eventual' } },
      { ...Q, consistency: { level: 'strong' } },
    ]);
  });

  it('adds consistency eventual at the root of a multi-query', async () => {
    const { runtime, upstream } = setup();
    const eventual = chain({ runtime, upstream, policy: { consistency: 'eventual' } });
    await send(eventual, 'query', { queries: [Q, Q] });
    expect(upstream.calls[0]?.body).toEqual({ queries: [Q, Q], consistency: { level: 'eventual' } });
  });

  it('a write through this replica invalidates its eventual entries at once', async () => {
    const { runtime, upstream } = setup();
    const eventual = chain({ runtime, upstream, policy: { consistency: 'eventual' } });
    await send(eventual, 'query', Q);
    await settled(runtime);
    await send(eventual, 'write', { upsert_rows: [{ id: 1 }] });
    expect((await send(eventual, 'query', Q)).outcome).toBe('miss');
  });
});

describe('cache layer: fail-open', () => {
  it('a failing store: reads are answered upstream as bypass, CacheDegraded is set, then clears on recovery', async () => {
    const store = switchableStore();
    const { runtime, upstream, dispatch } = setup(store);
    expect(runtime.health.condition('docs').status).toBe('False');
    store.mode = 'fail';
    expect(await send(dispatch, 'query', Q)).toEqual({ value: { op: 'query', data: 1 }, outcome: 'bypass' });
    expect((await send(dispatch, 'write', { upsert_rows: [{ id: 1 }] })).value).toEqual({
      op: 'write',
      data: 2,
    });
    const degraded = runtime.health.condition('docs');
    expect(degraded).toMatchObject({ type: 'CacheDegraded', status: 'True', reason: 'CacheUnavailable' });
    expect(degraded.message).not.toMatch(/hunter2|redis:\/\//);
    store.mode = 'ok';
    // The post-write bump that failed is owed: strong reads bypass until it lands.
    while (runtime.health.degraded('docs')) await new Promise((r) => setTimeout(r, 5));
    expect((await send(dispatch, 'query', Q)).outcome).toBe('miss');
    expect(runtime.health.condition('docs')).toMatchObject({ status: 'False', reason: 'CacheHealthy' });
    expect(upstream.count('query')).toBe(2);
  });

  it('a hanging store: each read is answered within the budget from the upstream', async () => {
    const store = switchableStore();
    const { dispatch, runtime } = setup(store, { budgetMs: 15 });
    store.mode = 'hang';
    const results = await Promise.all([send(dispatch, 'query', Q), send(dispatch, 'metadata')]);
    expect(results.map((r) => r.outcome)).toEqual(['bypass', 'bypass']);
    expect(runtime.health.condition('docs').message).toMatch(/exceeded its 15 ms budget/);
  });

  it('partition: a write this replica could not record is acknowledged only once another replica’s pre-write entry has expired', async () => {
    const shared = createMemoryCache();
    const upstream = new FakeUpstream();
    const over = { strongMaxAgeMs: 200, budgetMs: 20, retryMs: 60_000 };
    const a = runtimeOver(switchableStore(shared), over);
    const b = runtimeOver(shared, over);
    runtimes.push(a, b);
    const onA = chain({ runtime: a, upstream });
    const onB = chain({ runtime: b, upstream });
    expect(await send(onB, 'query', Q)).toEqual({ value: { op: 'query', data: 1 }, outcome: 'miss' });
    await settled(b);
    expect((await send(onB, 'query', Q)).outcome).toBe('hit');
    (a.store as ReturnType<typeof switchableStore>).mode = 'fail';
    await send(onA, 'write', { upsert_rows: [{ id: 1 }] });
    // B can still reach the store, and its epoch never moved: only expiry keeps it from the old answer.
    expect(await send(onB, 'query', Q)).toEqual({ value: { op: 'query', data: 2 }, outcome: 'miss' });
  });

  it('a strong entry cached before an outage is not served while a write’s bump is still owed', async () => {
    const store = switchableStore();
    const { runtime, upstream, dispatch } = setup(store, { retryMs: 60_000 });
    await send(dispatch, 'query', Q);
    await settled(runtime);
    store.mode = 'fail';
    await send(dispatch, 'write', { upsert_rows: [{ id: 1 }] });
    store.mode = 'ok';
    expect(await send(dispatch, 'query', Q)).toEqual({ value: { op: 'query', data: 2 }, outcome: 'bypass' });
    expect(upstream.count('query')).toBe(2);
  });
});
