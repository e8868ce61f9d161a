/**
 * `hevlayer crds` prints exactly the checked-in CRDs, and `--out` regenerates them.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';

function hevlayer(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('node', ['bin/hevlayer.js', ...args], (err, stdout, stderr) => {
      resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : 1, stdout, stderr });
    });
  });
}

describe('hevlayer crds', () => {
  it('prints the checked-in CRDs as one multi-document YAML stream', async () => {
    const run = await hevlayer(['crds']);
    expect(run.code).toBe(0);
    const index = await readFile('deploy/crds/index.yaml', 'utf8');
    const store = await readFile('deploy/crds/vectorstore.yaml', 'utf8');
    const gateway = await readFile('deploy/crds/gatewayconfig.yaml', 'utf8');
    expect(run.stdout).toBe(`${index}---\n${store}---\n${gateway}`);
    const docs = parseAllDocuments(run.stdout, { version: '1.1' });
    expect(Array.isArray(docs) ? docs.map((d) => d.errors.length) : []).toEqual([0, 0, 0]);
    expect(Array.isArray(docs) ? docs.map((d) => d.getIn(['spec', 'names', 'kind'])) : []).toEqual([
      'Index',
      'VectorStore',
      'GatewayConfig',
    ]);
  });

  it('--out writes one file per CRD, identical to deploy/crds', async () => {
    const out = await mkdtemp(join(tmpdir(), 'hev-crds-'));
    try {
      const run = await hevlayer(['crds', '--out', out]);
      expect(run.code).toBe(0);
      expect(run.stdout).toBe(
        `wrote ${join(out, 'index.yaml')}\nwrote ${join(out, 'vectorstore.yaml')}\nwrote ${join(out, 'gatewayconfig.yaml')}\n`,
      );
      for (const file of ['index.yaml', 'vectorstore.yaml', 'gatewayconfig.yaml']) {
        expect(await readFile(join(out, file), 'utf8')).toBe(
          await readFile(join('deploy/crds', file), 'utf8'),
        );
      }
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });
});
