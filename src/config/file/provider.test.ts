import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { emptyRegistry } from '../../registry/build.ts';
import { RegistryHolder } from '../../registry/holder.ts';
import { findStore } from '../../registry/types.ts';
import { formatProblem } from '../../resources/problems.ts';
import { silentLogger } from '../../telemetry/logger.ts';
import { ConfigRejectedError, FileConfigProvider, type ReloadOutcome } from './provider.ts';

const STORE =
  'apiVersion: hevlayer.com/v1\nkind: VectorStore\nmetadata:\n  name: local\nspec:\n  provider: local\n  default: true\n';
const INDEX = 'apiVersion: hevlayer.com/v1\nkind: Index\nmetadata:\n  name: products\n';

const dirs: string[] = [];
const providers: FileConfigProvider[] = [];
afterEach(async () => {
  await Promise.all(providers.splice(0).map((p) => p.close()));
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

async function setup(files: Record<string, string>) {
  const dir = await mkdtemp(join(tmpdir(), 'hev-provider-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  const holder = new RegistryHolder({ initial: emptyRegistry(dir), source: 'file', location: dir });
  const outcomes: ReloadOutcome['result'][] = [];
  let tick = 0;
  const provider = new FileConfigProvider({
    dir,
    dataDir: '/srv/data',
    holder,
    logger: silentLogger(),
    pollIntervalMs: 0,
    clock: () => new Date(Date.UTC(2026, 0, 1, 0, tick++)),
    onReload: (o) => outcomes.push(o.result),
  });
  providers.push(provider);
  return { dir, holder, provider, outcomes };
}

describe('FileConfigProvider', () => {
  it('loads a directory into generation 1 and resolves paths against the data dir', async () => {
    const { provider, holder, outcomes } = await setup({
      'store.yaml': STORE,
      'index.yml': INDEX,
      'notes.txt': 'ignored',
    });
    await provider.start();
    const snapshot = holder.current();
    expect(snapshot.generation).toBe(1);
    expect(snapshot.indexes.get('products')?.store?.name).toBe('local');
    expect(findStore(snapshot, 'local')?.localPath).toBe('/srv/data/data/local');
    expect(outcomes).toEqual(['published']);
  });

  it('ignores a reload that changes nothing, and publishes a real change as the next generation', async () => {
    const { dir, provider, holder } = await setup({ 'store.yaml': STORE, 'index.yaml': INDEX });
    await provider.start();
    expect((await provider.reload()).result).toBe('unchanged');
    await writeFile(join(dir, 'index.yaml'), `${INDEX}spec:\n  consistency: eventual\n`);
    expect(await provider.reload()).toMatchObject({ result: 'published', generation: 2 });
    const entry = holder.current().indexes.get('products');
    expect(entry?.policy.consistency).toBe('eventual');
    // Ready stayed True across the reload, so its transition time is that of generation 1.
    expect(entry?.conditions.find((c) => c.type === 'Ready')?.lastTransitionTime).toBe(
      '2026-01-01T00:00:00.000Z',
    );
  });

  it('refuses to start on an invalid directory', async () => {
    const { dir, provider, holder } = await setup({
      'index.yaml': `${INDEX}spec:\n  scan:\n    threads: 0\n`,
    });
    const error = await provider.start().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConfigRejectedError);
    expect((error as ConfigRejectedError).problems.map(formatProblem)).toEqual([
      `${join(dir, 'index.yaml')}: Index/products: spec.scan.threads: must be an integer >= 1, got 0`,
    ]);
    expect(holder.isLoaded()).toBe(false);
  });

  it('rejects an empty directory and a missing one, keeping what it serves', async () => {
    const { dir, provider, holder } = await setup({ 'store.yaml': STORE });
    await provider.start();
    await rm(join(dir, 'store.yaml'));
    const empty = await provider.reload();
    expect(empty.result).toBe('rejected');
    expect(empty.result === 'rejected' ? empty.problems.map(formatProblem) : []).toEqual([
      `${dir}: no *.yaml or *.yml manifests found`,
    ]);
    await rm(dir, { recursive: true });
    const missing = await provider.reload();
    expect(missing.result === 'rejected' ? missing.problems.map(formatProblem) : []).toEqual([
      `${dir}: cannot read: no such file or directory`,
    ]);
    expect(holder.current().generation).toBe(1);
    expect(holder.status().lastError?.problems).toHaveLength(1);
  });
});
