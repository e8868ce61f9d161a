/**
 * `hevlayer facets` and `hevlayer snapshots list|show|run` (the built binary) against a real
 * gateway: the run's summary, the history table, one body, the facet table with proportional bars
 * and its --json form, and bad flags / unknown Indexes refused with a message and exit 1.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderFacets } from '../../src/cli/facets.ts';
import {
  gatewayConfigManifest,
  indexManifest,
  localStore,
  startGatewayFixture,
  type GatewayFixture,
} from '../helpers/gateway-fixture.ts';

const run = promisify(execFile);
const BIN = new URL('../../bin/hevlayer.js', import.meta.url).pathname;

describe('hevlayer facets / snapshots', () => {
  let fx: GatewayFixture;
  const cli = (...args: string[]) => run('node', [BIN, ...args, '--url', fx.url]);
  beforeAll(async () => {
    fx = await startGatewayFixture({
      manifests: [
        gatewayConfigManifest({ snapshots: { settle: '1h' } }),
        localStore(),
        indexManifest('products', { snapshot: { facetFields: ['category', 'brand'] } }),
      ],
    });
    const rows = [
      ...Array.from({ length: 10 }, (_, i) => ({ id: i + 1, category: 'shoes', brand: 'acme' })),
      ...Array.from({ length: 5 }, (_, i) => ({ id: i + 11, category: 'hats', brand: 'zeta' })),
    ];
    await fetch(`${fx.url}/v2/namespaces/products`, {
      method: 'POST',
      body: JSON.stringify({ upsert_rows: rows }),
    });
  });
  afterAll(async () => {
    await fx?.close();
  });

  it('runs a snapshot, lists it and shows its body', async () => {
    const ran = await cli('snapshots', 'run', 'products', '--json');
    const summary = JSON.parse(ran.stdout) as { id: string; rowCount: number };
    expect(summary.rowCount).toBe(15);
    const list = await cli('snapshots', 'list', 'products');
    const lines = list.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+TAKEN AT\s+ROWS\s+BYTES$/);
    expect(lines[1]).toMatch(new RegExp(`^${summary.id}\\s+\\S+Z\\s+15\\s+\\d+$`));
    const shown = JSON.parse((await cli('snapshots', 'show', 'products', summary.id)).stdout) as {
      id: string;
    };
    expect(shown.id).toBe(summary.id);
  });

  it('prints the facets as a table with bars proportional to the largest count', async () => {
    const { stdout } = await cli('facets', 'products');
    expect(stdout).toMatch(/^products — snapshot \S+ taken \S+\n\ncategory \(2 values\)\n/);
    expect(stdout).toContain(`  shoes  10  ${'█'.repeat(30)}\n  hats    5  ${'█'.repeat(15)}\n`);
    const json = JSON.parse((await cli('facets', 'products', '--json')).stdout) as { facets: unknown };
    expect(json.facets).toEqual({
      category: [
        { value: 'shoes', count: 10 },
        { value: 'hats', count: 5 },
      ],
      brand: [
        { value: 'acme', count: 10 },
        { value: 'zeta', count: 5 },
      ],
    });
  });

  it.each([
    [['facets', 'products', '--top', '0'], '--top must be an integer >= 1, got "0"'],
    [['facets', 'nope'], 'HTTP 404: no Index named "nope"'],
    [['snapshots', 'show', 'products', 'not-an-id'], 'HTTP 400: "not-an-id" is not a snapshot id'],
    [['snapshots', 'run', 'nope'], 'HTTP 404: no Index named "nope"'],
  ])('refuses %j with a message and exit 1', async (args, message) => {
    await expect(cli(...args)).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining(message) as unknown,
    });
  });
});

describe('renderFacets', () => {
  it('cuts each field at --top, names the missing bucket, and says how many values are hidden', () => {
    const text = renderFacets(
      {
        index: 'p',
        snapshotId: 'id',
        takenAt: 't',
        facets: {
          brand: [
            { value: 'a', count: 4 },
            { value: null, count: 2 },
            { value: 'b', count: 1 },
          ],
        },
      },
      2,
    );
    expect(text).toBe(
      `p — snapshot id taken t\n\nbrand (3 values)\n  a          4  ${'█'.repeat(30)}\n  (missing)  2  ${'█'.repeat(15)}\n  … 1 more (--top to show more)\n`,
    );
  });
});
