/**
 * Issue 11 acceptance, end to end against a real S3-compatible server (s3rver on loopback) and a
 * `hevlayer serve` process (the built bundle) with S3 credentials from a mounted Secret: the
 * automatic snapshot after a write (body and latest.json read back from S3, counts equal to an
 * independent count); S3 killed mid-run — right after it stored a body, before `latest.json` — the
 * run is recorded Failed, lastSuccess unchanged, the stored body is not part of the history; S3
 * back → the writer recovers on its own and deletes that body. The gateway reaches S3 through a
 * TCP pass-through that cuts the connection at the exact point (the body PUT's answer).
 *
 * The tests run in order and share the servers.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ObjectStore } from '../../src/objects/port.ts';
import { gatewayConfigManifest, indexManifest, localStore } from '../helpers/gateway-fixture.ts';
import {
  S3RVER_CREDENTIALS,
  s3Client,
  startS3Server,
  writeS3CredentialsSecret,
  type TestS3Server,
} from '../helpers/s3-server.ts';
import { startServeProcess, writeServeConfig, type ServeProcess } from '../helpers/serve-process.ts';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.ts';
import { until } from '../helpers/until.ts';

const root = mkdtempSync(join(tmpdir(), 'hevlayer-snap-s3-'));
let s3: TestS3Server;
let direct: ObjectStore;
let gw: ServeProcess;
let link: TcpProxy;
/** Armed: cut the link and kill S3 when the answer to a body PUT comes back. */
let killAfterBodyPut = false;
let sawBodyPut = false;
let killed: Promise<void> | undefined;

interface Summary {
  readonly id: string;
  readonly takenAt: string;
  readonly rowCount: number;
}
interface SnapshotStatus {
  readonly lastRun?: { time: string; result: string; snapshotId?: string; message?: string };
  readonly lastSuccess?: { time: string; snapshotId: string; rowCount: number };
}

async function json<T>(path: string, init?: RequestInit): Promise<T> {
  return (await (await fetch(`${gw.url}${path}`, init)).json()) as T;
}
const history = async () =>
  (await json<{ items: Summary[] }>('/hevlayer/v1/indexes/products/snapshots')).items;
const status = async () =>
  (await json<{ status: { snapshot?: SnapshotStatus } }>('/hevlayer/v1/indexes/products')).status.snapshot ??
  {};
const write = (rows: Record<string, unknown>[]) =>
  fetch(`${gw.url}/v2/namespaces/products`, { method: 'POST', body: JSON.stringify({ upsert_rows: rows }) });

const rows = (from: number, n: number) =>
  Array.from({ length: n }, (_, i) => ({
    id: from + i,
    category: ['shoes', 'hats', 'bags'][(from + i) % 3],
    ...((from + i) % 5 === 0 ? {} : { brand: `b${(from + i) % 4}` }),
  }));

beforeAll(async () => {
  s3 = await startS3Server('hevlayer-e2e');
  direct = s3Client(s3);
  link = await startTcpProxy(s3.port, {
    onData: (chunk, direction) => {
      const text = chunk.toString('latin1');
      if (!killAfterBodyPut) return;
      if (
        direction === 'request' &&
        text.startsWith(`PUT /${s3.bucket}/history/default/products/snapshots/`)
      ) {
        sawBodyPut = true;
      } else if (direction === 'response' && sawBodyPut && text.startsWith('HTTP/1.1 200')) {
        killAfterBodyPut = false;
        link.cut(); // the body is stored; its answer never reaches the gateway
        killed = s3.kill();
      }
    },
  });
  writeS3CredentialsSecret(join(root, 'secrets'));
  const config = writeServeConfig(root, [
    gatewayConfigManifest({
      snapshots: {
        store: 's3',
        bucket: s3.bucket,
        prefix: 'history',
        endpoint: `http://127.0.0.1:${link.port}`,
        forcePathStyle: true,
        settle: '1s',
        credentialsSecretRef: { name: 's3-creds' },
      },
    }),
    localStore(),
    indexManifest('products', { snapshot: { facetFields: ['category', 'brand'], interval: '1s' } }),
  ]);
  gw = await startServeProcess(config, root, { HEVLAYER_SECRETS_DIR: join(root, 'secrets') });
}, 60_000);

afterAll(async () => {
  gw?.proc.kill('SIGTERM');
  await gw?.exited;
  await direct?.close();
  await link?.close();
  await s3?.stop();
  rmSync(root, { recursive: true, force: true });
});

