/**
 * The facet snapshot routes on a whole in-process gateway (local store, filesystem snapshots under
 * the data dir): before any snapshot, a manual run, facets, the history and one body, the Index
 * status bridge (lastRun, lastSuccess, SnapshotsHealthy) and its survival across a restart,
 * /metrics, and every bad input answered with a catalogued error that changes nothing.
 */
import { mkdtemp, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { startServe, type RunningGateway } from '../../src/main/serve.ts';
import { silentLogger } from '../../src/telemetry/logger.ts';
import { gatewayConfigManifest, indexManifest, localStore } from '../helpers/gateway-fixture.ts';

let dir: string;
let gateway: RunningGateway;
let url: string;

async function start(): Promise<void> {
  gateway = await startServe({
    configDir: join(dir, 'config'),
    dataDir: dir,
    port: 0,
    host: '127.0.0.1',
    env: {},
    logger: silentLogger(),
  });
  url = gateway.url;
}

interface Summary {
  readonly id: string;
  readonly takenAt: string;
  readonly rowCount: number;
  readonly sizeBytes: number;
}
interface IndexStatusAnswer {
  readonly status: { readonly snapshot?: unknown; readonly conditions: unknown[] };
}
interface ListAnswer {
  readonly items: Summary[];
}

async function call<T = Record<string, unknown>>(method: string, path: string, body?: unknown) {
  const res = await fetch(`${url}${path}`, {
    method,
    ...(body === undefined
      ? {}
      : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
  });
  const text = await res.text();
  return { status: res.status, body: (text === '' ? undefined : JSON.parse(text)) as T };
}

const ROWS = [
  { id: 1, category: 'shoes', brand: 'acme' },
  { id: 2, category: 'shoes', brand: 'zeta' },
  { id: 3, category: 'hats', brand: 'acme' },
  { id: 4, category: 'shoes' },
];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hevlayer-snaproutes-'));
  await mkdir(join(dir, 'config'));
  const manifests = [
    gatewayConfigManifest({ snapshots: { settle: '1h' } }), // no automatic run during the test
    localStore(),
    indexManifest('products', { snapshot: { facetFields: ['category', 'brand'] } }),
    indexManifest('plain'),
  ];
  await writeFile(join(dir, 'config', 'all.yaml'), manifests.map((m) => stringify(m)).join('---\n'));
  await start();
  expect((await call('POST', '/v2/namespaces/products', { upsert_rows: ROWS })).status).toBe(200);
});

afterAll(async () => {
  await gateway.close();
  await rm(dir, { recursive: true, force: true });
});

