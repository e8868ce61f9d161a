import { describe, expect, it } from 'vitest';
import { HevError } from '../../wire/errors.ts';
import { Payload } from '../../wire/payload.ts';
import { storeMethods, type VectorStore } from '../port.ts';
import {
  withNamespaceLimiter as limiterOver,
  type NamespaceLimiterOptions,
  type QueueEvent,
} from './index.ts';

/** The limited store with typed calls, as the tests below use it. */
function withNamespaceLimiter(store: VectorStore, options?: NamespaceLimiterOptions) {
  const limited = limiterOver(store, options);
  return { ...limited, ...storeMethods(limited.dispatch) };
}

/** A store whose calls stay pending until the test settles them; it records the order they start. */
function gatedStore() {
  const started: string[] = [];
  const pending: { label: string; settle: (err?: Error) => void }[] = [];
  const call = (label: string) =>
    new Promise<Payload>((resolve, reject) => {
      started.push(label);
      pending.push({
        label,
        settle: (err) => (err === undefined ? resolve(Payload.fromValue({ label })) : reject(err)),
      });
    });
  let closed = 0;
  const store: VectorStore = {
    kind: 'local',
    dispatch: ({ op, ns, body }) =>
      call(
        op === 'query'
          ? `query ${ns} ${String((body?.value() as { tag?: string }).tag)}`
          : op === 'listNamespaces'
            ? 'list'
            : `${op} ${ns}`,
      ),
    ping: async () => undefined,
    close: async () => {
      closed++;
    },
  };
  const finish = (label: string, err?: Error) => {
    const index = pending.findIndex((p) => p.label === label);
    if (index < 0) throw new Error(`${label} is not running`);
    const [entry] = pending.splice(index, 1);
    entry?.settle(err);
  };
  return { store, started, finish, closedCount: () => closed };
}

const q = (tag: string, extra: Record<string, unknown> = {}) =>
  Payload.fromBytes(Buffer.from(JSON.stringify({ tag, rank_by: ['id', 'asc'], ...extra })));
