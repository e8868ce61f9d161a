/**
 * turbopuffer's rank-by-attribute documentation examples sent with the official SDK to the local
 * engine behind the gateway routes: each is computed (checked against a hand-computed ranking),
 * and a documented form the engine does not compute is the SDK's BadRequestError naming it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Turbopuffer, { type RankBy } from '@turbopuffer/turbopuffer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGatewayServer, type GatewayServer } from '../../src/gateway/server.ts';
import { openResolver } from '../../src/gateway/target.ts';
import { createLocalStore, type LocalStore } from '../../src/stores/local/index.ts';
import { listenOnFreePort } from '../helpers/listen.ts';

let dir: string;
let store: LocalStore;
let app: GatewayServer;
let client: Turbopuffer;

const ns = () => client.namespace('rank-by-attribute');

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hevlayer-sdk-rank-'));
  store = await createLocalStore({ path: dir });
  app = createGatewayServer({ resolver: openResolver(store) });
  client = new Turbopuffer({ apiKey: 'x', baseURL: await listenOnFreePort(app), maxRetries: 0 });
  await ns().write({
    upsert_rows: [
      { id: 1, title: 'quick fox', clicks: 100, published_at: '2026-02-03T12:13:14Z' },
      { id: 2, title: 'quick fox', clicks: 0, published_at: '2026-02-03T00:13:14Z' },
      { id: 3, title: 'slow turtle', clicks: 300, published_at: '2026-02-01T12:13:14Z' },
    ],
    schema: {
      title: { type: 'string', full_text_search: true },
      clicks: { type: 'int' },
      published_at: { type: 'datetime' },
    },
  });
});
afterAll(async () => {
  await app.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

async function ranked(rankBy: unknown): Promise<[unknown, number][]> {
  const res = await ns().query({ rank_by: rankBy as RankBy, top_k: 10 });
  return (res.rows ?? []).map((r) => [r.id, r.$dist as number]);
}

describe('rank by attribute through the official SDK', () => {
  it('computes the docs example Sum(BM25, Max(0, Attribute)) as BM25 + clicks', async () => {
    const [[, fox]] = (await ranked(['title', 'BM25', 'quick fox'])) as [[unknown, number]];
    const rows = await ranked([
      'Sum',
      [
        ['title', 'BM25', 'quick fox'],
        ['Max', 0, ['Attribute', 'clicks']],
      ],
    ]);
    expect(rows.map(([id]) => id)).toEqual([3, 1, 2]);
    expect(rows[0]?.[1]).toBeCloseTo(300, 12);
    expect(rows[1]?.[1]).toBeCloseTo(fox + 100, 12);
    expect(rows[2]?.[1]).toBeCloseTo(fox, 12);
  });

  it('computes the docs example Sum(BM25, Product(1.7, Saturate(clicks, midpoint 100)))', async () => {
    const [[, fox]] = (await ranked(['title', 'BM25', 'quick fox'])) as [[unknown, number]];
    const rows = await ranked([
      'Sum',
      [
        ['title', 'BM25', 'quick fox'],
        ['Product', 1.7, ['Saturate', ['Attribute', 'clicks'], { midpoint: 100 }]],
      ],
    ]);
    expect(rows.map(([id]) => id)).toEqual([1, 3, 2]);
    expect(rows[0]?.[1]).toBeCloseTo(fox + 1.7 * 0.5, 12);
    expect(rows[1]?.[1]).toBeCloseTo(1.7 * 0.75, 12);
    expect(rows[2]?.[1]).toBeCloseTo(fox, 12);
  });

  it('computes the docs recency example Decay(Dist(published_at, origin), midpoint 6h)', async () => {
    const rows = await ranked([
      'Decay',
      ['Dist', ['Attribute', 'published_at'], '2026-02-03T12:13:14'],
      { midpoint: '6h' },
    ]);
    // Distances 0, 12 h and 48 h: 6/(0+6), 6/(12+6), 6/(48+6).
    expect(rows).toEqual([
      [1, 1],
      [2, expect.closeTo(1 / 3, 12)],
      [3, expect.closeTo(1 / 9, 12)],
    ]);
  });

  it('answers a signed Attribute without Max with a 400 saying how to clamp it', async () => {
    await expect(ranked(['Attribute', 'clicks'])).rejects.toMatchObject({
      status: 400,
      error: { status: 'error', error: expect.stringContaining('wrap it in ["Max", 0, …]') },
    });
  });

  it('answers SparseKNN inside Sum with a BadRequestError naming SparseKNN', async () => {
    const err = await ranked([
      'Sum',
      [
        ['title', 'BM25', 'fox'],
        ['sparse', 'SparseKNN', { a: 1 }],
      ],
    ]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Turbopuffer.BadRequestError);
    expect((err as InstanceType<typeof Turbopuffer.BadRequestError>).message).toMatch(
      /SparseKNN is not supported/,
    );
  });
});
