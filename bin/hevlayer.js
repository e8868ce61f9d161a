#!/usr/bin/env node
// Runs the bundled build (dist/cli/main.mjs from `npm run build`; `npm start` builds first) when it
// is at least as new as every source file, else the TypeScript sources through tsx — so a fresh
// checkout and an edited tree work without a build step, and a stale bundle is never run. The
// bundle is what production runs: tsx's on-the-fly output is slower per request (see
// docs/adr/gateway-data-plane.md).
import { existsSync, readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const bundle = `${root}dist/cli/main.mjs`;

function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = `${dir}/${entry.name}`;
    const mtime = entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs;
    if (mtime > newest) newest = mtime;
  }
  return newest;
}

if (
  process.env.HEVLAYER_FROM_SOURCE !== '1' &&
  existsSync(bundle) &&
  statSync(bundle).mtimeMs >= newestSource(`${root}src`)
) {
  await import(bundle);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
}
