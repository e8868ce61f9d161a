/**
 * Issue 11 acceptance across processes: two `hevlayer serve` replicas (the built bundle) share a
 * real redis-server (their cache, hence their snapshot lease) and a real S3-compatible server (the
 * history), in front of one upstream (an in-process gateway over the local store, answering like
 * turbopuffer). Each advance of the upstream is snapshotted exactly once, whichever replica wrote;
 * when the writer replica stops (SIGTERM releases its lease) the other one takes over.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ObjectStore } from '../../src/objects/port.ts';
import {
  gatewayConfigManifest,
  indexManifest,
  localStore,
  startGatewayFixture,
  turbopufferStore,
  type GatewayFixture,
} from '../helpers/gateway-fixture.ts';
import { redisServerSkipReason, startRedisServer, type TestRedisServer } from '../helpers/redis-server.ts';
import {
  s3Client,
  startS3Server,
  writeS3CredentialsSecret,
  type TestS3Server,
} from '../helpers/s3-server.ts';
import { startServeProcess, writeServeConfig, type ServeProcess } from '../helpers/serve-process.ts';
import { until } from '../helpers/until.ts';

const root = mkdtempSync(join(tmpdir(), 'hevlayer-snap-replicas-'));
const PREFIX = 'default/products/snapshots/';
let redis: TestRedisServer;
let s3: TestS3Server;
let direct: ObjectStore;
let upstream: GatewayFixture;
const replicas: ServeProcess[] = [];

async function startReplica(name: string): Promise<ServeProcess> {
  const dir = join(root, name);
  const config = writeServeConfig(dir, [
    gatewayConfigManifest({
      cache: { backend: 'redis', url: redis.url, timeoutMs: 1000 },
      snapshots: {
        store: 's3',
        bucket: s3.bucket,
        endpoint: s3.endpoint,
        forcePathStyle: true,
        settle: '1s',
        credentialsSecretRef: { name: 's3-creds' },
      },
    }),
    turbopufferStore('upstream', { baseURL: upstream.url, apiKeyEnv: 'TPUF_KEY' }),
    indexManifest('products', { snapshot: { facetFields: ['category'], interval: '1s' } }),
  ]);
  const p = await startServeProcess(config, dir, {
    TPUF_KEY: 'unused-upstream-key',
    HEVLAYER_SECRETS_DIR: join(root, 'secrets'),
  });
  replicas.push(p);
  return p;
}

async function bodies(): Promise<{ id: string; lastWriteAt: string; rowCount: number }[]> {
  const listed = await direct.list(PREFIX);
  return Promise.all(
    listed.map(async (o) => {
      const body = JSON.parse((await direct.get(o.key))?.toString() ?? '{}') as {
        id: string;
        rowCount: number;
        upstream: { lastWriteAt: string };
      };
      return { id: body.id, lastWriteAt: body.upstream.lastWriteAt, rowCount: body.rowCount };
    }),
  );
}

const written = (p: ServeProcess) => p.lines.filter((l) => l.msg === 'facet snapshot written').length;
const write = (p: ServeProcess, from: number) =>
  fetch(`${p.url}/v2/namespaces/products`, {
    method: 'POST',
    body: JSON.stringify({
      upsert_rows: [
        { id: from, category: 'a' },
        { id: from + 1, category: 'b' },
      ],
    }),
  });

const skip = redisServerSkipReason();

describe.skipIf(skip !== undefined)('facet snapshots with two replicas sharing Redis and S3', () => {
  beforeAll(async () => {
    redis = await startRedisServer();
    s3 = await startS3Server('hevlayer-replicas');
    direct = s3Client(s3);
    writeS3CredentialsSecret(join(root, 'secrets'));
    upstream = await startGatewayFixture({ manifests: [localStore(), indexManifest('products')] });
    await Promise.all([startReplica('a'), startReplica('b')]);
  }, 60_000);

  afterAll(async () => {
    for (const p of replicas) p.proc.kill('SIGKILL');
    await Promise.all(replicas.map((p) => p.exited));
    await upstream?.close();
    await direct?.close();
    await s3?.stop();
    await redis?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it('snapshots each of three advances exactly once, whichever replica received the write', async () => {
    const [a, b] = replicas as [ServeProcess, ServeProcess];
    for (const [round, via] of [a, b, a].entries()) {
      expect((await write(via, round * 10)).status).toBe(200);
      await until(`snapshot ${round + 1}`, async () =>
        (await bodies()).length === round + 1 ? true : undefined,
      );
    }
    await sleep(4000); // settle + interval + ticks: time enough for a duplicate to appear, if any did
    const all = await bodies();
    expect(all.map((s) => s.rowCount)).toEqual([2, 4, 6]);
    expect(new Set(all.map((s) => s.lastWriteAt)).size).toBe(3);
    expect(written(a) + written(b)).toBe(3);
    expect([written(a), written(b)]).toContain(0); // one writer held the lease throughout
  }, 60_000);

  it('lets the other replica take over when the writer stops, still one snapshot per advance', async () => {
    const [a, b] = replicas as [ServeProcess, ServeProcess];
    const [writer, other] = written(a) > 0 ? [a, b] : [b, a];
    writer.proc.kill('SIGTERM');
    expect((await writer.exited).code).toBe(0);
    expect((await write(other, 100)).status).toBe(200);
    await until('the snapshot by the other replica', async () =>
      (await bodies()).length === 4 ? true : undefined,
    );
    await sleep(3000);
    expect((await bodies()).map((s) => s.rowCount)).toEqual([2, 4, 6, 8]);
    expect(written(other)).toBe(1);
  }, 60_000);
});
