/**
 * `hevlayer validate` as a user runs it: the real binary, real files, exit codes and the exact lines.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function hevlayer(args: readonly string[], options: { cwd?: string } = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      'node',
      ['bin/hevlayer.js', ...args],
      { cwd: options.cwd ?? process.cwd(), env: { ...process.env, NO_COLOR: '1' } },
      (err, stdout, stderr) => {
        const code = err === null ? 0 : typeof err.code === 'number' ? err.code : 1;
        // bin/hevlayer.js first names the build it runs (cli-build.test.ts); these tests are about the rest.
        resolve({ code, stdout, stderr: stderr.replace(/^\{.*"msg":"running build"\}\n/, '') });
      },
    );
  });
}

const lines = (text: string) => text.split('\n').filter((l) => l !== '');

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hev-cli-'));
  await writeFile(
    join(dir, 'bad.yaml'),
    [
      'apiVersion: hevlayer.com/v1',
      'kind: Index',
      'metadata:',
      '  name: products',
      'spec:',
      '  scan:',
      '    threads: 0',
      '  cache:',
      '    mode: fast',
      '---',
      'apiVersion: hevlayer.com/v1',
      'kind: Idx',
      'metadata:',
      '  name: typo',
      '',
    ].join('\n'),
  );
  await writeFile(join(dir, 'broken.yaml'), 'kind: Index\nmetadata: [\n');
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('hevlayer validate', () => {
  it('exits 0 for the example config and prints a summary', async () => {
    const run = await hevlayer(['validate', '-f', 'examples/local']);
    expect(run).toEqual({ code: 0, stdout: 'valid: 3 resources in 3 files\n', stderr: '' });
  });

  it('exits 0 for the seed example, printing the deprecation warning', async () => {
    const run = await hevlayer(['validate', '-f', 'test/fixtures/seed-index.yaml']);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('valid: 1 resource in 1 file, 1 warning\n');
    expect(lines(run.stderr)).toEqual([
      'test/fixtures/seed-index.yaml: Index/products: spec.facetFields: warning: is deprecated; move the list to spec.snapshot.facetFields',
    ]);
  });

  it('exits 1 with one line per problem, across several -f', async () => {
    const bad = join(dir, 'bad.yaml');
    const broken = join(dir, 'broken.yaml');
    const run = await hevlayer([
      'validate',
      '-f',
      'examples/local/products.yaml',
      '-f',
      bad,
      '-f',
      broken,
      '-f',
      join(dir, 'missing.yaml'),
    ]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(lines(run.stderr)).toEqual([
      `${join(dir, 'missing.yaml')}: cannot read: no such file or directory`,
      `${bad}: Index/products: spec.scan.threads: must be an integer >= 1, got 0`,
      `${bad}: Index/products: spec.cache.mode: must be one of standard, warm, off, got "fast"`,
      `${bad}: Idx/typo: kind: unknown kind "Idx" (expected one of Index, VectorStore, GatewayConfig)`,
      `${broken}: (document 1): line 3, column 1: invalid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]`,
    ]);
  });

  it('finds duplicates across files', async () => {
    const run = await hevlayer([
      'validate',
      '-f',
      'examples/local/products.yaml',
      '-f',
      'examples/local/products.yaml',
    ]);
    expect(run.code).toBe(1);
    expect(lines(run.stderr)).toEqual([
      'examples/local/products.yaml: Index/products: metadata.name: duplicates Index default/products from examples/local/products.yaml (document 1)',
    ]);
  });

  it('fails for a directory without manifests', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'hev-cli-empty-'));
    const run = await hevlayer(['validate', '-f', empty]);
    await rm(empty, { recursive: true });
    expect(run.code).toBe(1);
    expect(lines(run.stderr)).toEqual([`${empty}: no *.yaml or *.yml manifests found`]);
  });

  it('requires -f and documents itself', async () => {
    const missing = await hevlayer(['validate']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("required option '-f, --filename <file>' not specified");
    const help = await hevlayer(['validate', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('FILE: KIND/NAME: spec.path: message');
  });
});
