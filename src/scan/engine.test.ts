/**
 * The scan engine over an in-memory Index dispatch (fake shards answering `scanPage` and pinned
 * `metadata`): pages in id order per shard and each row once; the cursor covers exactly the pages
 * handed out, so a scan stopped after any page and resumed yields exactly the rest; a failing page
 * ends the iteration with the failure while the cursor still resumes; stopping early aborts the
 * page in flight; the page body ANDs the id bound with the caller's filters.
 */
import { describe, expect, it } from 'vitest';
import type { ValidatedResource } from '../resources/manifests.ts';
import { manifest, validResource } from '../resources/test-helpers.ts';
import { buildRegistry } from '../registry/build.ts';
import type { Dispatch, Operation } from '../stores/operations.ts';
import { HevError } from '../wire/errors.ts';
import { Payload } from '../wire/payload.ts';
import { openScan, pageBody, type ScanTarget } from './engine.ts';

const res = (kind: string, name: string, spec: unknown): ValidatedResource => ({
  resource: validResource(manifest(kind, spec, name)),
  source: { file: `${name}.yaml`, document: 1, line: 1 },
});

function target(dispatch: Dispatch, shards = 3): ScanTarget {
  const snapshot = buildRegistry({
    resources: [
      res('VectorStore', 'local', { provider: 'local', default: true }),
      res('Index', 'docs', { backend: { shards } }),
    ],
    generation: 1,
    loadedAt: '2026-01-01T00:00:00.000Z',
    dataDir: '/srv/hev',
  });
  const entry = snapshot.indexes.get('docs');
  if (entry === undefined) throw new Error('no entry');
  return { dispatch, entry, snapshot };
}

interface FakeShards {
  readonly dispatch: Dispatch;
  readonly calls: Operation[];
  /** Fails the n-th scanPage call (1-based) with a 503. */
  failAt?: number | undefined;
}

/** Shard s holds ids s, s+N, … < total; shard `missing` answers 404. */
function fakeShards(shards: number, total: number, missing?: number): FakeShards {
  const fake: FakeShards = {
    calls: [],
    dispatch: async (operation) => {
      fake.calls.push(operation);
      const shard = operation.shard as number;
      if (shard === missing) throw new HevError('HEV_NAMESPACE_NOT_FOUND', 'no such namespace');
      if (operation.op === 'metadata')
        return Payload.fromValue({ approx_row_count: Math.ceil((total - shard) / shards) });
      if (fake.calls.filter((c) => c.op === 'scanPage').length === fake.failAt) {
        throw new HevError('HEV_UPSTREAM_UNAVAILABLE', 'the upstream went away');
      }
      const body = operation.body?.value() as { top_k: number; filters?: unknown[] };
      const bound = body.filters?.[0] === 'id' ? (body.filters[2] as number) : -1;
      const rows = [];
      for (let id = shard; id < total && rows.length < body.top_k; id += shards)
        if (id > bound) rows.push({ id });
      return Payload.fromValue({ rows });
    },
  };
  return fake;
}

const ids = (pages: { rows: readonly { id: unknown }[] }[]) =>
  pages.flatMap((p) => p.rows.map((r) => r.id as number));

describe('scan engine', () => {
  it('pages each shard in id order and hands out every row once, skipping a missing shard', async () => {
    const fake = fakeShards(3, 100, 1);
    const scan = await openScan(target(fake.dispatch), { pageSize: 7, threads: 8 });
    expect({ threads: scan.threads, shards: scan.shards }).toEqual({ threads: 2, shards: 2 });
    const pages = [];
    for await (const page of scan) pages.push(page);
    for (const shard of [0, 2]) {
      const mine = ids(pages.filter((p) => p.shard === shard));
      expect(mine).toEqual(Array.from({ length: 100 }, (_, i) => i).filter((i) => i % 3 === shard));
    }
    expect(scan.rows).toBe(ids(pages).length);
    expect(scan.cursor()).toBeNull();
  });

  it.each([1, 2, 5, 9])(
    'stopped after page %i and resumed from cursor(), yields exactly the rest',
    async (stopAfter) => {
      const fake = fakeShards(3, 60);
      const first = await openScan(target(fake.dispatch), { pageSize: 4, threads: 2 });
      const seen: number[] = [];
      let n = 0;
      for await (const page of first) {
        seen.push(...ids([page]));
        if (++n === stopAfter) break;
      }
      const cursor = first.cursor();
      expect(cursor).toBeTypeOf('string');
      const rest = await openScan(target(fake.dispatch), { pageSize: 4, cursor: cursor as string });
      for await (const page of rest) seen.push(...ids([page]));
      expect([...seen].sort((a, b) => a - b)).toEqual(Array.from({ length: 60 }, (_, i) => i));
    },
  );

  it('a failing page ends the iteration with the failure; its cursor resumes without loss or repeat', async () => {
    const fake = fakeShards(2, 40);
    fake.failAt = 4;
    const scan = await openScan(target(fake.dispatch, 2), { pageSize: 5, threads: 1 });
    const seen: number[] = [];
    await expect(
      (async () => {
        for await (const page of scan) seen.push(...ids([page]));
      })(),
    ).rejects.toThrow('the upstream went away');
    fake.failAt = undefined;
    const rest = await openScan(target(fake.dispatch, 2), { pageSize: 5, cursor: scan.cursor() as string });
    for await (const page of rest) seen.push(...ids([page]));
    expect([...seen].sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i));
  });

  it('stopping early aborts the page in flight', async () => {
    let aborted = 0;
    const hanging: Dispatch = (operation, ctx) => {
      if (operation.op === 'metadata') return Promise.resolve(Payload.fromValue({}));
      // Shard 0 answers at once; shard 1's page hangs until aborted.
      if (operation.shard === 0) return Promise.resolve(Payload.fromValue({ rows: [{ id: 0 }] }));
      return new Promise((_, reject) =>
        ctx.signal?.addEventListener('abort', () => {
          aborted++;
          reject(new Error('aborted'));
        }),
      );
    };
    const scan = await openScan(target(hanging, 2), { pageSize: 1, threads: 2 });
    for await (const page of scan) {
      expect(page.rows).toHaveLength(1);
      break;
    }
    expect(aborted).toBe(1);
  });

  it('ANDs the id bound with the filters and passes include_attributes', () => {
    expect(pageBody({ after: null, done: false }, { filters: ['a', 'Eq', 1] }, 10)).toEqual({
      rank_by: ['id', 'asc'],
      top_k: 10,
      filters: ['a', 'Eq', 1],
    });
    expect(
      pageBody({ after: 7n, done: false }, { filters: ['a', 'Eq', 1], includeAttributes: ['a'] }, 10),
    ).toEqual({
      rank_by: ['id', 'asc'],
      top_k: 10,
      filters: [
        'And',
        [
          ['id', 'Gt', 7n],
          ['a', 'Eq', 1],
        ],
      ],
      include_attributes: ['a'],
    });
  });
});
