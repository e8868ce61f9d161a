/**
 * Streaming memory: a gateway process scans 1M small rows from an 8-shard upstream that
 * synthesizes pages (test/helpers/page-upstream.ts) to a client that reads slowly. Backpressure
 * must hold the upstream reads back, so the gateway's RSS grows by less than 100 MB. Needs
 * `npm run build` (the gateway runs as a child process, measured through /proc).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { gatewayConfigManifest, indexManifest, turbopufferStore } from '../helpers/gateway-fixture.ts';
import { startPageUpstream, type PageUpstream } from '../helpers/page-upstream.ts';
import { startServeProcess, writeServeConfig, type ServeProcess } from '../helpers/serve-process.ts';

const ROWS = 1_000_000;
const MB = 1024 * 1024;
let upstream: PageUpstream;
let gateway: ServeProcess;
let dir: string;

function rssBytes(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(match?.[1] ?? 0) * 1024;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hev-scan-mem-'));
  upstream = await startPageUpstream({ prefix: 'big', shards: 8, total: ROWS });
  const config = writeServeConfig(dir, [
    gatewayConfigManifest({ scan: { maxThreads: 8 } }),
    turbopufferStore('tp', { baseURL: upstream.url, apiKeyEnv: 'TP_KEY' }),
    indexManifest('big', { backend: { shards: 8 } }),
  ]);
  gateway = await startServeProcess(config, dir, {
    TP_KEY: 'tpuf_memoryTestKey0123456789abcdefgh',
  });
});

afterAll(async () => {
  gateway?.proc.kill('SIGTERM');
  await gateway?.exited;
  await upstream?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('scan streaming memory', () => {
  it('streams 1M rows to a slow reader with the gateway RSS growing < 100 MB', async () => {
    const pid = gateway.proc.pid as number;
    // A small scan first, so lazily loaded code and pools count in the baseline.
    const warm = await request(`${gateway.url}/hevlayer/v1/indexes/big/scan`, {
      method: 'POST',
      body: '{"page_size":100,"threads":8}',
    });
    await warm.body.text();
    const baseline = rssBytes(pid);
    let peak = baseline;
    const sampler = setInterval(() => (peak = Math.max(peak, rssBytes(pid))), 20);
    try {
      const res = await request(`${gateway.url}/hevlayer/v1/indexes/big/scan`, {
        method: 'POST',
        body: '{"page_size":10000,"threads":8}',
      });
      let newlines = 0;
      let last = '';
      for await (const chunk of res.body as AsyncIterable<Buffer>) {
        for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) newlines++;
        last = (last + chunk.toString('utf8')).slice(-300);
        await sleep(2); // a slow consumer: the gateway produces far faster than this reads
      }
      expect(newlines).toBe(ROWS + 1);
      expect(JSON.parse(last.trimEnd().split('\n').at(-1) ?? '{}')).toMatchObject({
        $scan: { rows: ROWS, threads: 8, shards: 8, cursor: null },
      });
    } finally {
      clearInterval(sampler);
    }
    const growth = (peak - baseline) / MB;
    console.log(`scan memory: RSS ${(baseline / MB).toFixed(0)} MB, peak ${(peak / MB).toFixed(0)} MB`);
    expect(growth, `RSS ${(baseline / MB).toFixed(0)} MB → peak ${(peak / MB).toFixed(0)} MB`).toBeLessThan(
      100,
    );
  }, 120_000);
});
