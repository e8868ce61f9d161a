/**
 * The threaded store: a read that starts after a write was acknowledged sees it on every reader
 * thread (catch-up from the change log, or a full reload once the log no longer reaches back),
 * the directory lock, close() with writes in flight, and calls aborted before they start.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Payload } from '../../../wire/payload.ts';
import { createLocalStore } from '../index.ts';
import { openTestStore, type TestStore } from '../testing.ts';

let t: TestStore | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const BIG = 18446744073709551615n;

/** The same query on as many calls in parallel as there are readers (and then some). */
async function everywhere(s: TestStore, ns: string, body: unknown): Promise<Record<string, unknown>[]> {
  return Promise.all(Array.from({ length: 4 }, () => s.query(ns, body)));
}

function ids(res: Record<string, unknown>): unknown[] {
  return (res.rows as { id: unknown }[]).map((r) => r.id);
}

describe('read-your-writes across reader threads', () => {
  it('upserts, patches and deletes are visible to every reader right after they are acknowledged', async () => {
    t = await openTestStore({ readers: 2 });
    const s = t;
    await s.write('ryw', { upsert_rows: [{ id: BIG, n: -1 }] });
    await everywhere(s, 'ryw', { top_k: 1 }); // both readers load the namespace
    for (let i = 0; i < 40; i++) {
      const ops: Record<string, unknown> = {
        upsert_rows: [{ id: i, n: i }],
        patch_rows: [{ id: BIG, n: i }],
      };
      if (i >= 2) ops.deletes = [i - 2];
      await s.write('ryw', ops);
      for (const res of await everywhere(s, 'ryw', { top_k: 100, include_attributes: ['n'] })) {
        const expected = i >= 1 ? [i - 1, i, BIG] : [i, BIG];
        expect(ids(res)).toEqual(expected);
        expect((res.rows as { n: number }[]).at(-1)?.n).toBe(i);
      }
    }
  });

  it('schema changes and a namespace deleted and re-created are visible to every reader', async () => {
    t = await openTestStore({ readers: 2 });
    const s = t;
    await s.write('sc', { upsert_rows: [{ id: 1, title: 'quick brown fox' }] });
    await everywhere(s, 'sc', { top_k: 1 });
    await s.store.updateSchema(
      'sc',
      Payload.fromValue({ title: { type: 'string', full_text_search: true } }),
    );
    for (const res of await everywhere(s, 'sc', { rank_by: ['title', 'BM25', 'fox'] })) {
      expect(ids(res)).toEqual([1]);
    }
    await s.store.deleteNamespace('sc');
    for (const p of Array.from({ length: 4 }, () => s.error(s.store.query('sc', Payload.fromValue({}))))) {
      expect((await p).code).toBe('HEV_NAMESPACE_NOT_FOUND');
    }
    await s.write('sc', { upsert_rows: [{ id: 'a', title: 'lazy dog' }] });
    for (const res of await everywhere(s, 'sc', { top_k: 10, include_attributes: true })) {
      expect(res.rows).toEqual([{ id: 'a', title: 'lazy dog' }]);
    }
  });
});

describe('reader catch-up', () => {
  it('re-reads only the touched ids while the change log reaches back, else reloads in full', async () => {
    t = await openTestStore({ readers: 1, changeLogRetention: 3 });
    const s = t;
    const temperature = async () => {
      const res = await s.query('cu', { top_k: 100, include_attributes: ['n'] });
      return { hot: (res.performance as { cache_temperature: string }).cache_temperature, rows: res.rows };
    };
    await s.write('cu', { upsert_rows: [1, 2, 3].map((id) => ({ id, n: 0 })) });
    expect((await temperature()).hot).toBe('cold');
    await s.write('cu', { patch_rows: [{ id: 2, n: 5 }], deletes: [3] });
    expect(await temperature()).toEqual({
      hot: 'hot',
      rows: [
        { id: 1, n: 0 },
        { id: 2, n: 5 },
      ],
    });
    for (let i = 0; i < 5; i++) await s.write('cu', { upsert_rows: [{ id: 10 + i, n: i }] });
    const reloaded = await temperature();
    expect(reloaded.hot).toBe('cold');
    expect((reloaded.rows as unknown[]).length).toBe(7);
    await s.write('cu', { upsert_rows: [{ id: 1, n: 9 }] });
    const caughtUp = await temperature();
    expect(caughtUp.hot).toBe('hot');
    expect((caughtUp.rows as unknown[])[0]).toEqual({ id: 1, n: 9 });
  });

  it('a namespace dropped and re-created is reloaded, never patched from the old one', async () => {
    t = await openTestStore({ readers: 1 });
    const s = t;
    await s.write('rc', { upsert_rows: [{ id: 1 }, { id: 2 }] });
    await s.query('rc', {});
    await s.store.deleteNamespace('rc');
    await s.write('rc', { upsert_rows: [{ id: 3 }] });
    const res = await s.query('rc', {});
    expect(ids(res)).toEqual([3]);
    expect((res.performance as { cache_temperature: string }).cache_temperature).toBe('cold');
  });
});

