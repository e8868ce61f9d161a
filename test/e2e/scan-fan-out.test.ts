/**
 * Scans through a whole gateway over a turbopuffer upstream that records its concurrent in-flight
 * queries (test/helpers/page-upstream.ts): the fan-out cap is never exceeded and is reached when
 * the work allows; never-written shards are skipped; the final line reports the effective fan-out;
 * a client that goes away stops the upstream work.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, request } from 'undici';
import {
  gatewayConfigManifest,
  indexManifest,
  startGatewayFixture,
  turbopufferStore,
  type GatewayFixture,
} from '../helpers/gateway-fixture.ts';
import { startPageUpstream, type PageUpstream } from '../helpers/page-upstream.ts';

const TOTAL = 8_000;
let upstream: PageUpstream;
let sparse: PageUpstream;
let gw: GatewayFixture;

beforeAll(async () => {
  upstream = await startPageUpstream({ prefix: 'wide', shards: 8, total: TOTAL, delayMs: 15 });
  sparse = await startPageUpstream({ prefix: 'sparse', shards: 8, total: 2_000, missing: [1, 4, 5, 6, 7] });
  gw = await startGatewayFixture({
    manifests: [
      gatewayConfigManifest({ scan: { maxThreads: 6 } }),
      turbopufferStore('tp', { baseURL: upstream.url, apiKeyEnv: 'TP_KEY' }),
      turbopufferStore('tp-sparse', { baseURL: sparse.url, apiKeyEnv: 'TP_KEY' }, false),
      indexManifest('wide', { backend: { shards: 8 }, scan: { threads: 4 } }),
      indexManifest('sparse', { backend: { storeRef: 'tp-sparse', shards: 8 } }),
    ],
    env: { TP_KEY: 'tpuf_scanTestKey0123456789abcdefghij' },
  });
});

afterAll(async () => {
  await gw?.close();
  await upstream?.close();
  await sparse?.close();
});

async function scan(index: string, body: Record<string, unknown>) {
  const res = await request(`${gw.url}/hevlayer/v1/indexes/${index}/scan`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await res.body.text();
  const lines = text
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { status: res.statusCode, rows: lines.filter((l) => 'id' in l), last: lines.at(-1) ?? {} };
}

describe('scan fan-out against a recording upstream', () => {
  it.each([
    [undefined, 4], // the Index default (scan.threads 4)
    [2, 2],
    [6, 6],
    [16, 6], // the server cap (maxThreads 6)
  ])('threads %s: at most %i queries in flight, and that many at the peak', async (threads, expected) => {
    // maxInFlight is a high-water mark: each case gets its own upstream and gateway.
    const fresh = await startPageUpstream({ prefix: 'wide', shards: 8, total: TOTAL, delayMs: 15 });
    const local = await startGatewayFixture({
      manifests: [
        gatewayConfigManifest({ scan: { maxThreads: 6 } }),
        turbopufferStore('tp', { baseURL: fresh.url, apiKeyEnv: 'TP_KEY' }),
        indexManifest('wide', { backend: { shards: 8 }, scan: { threads: 4 } }),
      ],
      env: { TP_KEY: 'tpuf_scanTestKey0123456789abcdefghij' },
    });
    try {
      const res = await request(`${local.url}/hevlayer/v1/indexes/wide/scan`, {
        method: 'POST',
        body: JSON.stringify({ page_size: 100, ...(threads === undefined ? {} : { threads }) }),
      });
      const lines = (await res.body.text()).trimEnd().split('\n');
      const last = JSON.parse(lines.at(-1) ?? '{}') as { $scan: Record<string, unknown> };
      expect(last.$scan).toMatchObject({ rows: TOTAL, threads: expected, shards: 8, cursor: null });
      expect(lines).toHaveLength(TOTAL + 1);
      expect(fresh.maxInFlight).toBe(expected);
    } finally {
      await local.close();
      await fresh.close();
    }
  });

  it('skips shards never written: the fan-out is clamped by the 3 active shards', async () => {
    const { status, rows, last } = await scan('sparse', { threads: 8, page_size: 50 });
    expect(status).toBe(200);
    const ids = rows.map((r) => r.id as number);
    const expected = Array.from({ length: 2_000 }, (_, id) => id).filter((id) => [0, 2, 3].includes(id % 8));
    expect(ids.slice().sort((a, b) => a - b)).toEqual(expected);
    expect(new Set(ids).size).toBe(ids.length);
    expect(last).toEqual({
      $scan: { rows: expected.length, threads: 3, shards: 3, durationMs: expect.any(Number), cursor: null },
    });
    expect(sparse.maxInFlight).toBeLessThanOrEqual(3);
  });

  it('aborts the upstream work at once when the client goes away', async () => {
    const client = new Client(gw.url);
    const res = await client.request({
      path: '/hevlayer/v1/indexes/wide/scan',
      method: 'POST',
      body: JSON.stringify({ page_size: 10, threads: 4 }),
    });
    for await (const chunk of res.body) {
      expect(String(chunk)).toContain('"id"');
      break;
    }
    await client.destroy();
    const app = gw.gateway.app;
    for (let i = 0; i < 100 && app.inFlight().length > 0; i++) await sleep(10);
    expect(app.inFlight()).toEqual([]);
    // Queries already at the upstream end within its 15 ms delay; no new one starts after that.
    await sleep(30);
    const after = upstream.pages + upstream.abandoned;
    await sleep(150);
    expect(upstream.pages + upstream.abandoned).toBe(after);
    expect(upstream.inFlight).toBe(0);
  });

  it('ends a scan with its final line and a resumable cursor when the gateway shuts down', async () => {
    const own = await startGatewayFixture({
      manifests: [
        turbopufferStore('tp', { baseURL: upstream.url, apiKeyEnv: 'TP_KEY' }),
        indexManifest('wide', { backend: { shards: 8 } }),
      ],
      env: { TP_KEY: 'tpuf_scanTestKey0123456789abcdefghij' },
    });
    const res = await request(`${own.url}/hevlayer/v1/indexes/wide/scan`, {
      method: 'POST',
      body: JSON.stringify({ page_size: 10, threads: 2 }),
    });
    const reading = res.body.text();
    await sleep(100);
    await own.close();
    const lines = (await reading).trimEnd().split('\n');
    const last = JSON.parse(lines.at(-1) ?? '{}') as {
      $scan: { rows: number; cursor: unknown; error: string };
    };
    expect(last.$scan.error).toBe('the gateway is shutting down; resume from the cursor');
    expect(last.$scan.cursor).toBeTypeOf('string');
    expect(last.$scan.rows).toBe(lines.length - 1);
    expect(last.$scan.rows).toBeLessThan(TOTAL);
  });
});
