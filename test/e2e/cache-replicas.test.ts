/**
 * Issue 9 acceptance across processes: two `hevlayer serve` replicas (A and B, the built bundle)
 * share one real redis-server as their cache, in front of a counting upstream: a recording proxy
 * (every upstream call counted, its body kept) before a third gateway over the local store, which
 * holds the real data and answers like turbopuffer (its own cache off). Writes "directly upstream"
 * go to that third gateway, bypassing both replicas.
 *
 * The tests run in order and share the servers; the fail-open test kills Redis and comes last.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  indexManifest,
  localStore,
  startGatewayFixture,
  type GatewayFixture,
} from '../helpers/gateway-fixture.ts';
import { startRecordingProxy, type RecordingProxy } from '../helpers/recording-proxy.ts';
import { redisServerSkipReason, startRedisServer, type TestRedisServer } from '../helpers/redis-server.ts';
import { startServeProcess, writeServeConfig, type ServeProcess } from '../helpers/serve-process.ts';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.ts';

const API = 'hevlayer.com/v1';
const root = mkdtempSync(join(tmpdir(), 'hevlayer-cache-replicas-'));
/** capGiB 0.0001 = 107,374 bytes. */
const CAP_GIB = 0.0001;
const CAP_BYTES = Math.floor(CAP_GIB * 2 ** 30);
/** The documented bound for writes that bypass the gateway (docs/adr/read-cache.md). */
const DIRECT_WRITE_BOUND_MS = 1_000;

/** Index name → its spec on the replicas (the upstream namespace is the Index name). */
const INDEXES: Record<string, Record<string, unknown>> = {
  orders: {},
  reads: {},
  feed: { consistency: 'eventual' },
  direct: {},
  capped: { cache: { capGiB: CAP_GIB } },
  hot: {},
  mixed: {},
  split: {},
};

let redis: TestRedisServer;
/** Reads the cache's keys straight from Redis, not through a gateway. */
let redisClient: Redis;
let upstream: GatewayFixture;
let proxy: RecordingProxy;
let a: ServeProcess;
let b: ServeProcess;
const replicas: ServeProcess[] = [];
/** Each replica reaches Redis through its own link, which a test can cut (a partition). */
let linkA: TcpProxy;
let linkB: TcpProxy;

async function startReplica(name: string, link: TcpProxy): Promise<ServeProcess> {
  const dir = join(root, name);
  const config = writeServeConfig(dir, [
    {
      apiVersion: API,
      kind: 'GatewayConfig',
      metadata: { name },
      // A wide call budget (default 20 ms): on this shared 2-core box (load average 8-10) a burst
      // of 100 requests keeps a replica busy past 20 ms before Redis's replies are read, so 43-72
      // of the 100 identical cold queries bypassed the cache, and coalescing with it (reported to
      // the layer's owner). These tests are about what the cache does when it answers in time,
      // and when it is unreachable (refused at once, whatever the budget).
      spec: { cache: { backend: 'redis', url: `redis://127.0.0.1:${link.port}`, timeoutMs: 1000 } },
    },
    {
      apiVersion: API,
      kind: 'VectorStore',
      metadata: { name: 'upstream' },
      spec: {
        provider: 'turbopuffer',
        default: true,
        turbopuffer: { baseURL: proxy.url, apiKeyEnv: 'TPUF_KEY' },
      },
    },
    ...Object.entries(INDEXES).map(([index, spec]) => indexManifest(index, spec)),
  ]);
  const p = await startServeProcess(config, dir, { TPUF_KEY: 'unused-upstream-key' });
  replicas.push(p);
  return p;
}

interface Answer {
  readonly status: number;
  readonly body: Record<string, unknown>;
  /** The x-hevlayer-cache header. */
  readonly cache: string | null;
}

