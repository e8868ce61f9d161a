#!/usr/bin/env node
// Runs the built artifact, dist/cli/main.mjs (`npm ci` builds it through `prepare`; `npm run build`
// rebuilds it; `npm run dev` runs the TypeScript sources instead). There is deliberately no
// fallback to the sources: what runs is always the one build this line names, never a choice made
// from file times.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const bundle = `${root}dist/cli/main.mjs`;

if (!existsSync(bundle)) {
  process.stderr.write(
    `hevlayer: ${bundle} is missing: run \`npm run build\` (or \`npm run dev\` to run the sources)\n`,
  );
  process.exit(1);
}

/** What the build recorded (dist/build-info.json), else the bundle's modification time. */
function buildInfo() {
  try {
    const info = JSON.parse(readFileSync(`${root}dist/build-info.json`, 'utf8'));
    return { builtAt: info.builtAt, commit: info.commit };
  } catch {
    return { builtAt: statSync(bundle).mtime.toISOString() };
  }
}

// One JSON line in the shape of the gateway's own log lines, so log collectors parse it too.
process.stderr.write(
  `${JSON.stringify({
    level: 30,
    time: new Date().toISOString(),
    service: 'hevlayer',
    bundle,
    ...buildInfo(),
    msg: 'running build',
  })}\n`,
);
await import(pathToFileURL(bundle).href);
