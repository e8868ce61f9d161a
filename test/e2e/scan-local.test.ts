/**
 * Scans of a 4-shard Index over the embedded local store, 200k rows, through a whole gateway: every
 * row exactly once (checked by id set), also with a filter; a client cut off at a random point
 * resumes from its last checkpoint and gets exactly the remainder; bad scan requests are 400s.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, request } from 'undici';
import { createRng } from '../../bench/lib/rng.ts';
import {
  indexManifest,
  localStore,
  startGatewayFixture,
  type GatewayFixture,
} from '../helpers/gateway-fixture.ts';

const TOTAL = 200_000;
const BATCH = 10_000;
const CATEGORIES = ['tools', 'garden', 'kitchen', 'toys', 'books'];
let gw: GatewayFixture;

beforeAll(async () => {
  gw = await startGatewayFixture({
    manifests: [localStore(), indexManifest('catalog', { backend: { shards: 4 }, scan: { threads: 4 } })],
  });
  for (let start = 0; start < TOTAL; start += BATCH) {
    const rows = Array.from({ length: BATCH }, (_, k) => ({
      id: start + k,
      category: CATEGORIES[(start + k) % CATEGORIES.length],
    }));
    const res = await request(`${gw.url}/v2/namespaces/catalog`, {
      method: 'POST',
      body: JSON.stringify({ upsert_rows: rows }),
    });
    expect(res.statusCode, await res.body.text()).toBe(200);
  }
}, 120_000);

afterAll(() => gw?.close());

type Line = Record<string, unknown>;

async function scanLines(body: Record<string, unknown>): Promise<{ status: number; lines: Line[] }> {
  const res = await request(`${gw.url}/hevlayer/v1/indexes/catalog/scan`, {
    method: 'POST',
    body: JSON.stringify(body),
  });
  const text = await res.body.text();
  return {
    status: res.statusCode,
    lines: text
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Line),
  };
}

const idsOf = (lines: readonly Line[]) => lines.filter((l) => 'id' in l).map((l) => l.id as number);

function expectExactlyOnce(ids: readonly number[], expected: readonly number[]): void {
  expect(ids).toHaveLength(expected.length);
  expect(new Set(ids).size).toBe(ids.length);
  expect([...ids].sort((a, b) => a - b)).toEqual(expected);
}

describe('scan of a 4-shard local Index with 200k rows', () => {
  it('returns every row exactly once, and a final line with the effective fan-out and no cursor', async () => {
    const { status, lines } = await scanLines({ page_size: 5000 });
    expect(status).toBe(200);
    expectExactlyOnce(
      idsOf(lines),
      Array.from({ length: TOTAL }, (_, i) => i),
    );
    expect(lines.at(-1)).toEqual({
      $scan: { rows: TOTAL, threads: 4, shards: 4, durationMs: expect.any(Number), cursor: null },
    });
  }, 60_000);

  it('with a filter and include_attributes, returns exactly the matching rows once, with the attribute', async () => {
    const { lines } = await scanLines({
      filters: ['category', 'Eq', 'kitchen'],
      include_attributes: ['category'],
      threads: 2,
    });
    const rows = lines.filter((l) => 'id' in l);
    expectExactlyOnce(
      idsOf(rows),
      Array.from({ length: TOTAL }, (_, i) => i).filter((i) => i % 5 === 2),
    );
    expect(rows.every((r) => r.category === 'kitchen')).toBe(true);
    expect(lines.at(-1)).toMatchObject({ $scan: { rows: TOTAL / 5, threads: 2, shards: 4, cursor: null } });
  }, 60_000);

  it('a client cut off at a random point resumes from its last checkpoint and gets exactly the remainder', async () => {
    const seed = Date.now() % 100_000;
    const cutAfter = 10_000 + createRng(seed).int(TOTAL - 20_000); // the seed replays a failing cut
    const client = new Client(gw.url);
    const res = await client.request({
      path: '/hevlayer/v1/indexes/catalog/scan',
      method: 'POST',
      body: JSON.stringify({ checkpoints: true, page_size: 1000 }),
    });
    const kept: number[] = [];
    let pending: number[] = [];
    let cursor: string | undefined;
    let seen = 0;
    let buffered = '';
    reading: for await (const chunk of res.body) {
      buffered += String(chunk);
      const parts = buffered.split('\n');
      buffered = parts.pop() ?? '';
      for (const text of parts) {
        const line = JSON.parse(text) as Line;
        if ('$checkpoint' in line) {
          kept.push(...pending);
          pending = [];
          cursor = (line.$checkpoint as { cursor: string }).cursor;
        } else if ('id' in line) {
          pending.push(line.id as number);
          if (++seen >= cutAfter) break reading;
        }
      }
    }
    await client.destroy();
    expect(cursor, `seed ${seed}`).toBeTypeOf('string');
    const { lines } = await scanLines({ cursor, page_size: 2000 });
    const rest = idsOf(lines);
    const all = Array.from({ length: TOTAL }, (_, i) => i);
    const keptSet = new Set(kept);
    expectExactlyOnce(
      rest,
      all.filter((i) => !keptSet.has(i)),
    );
    expectExactlyOnce([...kept, ...rest], all);
    expect(lines.at(-1)).toMatchObject({ $scan: { rows: rest.length, cursor: null } });
  }, 60_000);

  it.each([
    [{ threads: 0 }, /^threads must be an integer >= 1, got 0/],
    [{ threads: -2 }, /^threads must be an integer >= 1, got -2/],
    [{ threads: 1.5 }, /^threads must be an integer >= 1, got 1.5/],
    [{ threads: '4' }, /^threads must be an integer >= 1, got "4"/],
    [{ page_size: 0 }, /^page_size must be an integer between 1 and 10000, got 0/],
    [{ page_size: 10_001 }, /^page_size must be an integer between 1 and 10000/],
    [{ filters: 'category = tools' }, /^filters must be a turbopuffer filter expression/],
    [{ include_attributes: [1] }, /^include_attributes must be true, false or a list/],
    [{ cursor: 'not a cursor!' }, /^cursor is not a scan cursor of Index "catalog"/],
    [{ cursor: Buffer.from('{"v":1,"i":"other","s":[]}').toString('base64url') }, /belongs to Index "other"/],
    [
      { cursor: Buffer.from('{"v":1,"i":"catalog","s":[[null,0]]}').toString('base64url') },
      /covers 1 shards, the Index has 4/,
    ],
    [{ treads: 4 }, /^unknown scan request field "treads"/],
    [{ checkpoints: 'yes' }, /^checkpoints must be true or false/],
    [{ filters: ['category', 'Bogus', 'x'] }, /.+/],
  ])('%j is a 400 with the error catalog shape', async (body, message) => {
    const res = await request(`${gw.url}/hevlayer/v1/indexes/catalog/scan`, {
      method: 'POST',
      body: JSON.stringify(body),
    });
    expect(res.statusCode).toBe(400);
    const answer = (await res.body.json()) as { status: string; error: string };
    expect(answer.status).toBe('error');
    expect(answer.error).toMatch(message);
  });

  it('answers 404 for an Index that is not declared', async () => {
    const res = await request(`${gw.url}/hevlayer/v1/indexes/nope/scan`, { method: 'POST', body: '{}' });
    expect(res.statusCode).toBe(404);
    expect(await res.body.json()).toMatchObject({ status: 'error', error: expect.stringContaining('nope') });
  });
});