async function call(url: string, method: string, path: string, body?: unknown): Promise<Answer> {
  const res = await fetch(`${url}${path}`, {
    method,
    ...(body === undefined
      ? {}
      : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
  });
  return {
    status: res.status,
    body: (await res.json()) as Record<string, unknown>,
    cache: res.headers.get('x-hevlayer-cache'),
  };
}

const write = (url: string, index: string, rows: readonly Record<string, unknown>[]) =>
  call(url, 'POST', `/v2/namespaces/${index}`, { upsert_rows: rows });
const query = (url: string, index: string, body: Record<string, unknown>) =>
  call(url, 'POST', `/v2/namespaces/${index}/query`, body);

/** The `v` of row 1, as a query sees it. */
const VALUE_OF_ROW_1 = { rank_by: ['id', 'asc'], top_k: 1, include_attributes: ['v'] };
const valueSeen = (answer: Answer) => (answer.body.rows as { v?: unknown }[] | undefined)?.[0]?.v;

function tally(outcomes: readonly (string | null)[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const o of outcomes) counts[String(o)] = (counts[String(o)] ?? 0) + 1;
  return counts;
}

async function cacheCondition(url: string, index: string): Promise<{ status?: string } | undefined> {
  const answer = await call(url, 'GET', `/hevlayer/v1/indexes/${index}`);
  const conditions = (answer.body.status as { conditions?: { type: string; status: string }[] } | undefined)
    ?.conditions;
  return conditions?.find((c) => c.type === 'CacheDegraded');
}

async function waitFor(what: string, condition: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

const skip = redisServerSkipReason();

describe.skipIf(skip !== undefined)('two gateway replicas sharing one Redis cache', () => {
  beforeAll(async () => {
    redis = await startRedisServer();
    upstream = await startGatewayFixture({
      manifests: [
        localStore(),
        ...Object.keys(INDEXES).map((index) => indexManifest(index, { cache: { mode: 'off' } })),
      ],
    });
    proxy = await startRecordingProxy(upstream.url);
    redisClient = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    redisClient.on('error', () => undefined); // Redis is killed on purpose in the fail-open test
    [linkA, linkB] = await Promise.all([startTcpProxy(redis.port), startTcpProxy(redis.port)]);
    [a, b] = await Promise.all([startReplica('a', linkA), startReplica('b', linkB)]);
  }, 60_000);

  afterAll(async () => {
    for (const p of replicas)
      if (p.proc.exitCode === null && p.proc.signalCode === null) p.proc.kill('SIGKILL');
    redisClient?.disconnect();
    await linkA?.close();
    await linkB?.close();
    await proxy?.close();
    await upstream?.close();
    await redis?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it('shows a write acknowledged by replica A to the very next strong read on replica B, 1,000 times in a row with 0 stale reads, and most of those results are then shared hits for the writer', async () => {
    let stale = 0;
    const readerOutcomes: (string | null)[] = [];
    const writerOutcomes: (string | null)[] = [];
    for (let i = 1; i <= 1_000; i++) {
      const [writer, reader] = i % 2 === 1 ? [a, b] : [b, a];
      const written = await write(writer.url, 'orders', [{ id: 1, v: i }]);
      expect(written.status).toBe(200);
      const read = await query(reader.url, 'orders', VALUE_OF_ROW_1);
      expect(read.status).toBe(200);
      if (valueSeen(read) !== i) stale++;
      readerOutcomes.push(read.cache);
      // Same epoch, other replica: served from the shared cache, and still fresh.
      const again = await query(writer.url, 'orders', VALUE_OF_ROW_1);
      if (valueSeen(again) !== i) stale++;
      writerOutcomes.push(again.cache);
    }
    expect(stale).toBe(0);
    // Every write moved the epoch: nothing cached before it can answer the next read.
    expect(readerOutcomes).not.toContain('hit');
    // The writer's re-read races the reader's store of its answer (kept after it is sent): most,
    // not all, are shared hits (a run on 2 busy cores: 868 hits, 127 misses, 5 bypasses).
    expect(tally(writerOutcomes).hit ?? 0, JSON.stringify(tally(writerOutcomes))).toBeGreaterThanOrEqual(500);
  }, 180_000);

  it('answers 20 repeated strong reads with no write in between (alternating replicas) with 1 upstream call: 1 miss, then 19 hits', async () => {
    expect(
      (
        await write(a.url, 'reads', [
          { id: 1, v: 'x' },
          { id: 2, v: 'y' },
        ])
      ).status,
    ).toBe(200);
    const body = { rank_by: ['id', 'desc'], top_k: 2, include_attributes: ['v'] };
    const before = proxy.queries('reads').length;
    const outcomes: (string | null)[] = [];
    for (let i = 0; i < 20; i++) {
      // A stores its answer after sending it: B's read waits until Redis holds it.
      if (i === 1)
        await waitFor(
          'the first answer stored in Redis',
          async () => (await setContents('reads')).entries > 0,
        );
      const answer = await query(i % 2 === 0 ? a.url : b.url, 'reads', body);
      expect(answer.status).toBe(200);
      expect(answer.body.rows).toEqual([
        { id: 2, v: 'y' },
        { id: 1, v: 'x' },
      ]);
      outcomes.push(answer.cache);
    }
    expect(proxy.queries('reads').length - before).toBe(1);
    expect(outcomes).toEqual(['miss', ...Array<string>(19).fill('hit')]);
  });

  it('with consistency eventual serves repeated reads from the cache and asks the upstream with consistency {level: "eventual"}', async () => {
    expect((await write(a.url, 'feed', [{ id: 7, v: 'post' }])).status).toBe(200);
    const body = { rank_by: ['id', 'asc'], top_k: 10, include_attributes: ['v'] };
    const before = proxy.queries('feed').length;
    const outcomes: (string | null)[] = [];
    for (let i = 0; i < 20; i++) {
      if (i === 1)
        await waitFor(
          'the first answer stored in Redis',
          async () => (await setContents('feed')).entries > 0,
        );
      const answer = await query(i % 2 === 0 ? a.url : b.url, 'feed', body);
      expect(answer.body.rows).toEqual([{ id: 7, v: 'post' }]);
      outcomes.push(answer.cache);
    }
    const sent = proxy.queries('feed').slice(before);
    expect(sent).toHaveLength(1);
    expect(JSON.parse(sent[0]?.body ?? '{}')).toEqual({ ...body, consistency: { level: 'eventual' } });
    expect(outcomes).toEqual(['miss', ...Array<string>(19).fill('hit')]);
  });

  it(`makes a write that bypasses the gateways visible to strong reads on both replicas once the documented bound (${DIRECT_WRITE_BOUND_MS} ms) has passed`, async () => {
    expect((await write(a.url, 'direct', [{ id: 1, v: 'before' }])).status).toBe(200);
    expect(valueSeen(await query(b.url, 'direct', VALUE_OF_ROW_1))).toBe('before');
    await waitFor('the answer stored in Redis', async () => (await setContents('direct')).entries > 0);
    const cached = await query(a.url, 'direct', VALUE_OF_ROW_1);
    expect([cached.cache, valueSeen(cached)]).toEqual(['hit', 'before']);

    expect((await write(upstream.url, 'direct', [{ id: 1, v: 'after' }])).status).toBe(200);
    await sleep(DIRECT_WRITE_BOUND_MS + 250);
    expect(valueSeen(await query(a.url, 'direct', VALUE_OF_ROW_1))).toBe('after');
    expect(valueSeen(await query(b.url, 'direct', VALUE_OF_ROW_1))).toBe('after');
  });

  it('keeps the bytes stored in Redis for an Index with capGiB 0.0001 under the cap while two replicas cache 200 distinct ~20 KB results', async () => {
    const text = 'x'.repeat(2_000);
    const rows = Array.from({ length: 60 }, (_, i) => ({ id: i, text }));
    expect((await write(a.url, 'capped', rows)).status).toBe(200);
    const observed: number[] = [];
    const outcomes: (string | null)[] = [];
    for (let batch = 0; batch < 20; batch++) {
      const answers = await Promise.all(
        Array.from({ length: 10 }, (_, k) => {
          // 200 distinct queries of 10 to 13 rows of 2 KB each.
          const n = batch * 10 + k;
          return query(k % 2 === 0 ? a.url : b.url, 'capped', {
            rank_by: ['id', 'asc'],
            top_k: 10 + Math.floor(n / 50),
            include_attributes: ['text'],
            filters: ['id', 'Gte', n % 50],
          });
        }),
      );
      for (const answer of answers) {
        expect(answer.status).toBe(200);
        outcomes.push(answer.cache);
      }
      observed.push((await setContents('capped')).bytes);
    }
    expect(Math.max(...observed)).toBeLessThanOrEqual(CAP_BYTES);
    // Entries were stored (the cap is not met by storing nothing) and evicted (200 × ~20 KB ≫ cap).
    expect(Math.max(...observed)).toBeGreaterThan(CAP_BYTES / 4);
    // Distinct queries: none can be a hit (a few bypass the cache when a call overruns its budget).
    expect(outcomes).not.toContain('hit');
    expect(tally(outcomes).miss ?? 0).toBeGreaterThan(100);
  });

  it('sends 100 concurrent identical cold queries to the upstream exactly once', async () => {
    expect((await write(a.url, 'hot', [{ id: 1, v: 'hot' }])).status).toBe(200);
    const before = proxy.queries('hot').length;
    proxy.holdQueries();
    const answers = Promise.all(Array.from({ length: 100 }, () => query(a.url, 'hot', VALUE_OF_ROW_1)));
    await waitFor('the first query to reach the upstream', () => Promise.resolve(proxy.held > 0));
    // Let the other 99 reach the cache layer while the first is still held upstream.
    await sleep(500);
    proxy.release();
    const all = await answers;
    const outcomes = tally(all.map((x) => x.cache));
    expect({ upstreamCalls: proxy.queries('hot').length - before, outcomes }).toEqual({
      upstreamCalls: 1,
      outcomes: { miss: 1, coalesced: 99 },
    });
    expect(all.every((x) => x.status === 200 && valueSeen(x) === 'hot')).toBe(true);
  });

  // The partition case (docs/adr/read-cache.md "Partition"): A cannot record its write in the
  // cache, so it acknowledges the write only once B's entry from before it has expired.
  it('shows a write acknowledged by replica A while A cannot reach Redis (B can) to the next strong read on B', async () => {
    expect((await write(b.url, 'split', [{ id: 1, v: 'before' }])).status).toBe(200);
    expect(valueSeen(await query(b.url, 'split', VALUE_OF_ROW_1))).toBe('before');
    await waitFor('the answer stored in Redis', async () => (await setContents('split')).entries > 0);
    linkA.cut();
    try {
      expect((await write(a.url, 'split', [{ id: 1, v: 'after' }])).status).toBe(200);
      expect(valueSeen(await query(b.url, 'split', VALUE_OF_ROW_1))).toBe('after');
    } finally {
      linkA.restore();
      await waitFor(
        'A to reach Redis again',
        async () => (await cacheCondition(a.url, 'split'))?.status !== 'True',
      );
    }
  });

  it('keeps answering every read while Redis is down (from upstream, never a hit), reports CacheDegraded on both replicas, clears it once Redis is back, and is never stale before, during, while reconnecting or after', async () => {
    const stale: Record<string, number> = {};
    let phase = 'before';
    let i = 0;
    const step = async () => {
      i++;
      const [writer, reader] = i % 2 === 1 ? [a, b] : [b, a];
      const written = await write(writer.url, 'mixed', [{ id: 1, v: i }]);
      expect(written.status).toBe(200);
      const outcomes: (string | null)[] = [];
      for (const replica of [reader, writer]) {
        const read = await query(replica.url, 'mixed', VALUE_OF_ROW_1);
        expect(read.status).toBe(200);
        if (valueSeen(read) !== i) stale[phase] = (stale[phase] ?? 0) + 1;
        outcomes.push(read.cache);
      }
      return outcomes;
    };
    for (let k = 0; k < 20; k++) await step();
    expect((await cacheCondition(a.url, 'mixed'))?.status).not.toBe('True');

    await redis.kill();
    phase = 'outage';
    const outage: (string | null)[] = [];
    // Each write now waits out strongMaxAge (1 s) + the budget before it is acknowledged.
    for (let k = 0; k < 8; k++) outage.push(...(await step()));
    expect(await cacheCondition(a.url, 'mixed')).toMatchObject({ type: 'CacheDegraded', status: 'True' });
    expect(await cacheCondition(b.url, 'mixed')).toMatchObject({ type: 'CacheDegraded', status: 'True' });
    expect(outage).not.toContain('hit');

    await redis.start();
    // Until both replicas are back, one may write without reaching Redis while the other serves
    // from it: the partition case above, judged like every other phase.
    phase = 'reconnecting';
    for (const replica of [a, b]) {
      await waitFor(`CacheDegraded to clear on ${replica === a ? 'A' : 'B'}`, async () => {
        await step();
        return (await cacheCondition(replica.url, 'mixed'))?.status !== 'True';
      });
    }
    phase = 'after';
    const after: (string | null)[] = [];
    for (let k = 0; k < 20; k++) after.push(...(await step()));
    expect(stale).toEqual({});
    // Caching again: each step's second read (same epoch, other replica) is mostly a shared hit.
    expect(after).toContain('hit');
  }, 120_000);
});

/**
 * One cache set as Redis itself holds it (not the adapter's accounting): its live entry keys
 * `<prefix>:{<set>}:e:<key>` and their bytes as stored (entry key + value, src/cache/port.ts).
 */
async function setContents(set: string): Promise<{ entries: number; bytes: number }> {
  let entries = 0;
  let bytes = 0;
  let cursor = '0';
  do {
    const [next, keys] = await redisClient.scan(cursor, 'MATCH', `*:{${set}}:e:*`, 'COUNT', 1000);
    cursor = next;
    for (const key of keys) {
      const length = await redisClient.strlen(key);
      if (length === 0) continue; // expired or evicted since the scan
      entries++;
      bytes += Buffer.byteLength(key.slice(key.indexOf('}:e:') + 4)) + length;
    }
  } while (cursor !== '0');
  return { entries, bytes };
}
