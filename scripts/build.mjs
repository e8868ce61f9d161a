#!/usr/bin/env node
// The one artifact `npm start` runs: src/cli/main.ts bundled by esbuild to dist/cli/main.mjs
// (dependencies stay external), plus the local engine's worker-thread entry (its own entry point
// because a worker is started from a file, not from the bundle). Also writes
// dist/build-info.json, which bin/hevlayer.js reports at start so a log says which build ran.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import process from 'node:process';
import { URL, fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
process.chdir(root);

const entryPoints = ['src/cli/main.ts', 'src/stores/local/threads/worker.ts'];

await build({
  entryPoints,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: true,
  outbase: 'src',
  outdir: 'dist',
  outExtension: { '.js': '.mjs' },
  logLevel: 'warning',
});

/** The checked-out commit (`+dirty` with uncommitted changes), or undefined outside a git checkout. */
function commit() {
  const git = (...args) =>
    execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  try {
    return git('rev-parse', '--short', 'HEAD') + (git('status', '--porcelain') === '' ? '' : '+dirty');
  } catch {
    return undefined;
  }
}

mkdirSync('dist', { recursive: true });
writeFileSync(
  'dist/build-info.json',
  `${JSON.stringify({ builtAt: new Date().toISOString(), commit: commit(), entryPoints }, null, 2)}\n`,
);