describe('facet snapshots on S3', () => {
  let first: Summary;

  it('takes the automatic snapshot after a write settles: body then latest.json in S3, exact counts', async () => {
    const written = rows(1, 30);
    expect((await write(written)).status).toBe(200);
    first = await until('the automatic snapshot', async () => (await history())[0]);
    expect(first.rowCount).toBe(30);
    const latest = JSON.parse(
      (await direct.get('history/default/products/latest.json'))?.toString() ?? '{}',
    ) as { id: string; key: string };
    expect(latest).toMatchObject({
      id: first.id,
      key: `history/default/products/snapshots/${first.id}.json`,
    });
    const body = JSON.parse((await direct.get(latest.key))?.toString() ?? '{}') as {
      facets: Record<string, { value: unknown; count: number }[]>;
    };
    const expected = new Map<unknown, number>();
    for (const r of written) expected.set(r.brand ?? null, (expected.get(r.brand ?? null) ?? 0) + 1);
    expect(new Map(body.facets.brand?.map((v) => [v.value, v.count]))).toEqual(expected);
    expect(body.facets.category).toEqual([
      { value: 'bags', count: 10 },
      { value: 'hats', count: 10 },
      { value: 'shoes', count: 10 },
    ]);
    expect(await status()).toMatchObject({
      lastRun: { result: 'Succeeded', snapshotId: first.id },
      lastSuccess: { snapshotId: first.id, rowCount: 30 },
    });
  }, 40_000);

  it('records a run Failed when S3 dies after storing its body, keeps lastSuccess; the history answers 503', async () => {
    const before = await status();
    killAfterBodyPut = true;
    expect((await write(rows(100, 5))).status).toBe(200);
    await until('S3 killed after a body PUT', async () => (killed === undefined ? undefined : true));
    await killed;
    const failed = await until('a failed run', async () => {
      const s = await status();
      return s.lastRun?.result === 'Failed' ? s : undefined;
    });
    expect(failed.lastRun?.message).toMatch(/object store put .* failed/);
    expect(failed.lastRun?.message).not.toContain(S3RVER_CREDENTIALS.secretAccessKey);
    expect(failed.lastSuccess).toEqual(before.lastSuccess);
    const index = await json<{ status: { conditions: { type: string; status: string; reason: string }[] } }>(
      '/hevlayer/v1/indexes/products',
    );
    expect(index.status.conditions).toContainEqual(
      expect.objectContaining({ type: 'SnapshotsHealthy', status: 'False', reason: 'RunFailed' }),
    );
    const list = await fetch(`${gw.url}/hevlayer/v1/indexes/products/snapshots`);
    expect(list.status).toBe(503);
    expect(await list.json()).toMatchObject({ status: 'error', code: 'HEV_OBJECT_STORE_UNAVAILABLE' });
    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    expect(metrics).toMatch(/hevlayer_snapshot_failures_total\{index="products"\} [1-9]/);
    expect(metrics).not.toContain(S3RVER_CREDENTIALS.secretAccessKey);
    // S3 itself holds the body of the failed run, but latest.json still names the first snapshot.
    await s3.start();
    const stored = await direct.list('history/default/products/snapshots/');
    expect(stored).toHaveLength(2);
    const latest = JSON.parse(
      (await direct.get('history/default/products/latest.json'))?.toString() ?? '{}',
    ) as {
      id: string;
    };
    expect(latest.id).toBe(first.id);
  }, 40_000);

  it('recovers once S3 is reachable again: a new snapshot with every row, the body of the failed run deleted', async () => {
    link.restore();
    const second = await until('the recovered snapshot', async () => {
      const items = await history();
      return items.length === 2 ? items[0] : undefined;
    });
    expect(second.rowCount).toBe(35);
    expect((await history()).map((s) => s.id)).toEqual([second.id, first.id]);
    const listed = await direct.list('history/default/products/snapshots/');
    expect(listed.map((o) => o.key)).toEqual([
      `history/default/products/snapshots/${first.id}.json`,
      `history/default/products/snapshots/${second.id}.json`,
    ]);
    await until('status Succeeded', async () =>
      (await status()).lastRun?.result === 'Succeeded' ? true : undefined,
    );
    expect((await status()).lastSuccess).toMatchObject({ snapshotId: second.id, rowCount: 35 });
  }, 40_000);
});