describe('facet snapshot routes', () => {
  let first: Summary;

  it('answers 404 for facets and an empty history before the first snapshot; status is NoRunYet', async () => {
    const facets = await call('GET', '/hevlayer/v1/indexes/products/facets');
    expect(facets.status).toBe(404);
    expect(facets.body).toMatchObject({ status: 'error', code: 'HEV_SNAPSHOT_NOT_FOUND' });
    expect(facets.body.error).toMatch(/no facet snapshot yet/);
    expect(await call('GET', '/hevlayer/v1/indexes/products/snapshots')).toEqual({
      status: 200,
      body: { items: [] },
    });
    const index = await call<IndexStatusAnswer>('GET', '/hevlayer/v1/indexes/products');
    expect(index.body.status.snapshot).toBeUndefined();
    expect(index.body.status.conditions).toContainEqual(
      expect.objectContaining({ type: 'SnapshotsHealthy', status: 'Unknown', reason: 'NoRunYet' }),
    );
  });

  it('runs a snapshot on POST and returns its summary (201)', async () => {
    const run = await call<Summary>('POST', '/hevlayer/v1/indexes/products/snapshots');
    expect(run.status).toBe(201);
    expect(run.body).toMatchObject({ id: expect.stringMatching(/^\d{8}T\d{9}Z-[0-9a-f]{6}$/), rowCount: 4 });
    expect(run.body.sizeBytes).toBeGreaterThan(0);
    first = run.body;
  });

  it('serves the latest facets sorted by count, the missing brand under null', async () => {
    const facets = await call('GET', '/hevlayer/v1/indexes/products/facets');
    expect(facets).toEqual({
      status: 200,
      body: {
        index: 'products',
        snapshotId: first.id,
        takenAt: first.takenAt,
        facets: {
          category: [
            { value: 'shoes', count: 3 },
            { value: 'hats', count: 1 },
          ],
          brand: [
            { value: 'acme', count: 2 },
            { value: 'zeta', count: 1 },
            { value: null, count: 1 },
          ],
        },
      },
    });
  });

  it('lists the history newest first and serves one body', async () => {
    await call('POST', '/v2/namespaces/products', {
      upsert_rows: [{ id: 5, category: 'hats', brand: 'acme' }],
    });
    const second = (await call<Summary>('POST', '/hevlayer/v1/indexes/products/snapshots')).body;
    const list = await call<ListAnswer>('GET', '/hevlayer/v1/indexes/products/snapshots');
    expect(list.body.items).toEqual([second, first]);
    expect(
      (await call<ListAnswer>('GET', '/hevlayer/v1/indexes/products/snapshots?limit=1')).body.items,
    ).toEqual([second]);
    const body = await call('GET', `/hevlayer/v1/indexes/products/snapshots/${first.id}`);
    expect(body.status).toBe(200);
    expect(body.body).toMatchObject({
      id: first.id,
      index: 'products',
      namespace: 'products',
      takenAt: first.takenAt,
      upstream: { approxRowCount: 4, lastWriteAt: expect.any(String) },
      facets: {
        category: [
          { value: 'shoes', count: 3 },
          { value: 'hats', count: 1 },
        ],
      },
      durationMs: expect.any(Number),
    });
    const files = await readdir(join(dir, 'data', 'snapshots', 'default', 'products', 'snapshots'));
    expect(files.sort()).toEqual([`${first.id}.json`, `${second.id}.json`]);
  });

  it('reports lastRun, lastSuccess and SnapshotsHealthy in the Index status, and keeps them across a restart', async () => {
    const before = (await call<IndexStatusAnswer>('GET', '/hevlayer/v1/indexes/products')).body.status;
    const latest = (await call<ListAnswer>('GET', '/hevlayer/v1/indexes/products/snapshots')).body
      .items[0] as Summary;
    expect(before.snapshot).toEqual({
      lastRun: { time: expect.any(String), result: 'Succeeded', snapshotId: latest.id },
      lastSuccess: { time: latest.takenAt, snapshotId: latest.id, rowCount: 5 },
    });
    expect(before.conditions).toContainEqual(
      expect.objectContaining({ type: 'SnapshotsHealthy', status: 'True', reason: 'Succeeded' }),
    );
    await gateway.close();
    await start();
    const after = (await call<IndexStatusAnswer>('GET', '/hevlayer/v1/indexes/products')).body.status;
    expect(after.snapshot).toEqual(before.snapshot);
  });

  it('exposes the snapshot metrics', async () => {
    await call('POST', '/hevlayer/v1/indexes/products/snapshots');
    const text = await (await fetch(`${url}/metrics`)).text();
    expect(text).toMatch(/hevlayer_snapshot_last_success_timestamp_seconds\{index="products"\} \d+/);
    expect(text).toMatch(
      /hevlayer_snapshot_run_duration_seconds_count\{index="products",result="Succeeded"\} 1/,
    );
    expect(text).toMatch(/hevlayer_snapshot_bytes_written_total\{index="products"\} \d+/);
  });
});

describe('facet snapshot routes: bad input', () => {
  it.each([
    ['GET', '/hevlayer/v1/indexes/nope/facets', 404, 'HEV_INDEX_NOT_FOUND', /no Index named "nope"/],
    ['POST', '/hevlayer/v1/indexes/nope/snapshots', 404, 'HEV_INDEX_NOT_FOUND', /no Index named "nope"/],
    [
      'GET',
      '/hevlayer/v1/indexes/products/snapshots/latest',
      400,
      'HEV_INVALID_REQUEST',
      /is not a snapshot id/,
    ],
    [
      'GET',
      '/hevlayer/v1/indexes/products/snapshots/20200101T000000000Z-abcdef',
      404,
      'HEV_SNAPSHOT_NOT_FOUND',
      /has no snapshot/,
    ],
    [
      'GET',
      '/hevlayer/v1/indexes/products/snapshots?limit=0',
      400,
      'HEV_INVALID_REQUEST',
      /limit must be an integer from 1 to 1000/,
    ],
    ['GET', '/hevlayer/v1/indexes/products/snapshots?limit=abc', 400, 'HEV_INVALID_REQUEST', /limit must be/],
    [
      'POST',
      '/hevlayer/v1/indexes/plain/snapshots',
      400,
      'HEV_INVALID_REQUEST',
      /has no spec.snapshot.facetFields/,
    ],
    ['GET', '/hevlayer/v1/indexes/plain/facets', 404, 'HEV_SNAPSHOT_NOT_FOUND', /facetFields is empty/],
  ])('%s %s → %i %s', async (method, path, status, code, message) => {
    const before = (await call<ListAnswer>('GET', '/hevlayer/v1/indexes/products/snapshots')).body.items;
    const answer = await call(method, path);
    expect(answer.status).toBe(status);
    expect(answer.body).toMatchObject({ status: 'error', code });
    expect(answer.body.error).toMatch(message);
    expect((await call<ListAnswer>('GET', '/hevlayer/v1/indexes/products/snapshots')).body.items).toEqual(
      before,
    );
  });
});
