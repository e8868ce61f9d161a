/**
 * `hevlayer scan` and `hevlayer cache warm` as processes against a gateway: an export to a file
 * holds every row once; bad flags exit 1 with a message and write nothing; an export killed at a
 * random point and run again with the same `--resume FILE` ends with every row exactly once; a warm
 * is followed to its end. Needs `npm run build`.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  gatewayConfigManifest,
  indexManifest,
  localStore,
  startGatewayFixture,
  turbopufferStore,
  type GatewayFixture,
} from '../helpers/gateway-fixture.ts';
import { startPageUpstream, type PageUpstream } from '../helpers/page-upstream.ts';

const run = promisify(execFile);
const BIN = new URL('../../bin/hevlayer.js', import.meta.url).pathname;
const SLOW_ROWS = 6_000;
let gw: GatewayFixture;
let slow: PageUpstream;

beforeAll(async () => {
  slow = await startPageUpstream({ prefix: 'slow', shards: 4, total: SLOW_ROWS, delayMs: 10 });
  gw = await startGatewayFixture({
    manifests: [
      gatewayConfigManifest(),
      localStore(),
      turbopufferStore('tp', { baseURL: slow.url, apiKeyEnv: 'TP_KEY' }, false),
      indexManifest('catalog', { backend: { shards: 3 }, cache: { mode: 'warm' } }),
      indexManifest('slow', { backend: { storeRef: 'tp', shards: 4 } }),
    ],
    env: { TP_KEY: 'tpuf_cliScanKey0123456789abcdefghijk' },
    serve: { warmPollMs: 0 },
  });
  const rows = Array.from({ length: 3_000 }, (_, id) => ({ id, brand: id % 3 === 0 ? 'acme' : 'other' }));
  const res = await fetch(`${gw.url}/v2/namespaces/catalog`, {
    method: 'POST',
    body: JSON.stringify({ upsert_rows: rows }),
  });
  expect(res.status).toBe(200);
});

afterAll(async () => {
  await gw?.close();
  await slow?.close();
});

const idsIn = (file: string) =>
  readFileSync(file, 'utf8')
    .trimEnd()
    .split('\n')
    .map((l) => (JSON.parse(l) as { id: number }).id);

function expectEachOnce(ids: number[], total: number): void {
  expect(ids).toHaveLength(total);
  expect([...ids].sort((a, b) => a - b)).toEqual(Array.from({ length: total }, (_, i) => i));
}

describe('hevlayer scan', () => {
  it('writes every row once to --out, with the attributes asked for, and a summary on stderr', async () => {
    const out = join(gw.dir, 'all.ndjson');
    const { stderr } = await run('node', [
      BIN,
      'scan',
      'catalog',
      '--url',
      gw.url,
      '--out',
      out,
      '--attributes',
      'brand',
    ]);
    expectEachOnce(idsIn(out), 3_000);
    expect(readFileSync(out, 'utf8').split('\n')[0]).toMatch(/^\{"id":\d+,"brand":"(acme|other)"\}$/);
    expect(stderr).toMatch(/\nscanned 3000 rows of catalog \(threads 3, shards 3\) in [\d.]+ s\n$/);
  });

  it('writes NDJSON to stdout with --filters', async () => {
    const { stdout } = await run('node', [
      BIN,
      'scan',
      'catalog',
      '--url',
      gw.url,
      '--filters',
      '["brand","Eq","acme"]',
    ]);
    const ids = stdout
      .trimEnd()
      .split('\n')
      .map((l) => (JSON.parse(l) as { id: number }).id);
    expect([...ids].sort((a, b) => a - b)).toEqual(Array.from({ length: 1_000 }, (_, i) => i * 3));
  });

  it.each([
    [['--threads', '0'], '--threads must be an integer between 1 and 1024, got "0"'],
    [['--page-size', '20000'], '--page-size must be an integer between 1 and 10000'],
    [['--filters', 'brand=acme'], '--filters must be JSON'],
    [['--filters', '{"a":1}'], '--filters must be a JSON array'],
    [['--attributes', 'a,,b'], '--attributes must be a comma-separated list'],
    [['--url', 'ftp://x'], '--url must be an http(s) URL'],
  ])('%j exits 1 with a message and writes nothing', async (flags, message) => {
    const out = join(gw.dir, `bad-${flags[0]}.ndjson`);
    await expect(
      run('node', [BIN, 'scan', 'catalog', '--url', gw.url, '--out', out, ...flags]),
    ).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining(message) as unknown,
    });
    expect(existsSync(out)).toBe(false);
  });

  it('exits 1 with the gateway’s message for an undeclared Index', async () => {
    await expect(run('node', [BIN, 'scan', 'nope', '--url', gw.url])).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining('no Index named') as unknown,
    });
  });

  it('killed at a random point and run again with the same --resume FILE, ends with every row exactly once', async () => {
    const out = join(gw.dir, 'resumed.ndjson');
    const state = join(gw.dir, 'resume.json');
    const args = [
      BIN,
      'scan',
      'slow',
      '--url',
      gw.url,
      '--out',
      out,
      '--resume',
      state,
      '--threads',
      '1',
      '--page-size',
      '100',
    ];
    const first = spawn('node', args, { stdio: 'ignore' });
    while (!existsSync(state)) await sleep(10);
    await sleep(Math.floor(Math.random() * 400));
    first.kill('SIGKILL');
    await new Promise((resolve) => first.once('exit', resolve));
    const saved = JSON.parse(readFileSync(state, 'utf8')) as { rows: number; cursor: string | null };
    expect(saved.rows).toBeGreaterThan(0);
    expect(saved.cursor).not.toBeNull();
    const { stderr } = await run('node', args);
    expect(stderr).toContain(`${SLOW_ROWS} in all with the resumed part`);
    expectEachOnce(idsIn(out), SLOW_ROWS);
    expect(JSON.parse(readFileSync(state, 'utf8'))).toMatchObject({ cursor: null, rows: SLOW_ROWS });
    const again = await run('node', args);
    expect(again.stderr).toContain('is complete');
  });
});

describe('hevlayer cache warm', () => {
  it('starts a warm and prints its final progress', async () => {
    const { stdout } = await run('node', [
      BIN,
      'cache',
      'warm',
      'catalog',
      '--url',
      gw.url,
      '--interval',
      '50',
    ]);
    expect(JSON.parse(stdout)).toMatchObject({
      index: 'catalog',
      state: 'succeeded',
      rows: 3_000,
      documents: 3_000,
    });
  });

  it('exits 1 for an Index whose cache.mode is not warm or that is not declared', async () => {
    await expect(run('node', [BIN, 'cache', 'warm', 'slow', '--url', gw.url])).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining('HTTP 409: Index "slow" has cache.mode standard') as unknown,
    });
    await expect(run('node', [BIN, 'cache', 'warm', 'nope', '--url', gw.url])).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining('HTTP 404') as unknown,
    });
  });
});
