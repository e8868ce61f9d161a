/**
 * The read cache through a whole gateway on a real redis-server (started here, on a free port,
 * with a password): hits come from Redis; when Redis dies every read and write is still answered,
 * from the upstream, never a stale strong read; CacheDegraded appears without the password, and
 * clears once Redis is back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  indexManifest,
  localStore,
  startGatewayFixture,
  type GatewayFixture,
  gatewayConfigManifest,
} from '../helpers/gateway-fixture.ts';
import { redisServerSkipReason, startRedisServer, type TestRedisServer } from '../helpers/redis-server.ts';

const skip = redisServerSkipReason();
const PASSWORD = 'cache-pass-Xq9';
const QUERY = { rank_by: ['id', 'asc'], top_k: 100 };

let redis: TestRedisServer;
let gw: GatewayFixture;

async function query(): Promise<{ outcome: string | null; ids: unknown[] }> {
  const res = await fetch(`${gw.url}/v2/namespaces/docs/query`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(QUERY),
  });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { rows: { id: unknown }[] };
  return { outcome: res.headers.get('x-hevlayer-cache'), ids: body.rows.map((r) => r.id) };
}

async function write(id: number): Promise<void> {
  const res = await fetch(`${gw.url}/v2/namespaces/docs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ upsert_rows: [{ id }] }),
  });
  expect(res.status).toBe(200);
}

async function cacheCondition(): Promise<{ status: string; message: string }> {
  const index = (await (await fetch(`${gw.url}/hevlayer/v1/indexes/docs`)).json()) as {
    status: { conditions: { type: string; status: string; message: string }[] };
  };
  const condition = index.status.conditions.find((c) => c.type === 'CacheDegraded');
  if (condition === undefined) throw new Error('no CacheDegraded condition');
  return condition;
}

describe.skipIf(skip !== undefined)('read cache on a real Redis through the gateway', () => {
  beforeAll(async () => {
    redis = await startRedisServer({ password: PASSWORD });
    gw = await startGatewayFixture({
      manifests: [
        // A generous budget and entry life: nothing here may depend on the machine's speed.
        gatewayConfigManifest({
          cache: { backend: 'redis', url: redis.url, timeoutMs: 1000, strongMaxAge: '1h' },
        }),
        localStore(),
        indexManifest('docs'),
      ],
    });
    await write(1);
  });

  afterAll(async () => {
    await gw?.close();
    await redis?.stop();
  });

  it('serves a repeated strong read from Redis once the first answer is stored (coalesced on it until then)', async () => {
    expect(await query()).toEqual({ outcome: 'miss', ids: [1] });
    // The miss is answered before its answer reaches Redis; a read arriving meanwhile shares it.
    let next = await query();
    for (let i = 0; i < 100 && next.outcome === 'coalesced'; i++) {
      await new Promise((r) => setTimeout(r, 20));
      next = await query();
    }
    expect(next).toEqual({ outcome: 'hit', ids: [1] });
  });

  it('with Redis killed: reads and writes are answered, no stale read, CacheDegraded without the password', async () => {
    await redis.kill();
    expect(await query()).toEqual({ outcome: 'bypass', ids: [1] });
    await write(2);
    expect(await query()).toEqual({ outcome: 'bypass', ids: [1, 2] });
    const degraded = await cacheCondition();
    expect(degraded.status).toBe('True');
    expect(degraded.message).not.toContain(PASSWORD);
    expect(JSON.stringify(await (await fetch(`${gw.url}/metrics`)).text())).not.toContain(PASSWORD);
  });

  it('once Redis is back: CacheDegraded clears, reads are cached again and see every write', async () => {
    await redis.start();
    let outcome: string | null = 'bypass';
    for (let i = 0; i < 200 && outcome === 'bypass'; i++) {
      const answer = await query();
      expect(answer.ids).toEqual([1, 2]);
      outcome = answer.outcome;
      if (outcome === 'bypass') await new Promise((r) => setTimeout(r, 50));
    }
    expect(outcome).toBe('miss');
    // The answer is stored after it is sent; until then identical reads share it (`coalesced`).
    let next = await query();
    for (let i = 0; i < 100 && next.outcome === 'coalesced'; i++) {
      await new Promise((r) => setTimeout(r, 10));
      next = await query();
    }
    expect(next).toEqual({ outcome: 'hit', ids: [1, 2] });
    expect((await cacheCondition()).status).toBe('False');
  });
});