describe('lifecycle', () => {
  it('a second store on the same directory fails with HEV_CONFLICT until the first is closed', async () => {
    t = await openTestStore({ readers: 1 });
    const s = t;
    const err = await s.error(createLocalStore({ path: s.dir, readers: 1 }));
    expect(err.code).toBe('HEV_CONFLICT');
    expect(err.message).toMatch(/in use by another process/);
    t = await s.reopen({ readers: 1 });
    expect(ids(await t.query('none', {}).catch(() => ({ rows: [] })))).toEqual([]);
  });

  it('close() lets every write already sent finish and be acknowledged', async () => {
    t = await openTestStore({ readers: 1 });
    const s = t;
    const writes = Array.from({ length: 10 }, (_, b) =>
      s.write('cl', { upsert_rows: Array.from({ length: 500 }, (_, k) => ({ id: b * 500 + k, v: [k, 1] })) }),
    );
    await s.store.close();
    const outcomes = await Promise.allSettled(writes);
    expect(outcomes.every((o) => o.status === 'fulfilled')).toBe(true);
    const after = await s.error(s.store.query('cl', Payload.fromValue({})));
    expect(after.code).toBe('HEV_UPSTREAM_UNAVAILABLE');
    t = await s.reopen({ readers: 1 });
    const res = await t.query('cl', { aggregate_by: { n: ['Count'] } });
    expect(res.aggregations).toEqual({ n: 5000 });
  });

  it('a call whose signal fired before it started does not run', async () => {
    t = await openTestStore({ readers: 1 });
    const s = t;
    const body = (id: number) => Payload.fromValue({ upsert_rows: [{ id }] });
    const early = new AbortController();
    early.abort();
    expect((await s.error(s.store.write('ab', body(1), { signal: early.signal }))).status).toBe(499);
    // Queued behind a big write: aborted while waiting for the writer thread.
    const big = s.write('ab', { upsert_rows: Array.from({ length: 20_000 }, (_, i) => ({ id: 100 + i })) });
    const late = new AbortController();
    const queued = s.store.write('ab', body(2), { signal: late.signal });
    late.abort();
    expect((await s.error(queued)).status).toBe(499);
    await big;
    const res = await s.query('ab', { filters: ['id', 'Lt', 100] });
    expect(res.rows).toEqual([]);
    const q = new AbortController();
    q.abort();
    expect((await s.error(s.store.query('ab', Payload.fromValue({}), { signal: q.signal }))).status).toBe(
      499,
    );
  });

  it('no thread keeps the process alive after close()', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hevlayer-exit-'));
    const script = `
      import { createLocalStore } from ${JSON.stringify(join(import.meta.dirname, '..', 'index.ts'))};
      import { Payload } from ${JSON.stringify(join(import.meta.dirname, '..', '..', '..', 'wire', 'payload.ts'))};
      const s = await createLocalStore({ path: process.argv[1] });
      await s.write('a', Payload.fromValue({ upsert_rows: [{ id: 1 }] }));
      await s.query('a', Payload.fromValue({}));
      await s.close();
      console.log('closed');`;
    try {
      // No process.exit in the script: it ends only if close() left no handle (thread, timer,
      // connection) keeping the event loop alive. piscina also unrefs idle threads, so this guards
      // against everything else; close() destroys the pools regardless.
      const child = spawnSync(
        process.execPath,
        ['--import', 'tsx', '--input-type=module', '-e', script, dir],
        {
          timeout: 20_000,
          encoding: 'utf8',
        },
      );
      expect(child.stderr).toBe('');
      expect(child.signal).toBeNull();
      expect(child.status).toBe(0);
      expect(child.stdout.trim()).toBe('closed');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