const agg = (tag: string) => q(tag, { aggregate_by: { n: ['Count'] } });
const knn = (tag: string) => q(tag, { rank_by: ['v', 'kNN', [1, 0]] });
const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('withNamespaceLimiter', () => {
  it('runs up to N units per namespace and queues the rest in FIFO order', async () => {
    const { store, started, finish } = gatedStore();
    const limited = withNamespaceLimiter(store, { maxInFlightPerNamespace: 2, queueTimeoutMs: 60_000 });
    const calls = ['a', 'b', 'c', 'd'].map((tag) => limited.query('ns', q(tag)));
    const other = limited.query('other', q('x'));
    await tick();
    expect(started).toEqual(['query ns a', 'query ns b', 'query other x']);
    expect([limited.inFlight('ns'), limited.queued('ns')]).toEqual([2, 2]);
    finish('query ns b');
    await tick();
    expect(started.at(-1)).toBe('query ns c');
    finish('query ns a');
    finish('query ns c');
    await tick();
    finish('query ns d');
    finish('query other x');
    await Promise.all([...calls, other]);
    expect([limited.inFlight('ns'), limited.queued('ns')]).toEqual([0, 0]);
  });

  it('weighs aggregations 4 and kNN 2', async () => {
    const { store, started, finish } = gatedStore();
    const limited = withNamespaceLimiter(store, { maxInFlightPerNamespace: 4, queueTimeoutMs: 60_000 });
    const a = limited.query('ns', knn('k1'));
    const b = limited.query('ns', knn('k2'));
    const c = limited.query('ns', agg('agg'));
    const d = limited.write('ns', Payload.fromValue({}));
    await tick();
    expect(started).toEqual(['query ns k1', 'query ns k2']);
    finish('query ns k1');
    await tick();
    expect(started).toHaveLength(2); // the aggregation needs all 4 and the write waits behind it
    finish('query ns k2');
    await tick();
    expect(started.at(-1)).toBe('query ns agg');
    finish('query ns agg');
    await tick();
    expect(started.at(-1)).toBe('write ns');
    finish('write ns');
    await Promise.all([a, b, c, d]);
  });

  it('weighs an explained aggregation like the query (4), recall and a metadata update 1 each', async () => {
    const { store, started, finish } = gatedStore();
    const limited = withNamespaceLimiter(store, { maxInFlightPerNamespace: 4, queueTimeoutMs: 60_000 });
    const a = limited.recall('ns', Payload.fromValue({ num: 5 }));
    const b = limited.updateMetadata('ns', Payload.fromValue({ pinning: null }));
    const c = limited.explainQuery('ns', agg('agg'));
    await tick();
    expect(started).toEqual(['recall ns', 'updateMetadata ns']);
    finish('recall ns');
    await tick();
    expect(started).toHaveLength(2); // the explained aggregation needs all 4 slots
    finish('updateMetadata ns');
    await tick();
    expect(started.at(-1)).toBe('explainQuery ns');
    finish('explainQuery ns');
    await Promise.all([a, b, c]);
  });

  it('refuses with 429 and retry-after when the queue deadline passes', async () => {
    const { store, finish } = gatedStore();
    const events: QueueEvent[] = [];
    const limited = withNamespaceLimiter(store, {
      maxInFlightPerNamespace: 1,
      queueTimeoutMs: 20,
      retryAfterSeconds: 3,
      observer: { onQueue: (e) => events.push(e) },
    });
    const first = limited.metadata('ns');
    const err = await limited.metadata('ns').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HevError);
    expect(err).toMatchObject({ code: 'HEV_RATE_LIMITED', status: 429, headers: { 'retry-after': '3' } });
    expect((err as HevError).message).toContain('upstream namespace "ns"');
    expect(events.map((e) => e.outcome)).toEqual(['admitted', 'timeout']);
    finish('metadata ns');
    await first;
    expect(limited.inFlight('ns')).toBe(0);
  });

  it('releases the slot when the call fails, and lets an aborted waiter go', async () => {
    const { store, started, finish } = gatedStore();
    const limited = withNamespaceLimiter(store, { maxInFlightPerNamespace: 1, queueTimeoutMs: 60_000 });
    const failing = limited.write('ns', Payload.fromValue({}));
    const controller = new AbortController();
    const aborted = limited.metadata('ns', { signal: controller.signal }).catch((e: unknown) => e);
    const next = limited.getSchema('ns');
    controller.abort();
    expect(await aborted).toMatchObject({ code: 'HEV_UPSTREAM_TIMEOUT' });
    finish('write ns', new Error('boom'));
    await expect(failing).rejects.toThrow('boom');
    await tick();
    expect(started).toEqual(['write ns', 'getSchema ns']);
    finish('getSchema ns');
    await next;
  });

  it('passes list and ping through and rejects queued calls on close', async () => {
    const { store, started, finish, closedCount } = gatedStore();
    const limited = withNamespaceLimiter(store, { maxInFlightPerNamespace: 1, queueTimeoutMs: 60_000 });
    const running = limited.metadata('ns');
    const queued = limited.metadata('ns').catch((e: unknown) => e);
    const list = limited.listNamespaces({});
    await tick();
    expect([...started].sort()).toEqual(['list', 'metadata ns']);
    await limited.close();
    expect(await queued).toMatchObject({ code: 'HEV_UPSTREAM_UNAVAILABLE' });
    expect(closedCount()).toBe(1);
    finish('metadata ns');
    finish('list');
    await Promise.all([running, list]);
    await expect(limited.metadata('ns')).rejects.toMatchObject({ code: 'HEV_UPSTREAM_UNAVAILABLE' });
  });

  it('applies a raised limit live: queued calls start, none is refused', async () => {
    const { store, started, finish } = gatedStore();
    const limited = withNamespaceLimiter(store, { maxInFlightPerNamespace: 1, queueTimeoutMs: 60_000 });
    const calls = ['a', 'b', 'c'].map((tag) => limited.query('ns', q(tag)));
    await tick();
    expect(started).toEqual(['query ns a']);
    limited.setMaxInFlight(3);
    await tick();
    expect(started).toEqual(['query ns a', 'query ns b', 'query ns c']);
    for (const tag of ['a', 'b', 'c']) finish(`query ns ${tag}`);
    await Promise.all(calls);
  });

  it('applies a lowered limit live: running calls finish, the next starts when it fits', async () => {
    const { store, started, finish } = gatedStore();
    const limited = withNamespaceLimiter(store, { maxInFlightPerNamespace: 4, queueTimeoutMs: 60_000 });
    const calls = ['a', 'b', 'c'].map((tag) => limited.query('ns', q(tag)));
    const agg4 = limited.query('ns', agg('heavy'));
    await tick();
    expect(started).toEqual(['query ns a', 'query ns b', 'query ns c']);
    limited.setMaxInFlight(2);
    finish('query ns a');
    finish('query ns b');
    await tick();
    expect(started).toHaveLength(3); // c still holds 1 of 2; the aggregation (charged 4) runs alone
    finish('query ns c');
    await tick();
    expect(started.at(-1)).toBe('query ns heavy');
    expect(limited.inFlight('ns')).toBe(4);
    finish('query ns heavy');
    await Promise.all([...calls, agg4]);
    expect(limited.inFlight('ns')).toBe(0);
  });

  it('rejects bad options', () => {
    const { store } = gatedStore();
    expect(() => withNamespaceLimiter(store, { maxInFlightPerNamespace: 0 })).toThrow(
      /maxInFlightPerNamespace/,
    );
    expect(() => withNamespaceLimiter(store, { queueTimeoutMs: -1 })).toThrow(/queueTimeoutMs/);
  });
});
