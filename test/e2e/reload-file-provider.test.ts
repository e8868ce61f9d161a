/**
 * Hot reload through the whole stack: real files in a temp dir, the real directory watcher (the
 * safety-net poll is off, so only fs.watch can notice), the real HTTP server on a free port.
 */
import { mkdir, mkdtemp, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startServe, type RunningGateway } from '../../src/main/serve.ts';
import { createLogger } from '../../src/telemetry/logger.ts';

const STORE =
  'apiVersion: hevlayer.com/v1\nkind: VectorStore\nmetadata:\n  name: local\nspec:\n  provider: local\n  default: true\n';
const index = (name: string, threads: number | string, labels = 'app: shop') =>
  `apiVersion: hevlayer.com/v1\nkind: Index\nmetadata:\n  name: ${name}\nspec:\n  metadata:\n    labels: {${labels}}\n  scan:\n    threads: ${threads}\n`;

interface IndexJson {
  metadata: { name: string };
  spec: { scan: { threads: number } };
  status: { conditions: { type: string; status: string; reason: string; message: string }[] };
}
interface ConfigJson {
  generation: number;
  valid: boolean;
  lastError: { problems: string[] } | null;
}

const running: RunningGateway[] = [];
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((g) => g.close()));
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

async function start(dir: string) {
  const logs: Record<string, unknown>[] = [];
  const logger = createLogger({
    level: 'info',
    destination: { write: (line: string) => logs.push(JSON.parse(line)) },
  });
  const gateway = await startServe({
    configDir: dir,
    port: 0,
    host: '127.0.0.1',
    dataDir: dir,
    logger,
    pollIntervalMs: 0,
    env: {},
  });
  running.push(gateway);
  const get = async <T>(path: string): Promise<{ status: number; body: T }> => {
    const res = await fetch(`${gateway.url}${path}`);
    return { status: res.status, body: (await res.json()) as T };
  };
  return { gateway, logs, get };
}

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'hev-reload-'));
  dirs.push(dir);
  return dir;
}

