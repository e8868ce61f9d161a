/**
 * Durability of the local engine across process death: a child process serves a local store;
 * the test streams writes at it, remembers every acknowledged one, kills it with SIGKILL while a
 * write is in flight, restarts it on the same directory and checks that every acknowledged row
 * is there and exact (big u64 ids included). Also: a clean restart, and the directory lock.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseJson, stringifyJson } from '../../src/wire/json.ts';

const CHILD = join(import.meta.dirname, 'fixtures', 'local-server-child.ts');

interface Child {
  readonly proc: ChildProcess;
  readonly url: string;
  readonly exited: Promise<number | null>;
}

const children: ChildProcess[] = [];
let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'hevlayer-crash-'));
});
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

function start(): Promise<Child> {
  const proc = spawn(process.execPath, ['--import', 'tsx', CHILD, dir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(proc);
  let stderr = '';
  proc.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: proc.stdout as NodeJS.ReadableStream });
    lines.once('line', (url) => resolve({ proc, url: url.trim(), exited }));
    void exited.then((code) => reject(new Error(`child exited (${code}) before listening: ${stderr}`)));
  });
}

async function post(url: string, path: string, body: unknown): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: stringifyJson(body),
  });
  return { status: res.status, body: parseJson(await res.text()) };
}

const BASE = 18446744073709551615n - 1_000_000n;

function row(i: number): Record<string, unknown> {
  return { id: BASE + BigInt(i), n: i, s: `row-${i}`, vector: [i % 7, (i * 3) % 11, 1] };
}

async function readAll(url: string, ns: string): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  for (;;) {
    const last = out[out.length - 1];
    const { status, body } = await post(url, `/v2/namespaces/${ns}/query`, {
      rank_by: ['id', 'asc'],
      top_k: 1000,
      include_attributes: ['n', 's', 'vector'],
      ...(last === undefined ? {} : { filters: ['id', 'Gt', last.id] }),
    });
    expect(status).toBe(200);
    const rows = (body as { rows: Record<string, unknown>[] }).rows;
    out.push(...rows);
    if (rows.length < 1000) return out;
  }
}

describe('local engine durability', () => {
  it('every acknowledged write survives kill -9 and a restart', async () => {
    const first = await start();
    const acked: number[] = [];
    const batch = 50;
    let i = 0;
    let killed = false;
    const writer = (async () => {
      while (!killed) {
        const rows = Array.from({ length: batch }, (_, k) => row(i + k));
        const startAt = i;
        i += batch;
        try {
          const res = await post(first.url, '/v2/namespaces/crash', {
            upsert_rows: rows,
            distance_metric: 'euclidean_squared',
          });
          if (res.status === 200) for (let k = 0; k < batch; k++) acked.push(startAt + k);
        } catch {
          return; // the connection died with the process
        }
      }
    })();
    while (acked.length < 2_000) await new Promise((r) => setTimeout(r, 5));
    first.proc.kill('SIGKILL');
    killed = true;
    await first.exited;
    await writer;
    expect(first.proc.signalCode).toBe('SIGKILL');

    const second = await start();
    const rows = await readAll(second.url, 'crash');
    const byId = new Map(rows.map((r) => [r.id, r]));
    for (const n of acked) expect(byId.get(BASE + BigInt(n))).toEqual(row(n));
    // Whatever else is there is a whole batch that was committed but not acknowledged in time.
    expect(rows.length % batch).toBe(0);
    expect(rows.length).toBeGreaterThanOrEqual(acked.length);
    second.proc.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  });

  it('a clean restart keeps data, schema and metadata; a second process is locked out', async () => {
    const first = await start();
    const write = await post(first.url, '/v2/namespaces/keep', {
      upsert_rows: [{ id: 18446744073709551615n, title: 'the quick fox', tags: ['a'] }],
      schema: { title: { type: 'string', full_text_search: true } },
    });
    expect(write.status).toBe(200);
    const meta = await (await fetch(`${first.url}/v1/namespaces/keep/metadata`)).json();

    const intruder = spawn(process.execPath, ['--import', 'tsx', CHILD, dir], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(intruder);
    let stderr = '';
    intruder.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise((resolve) => intruder.once('exit', resolve));
    expect(code).not.toBe(0);
    expect(stderr).toMatch(/in use by another process/);

    first.proc.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    const second = await start();
    expect(await (await fetch(`${second.url}/v1/namespaces/keep/metadata`)).json()).toEqual(meta);
    const q = await post(second.url, '/v2/namespaces/keep/query', {
      rank_by: ['title', 'BM25', 'fox'],
      include_attributes: ['tags'],
    });
    expect(q.body).toMatchObject({ rows: [{ id: 18446744073709551615n, tags: ['a'] }] });
    second.proc.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  });
});
