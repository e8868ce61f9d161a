/**
 * Acknowledged data is never lost through the whole gateway process: `hevlayer serve` with a
 * 3-shard Index on the local store takes writes, is killed with SIGKILL while a write is in flight,
 * restarts on the same config and data, and every acknowledged row is there, exact.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { parseJson, stringifyJson } from '../../src/wire/json.ts';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'hevlayer.js');
const dir = mkdtempSync(join(tmpdir(), 'hevlayer-gw-crash-'));
const children: ChildProcess[] = [];

afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

function writeConfig(): string {
  const config = join(dir, 'config');
  mkdirSync(config, { recursive: true });
  const docs = [
    {
      apiVersion: 'hevlayer.com/v1',
      kind: 'VectorStore',
      metadata: { name: 'local' },
      spec: { provider: 'local', default: true },
    },
    {
      apiVersion: 'hevlayer.com/v1',
      kind: 'Index',
      metadata: { name: 'orders' },
      spec: { backend: { shards: 3 } },
    },
  ];
  writeFileSync(join(config, 'all.yaml'), docs.map((d) => stringify(d)).join('---\n'));
  return config;
}

function start(config: string): Promise<{ proc: ChildProcess; url: string }> {
  const proc = spawn(process.execPath, [BIN, 'serve', '--config', config, '--data', dir, '--port', '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(proc);
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: proc.stdout as NodeJS.ReadableStream });
    lines.on('line', (line) => {
      const entry = JSON.parse(line) as { msg?: string; url?: string };
      if (entry.msg === 'hevlayer gateway listening' && entry.url !== undefined)
        resolve({ proc, url: entry.url });
    });
    proc.once('exit', (code) => reject(new Error(`gateway exited (${code}) before listening`)));
  });
}

const BIG = 18446744073709551615n;
const row = (i: number) => ({ id: i % 2 === 0 ? BIG - BigInt(i) : i, seq: i, note: `row ${i}` });

async function post(url: string, path: string, body: unknown) {
  const res = await fetch(`${url}${path}`, { method: 'POST', body: stringifyJson(body) });
  return { status: res.status, body: parseJson(await res.text()) as Record<string, unknown> };
}

describe('gateway process crash', () => {
  it('keeps every acknowledged write across SIGKILL and restart', async () => {
    const config = writeConfig();
    const first = await start(config);
    const acked: number[] = [];
    for (let batch = 0; batch < 25; batch++) {
      const rows = Array.from({ length: 8 }, (_, k) => row(batch * 8 + k));
      const res = await post(first.url, '/v2/namespaces/orders', { upsert_rows: rows });
      expect(res.status).toBe(200);
      acked.push(...rows.map((r) => r.seq));
    }
    // One more write is in flight when the process dies; it may or may not have landed.
    const inFlight = post(first.url, '/v2/namespaces/orders', { upsert_rows: [row(10_000)] }).catch(
      () => undefined,
    );
    first.proc.kill('SIGKILL');
    await inFlight;
    await new Promise((r) => first.proc.once('exit', r));

    const second = await start(config);
    const seen = new Map<string, Record<string, unknown>>();
    let last: unknown;
    for (;;) {
      const res = await post(second.url, '/v2/namespaces/orders/query', {
        rank_by: ['id', 'asc'],
        top_k: 50,
        include_attributes: ['seq', 'note'],
        ...(last === undefined ? {} : { filters: ['id', 'Gt', last] }),
      });
      expect(res.status).toBe(200);
      const rows = res.body.rows as Record<string, unknown>[];
      for (const r of rows) seen.set(String(r.id), r);
      if (rows.length < 50) break;
      last = rows.at(-1)?.id;
    }
    for (const seq of acked) {
      const expected = row(seq);
      expect(seen.get(String(expected.id)), `acknowledged row ${seq}`).toEqual({ ...expected });
    }
    second.proc.kill('SIGTERM');
  });
});
