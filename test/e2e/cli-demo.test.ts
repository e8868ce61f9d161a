/**
 * `hevlayer demo` against a real gateway: loads the sample catalog, prints sample answers, and
 * refuses bad flags with a message (exit 1) without writing anything.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  indexManifest,
  localStore,
  startGatewayFixture,
  type GatewayFixture,
} from '../helpers/gateway-fixture.ts';

const run = promisify(execFile);
const BIN = new URL('../../bin/hevlayer.js', import.meta.url).pathname;

describe('hevlayer demo', () => {
  let fx: GatewayFixture;
  beforeAll(async () => {
    fx = await startGatewayFixture({ manifests: [localStore(), indexManifest('products')] });
  });
  afterAll(async () => {
    await fx?.close();
  });

  const count = async () => {
    const res = await fetch(`${fx.url}/v2/namespaces/products/query`, {
      method: 'POST',
      body: JSON.stringify({ aggregate_by: { n: ['Count'] } }),
    });
    return res.status === 404 ? 0 : ((await res.json()) as { aggregations: { n: number } }).aggregations.n;
  };

  it('refuses a bad --count and a bad --url without writing', async () => {
    await expect(run('node', [BIN, 'demo', '--url', fx.url, '--count', 'lots'])).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining('--count must be an integer') as unknown,
    });
    await expect(run('node', [BIN, 'demo', '--url', 'ftp://x'])).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining('--url must be an http(s) URL') as unknown,
    });
    expect(await count()).toBe(0);
  });

  it('loads the catalog and shows sample answers', async () => {
    const { stdout } = await run('node', [BIN, 'demo', '--url', fx.url, '--count', '120']);
    expect(stdout).toContain('loaded 120 products into products');
    expect(stdout).toContain('BM25 "leather bag"');
    expect(stdout).toMatch(/count per category:\n\[\{"category":"bags","n":\d+\}/);
    expect(await count()).toBe(120);
  });

  it('fails clearly for an undeclared Index', async () => {
    await expect(
      run('node', [BIN, 'demo', '--url', fx.url, '--index', 'nope', '--count', '5']),
    ).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining('no Index named') as unknown,
    });
  });
});