/** Polls until accept() holds; fails after a generous deadline (never a timing assertion). */
async function eventually<T>(
  probe: () => Promise<T>,
  accept: (value: T) => boolean,
  what: string,
): Promise<T> {
  const deadline = Date.now() + 15_000;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await probe();
    if (accept(last)) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}; last value: ${JSON.stringify(last)}`);
}

describe('file provider hot reload', () => {
  it('an edited manifest changes what the API serves', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'store.yaml'), STORE);
    await writeFile(join(dir, 'products.yaml'), index('products', 8));
    const { get } = await start(dir);
    expect((await get<IndexJson>('/hevlayer/v1/indexes/products')).body.spec.scan.threads).toBe(8);

    await writeFile(join(dir, 'products.yaml'), index('products', 4, 'app: shop, tier: gold'));
    const updated = await eventually(
      () => get<IndexJson>('/hevlayer/v1/indexes/products'),
      (r) => r.body.spec.scan.threads === 4,
      'threads 4',
    );
    expect(updated.status).toBe(200);
    const byLabel = await get<{ items: IndexJson[] }>('/hevlayer/v1/indexes?label=tier=gold');
    expect(byLabel.body.items.map((i) => i.metadata.name)).toEqual(['products']);
    expect((await get<ConfigJson>('/hevlayer/v1/config')).body).toMatchObject({
      generation: 2,
      valid: true,
      lastError: null,
    });
  });

  it('a broken manifest keeps the last good registry and shows the error in the API and the log', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'store.yaml'), STORE);
    await writeFile(join(dir, 'products.yaml'), index('products', 8));
    const { get, logs } = await start(dir);

    await writeFile(join(dir, 'products.yaml'), index('products', 0));
    const line = `${join(dir, 'products.yaml')}: Index/products: spec.scan.threads: must be an integer >= 1, got 0`;
    const config = await eventually(
      () => get<ConfigJson>('/hevlayer/v1/config'),
      (r) => !r.body.valid,
      'the rejection',
    );
    expect(config.body).toMatchObject({ generation: 1, valid: false, lastError: { problems: [line] } });

    const products = await get<IndexJson>('/hevlayer/v1/indexes/products');
    expect(products.status).toBe(200);
    expect(products.body.spec.scan.threads).toBe(8);
    const configValid = products.body.status.conditions.find((c) => c.type === 'ConfigValid');
    expect(configValid).toMatchObject({ status: 'False', reason: 'ChangeRejected' });
    expect(configValid?.message).toMatch(/was rejected, still serving generation 1: /);
    expect(configValid?.message).toContain(line);
    expect((await get('/readyz')).status).toBe(200);

    const rejected = logs.find((l) => l.msg === 'config change rejected; still serving generation 1');
    expect(rejected).toMatchObject({ level: 50, problems: [line], servingGeneration: 1 });

    await writeFile(join(dir, 'products.yaml'), index('products', 2));
    const fixed = await eventually(
      () => get<IndexJson>('/hevlayer/v1/indexes/products'),
      (r) => r.body.spec.scan.threads === 2,
      'the fix',
    );
    expect(fixed.body.status.conditions.find((c) => c.type === 'ConfigValid')?.status).toBe('True');
    expect((await get<ConfigJson>('/hevlayer/v1/config')).body).toMatchObject({ generation: 2, valid: true });
  });

  it('new and removed files add and remove Indexes; an editor-style rename counts', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'store.yaml'), STORE);
    await writeFile(join(dir, 'products.yaml'), index('products', 8));
    const { get } = await start(dir);

    await writeFile(join(dir, '.blog.yaml.swp'), index('blog', 3));
    await rename(join(dir, '.blog.yaml.swp'), join(dir, 'blog.yml'));
    await eventually(
      () => get('/hevlayer/v1/indexes/blog'),
      (r) => r.status === 200,
      'blog to appear',
    );

    await rm(join(dir, 'products.yaml'));
    const gone = await eventually(
      () => get<{ error: string }>('/hevlayer/v1/indexes/products'),
      (r) => r.status === 404,
      'products to go',
    );
    expect(gone.body.error).toBe('no Index named "products"');
    const list = await get<{ items: IndexJson[] }>('/hevlayer/v1/indexes');
    expect(list.body.items.map((i) => i.metadata.name)).toEqual(['blog']);
  });

  it('follows a Kubernetes ConfigMap update (the ..data symlink swap)', async () => {
    const dir = await tempDir();
    const version = async (stamp: string, threads: number) => {
      await mkdir(join(dir, stamp));
      await writeFile(join(dir, stamp, 'store.yaml'), STORE);
      await writeFile(join(dir, stamp, 'products.yaml'), index('products', threads));
    };
    await version('..2026_01_01_00_00_00.0001', 8);
    await symlink('..2026_01_01_00_00_00.0001', join(dir, '..data'));
    await symlink('..data/store.yaml', join(dir, 'store.yaml'));
    await symlink('..data/products.yaml', join(dir, 'products.yaml'));
    const { get } = await start(dir);
    expect((await get<IndexJson>('/hevlayer/v1/indexes/products')).body.spec.scan.threads).toBe(8);

    // What the kubelet does: write the new version, point ..data_tmp at it, rename over ..data
    // (atomic), delete the old version. The top-level symlinks never change.
    await version('..2026_01_01_00_01_00.0002', 5);
    await symlink('..2026_01_01_00_01_00.0002', join(dir, '..data_tmp'));
    await rename(join(dir, '..data_tmp'), join(dir, '..data'));
    await rm(join(dir, '..2026_01_01_00_00_00.0001'), { recursive: true });

    const updated = await eventually(
      () => get<IndexJson>('/hevlayer/v1/indexes/products'),
      (r) => r.body.spec.scan.threads === 5,
      'the swapped version',
    );
    expect(updated.status).toBe(200);
    expect((await get<ConfigJson>('/hevlayer/v1/config')).body).toMatchObject({ generation: 2, valid: true });
  });
});
