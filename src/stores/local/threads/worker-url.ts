/**
 * Where the engine's worker entry is, in each way the code runs. From the esbuild bundle
 * (`dist/cli/main.mjs`, this file inlined) it is `stores/local/threads/worker.mjs` under the
 * bundle's output root, found by walking up. From TypeScript sources (vitest, tsx) `worker.ts` is
 * bundled once per process with esbuild into `node_modules/.cache/hevlayer/` (where its package
 * imports resolve): a thread then starts in tens of milliseconds, where loading the sources
 * through tsx's loader took about a second per thread. If that build fails, tsx it is.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type * as Esbuild from 'esbuild';

export interface WorkerEntry {
  readonly filename: string;
  /** Undefined: inherit the process's flags. */
  readonly execArgv: string[] | undefined;
}

const BUNDLED_ENTRY = 'stores/local/threads/worker.mjs';
let fromSources: WorkerEntry | undefined;

export function workerEntry(from: string = import.meta.url): WorkerEntry {
  if (/\.[cm]?ts$/.test(new URL(from).pathname)) {
    fromSources ??= buildFromSources(from);
    return fromSources;
  }
  let dir = new URL('./', from);
  for (let depth = 0; depth < 6; depth++) {
    const candidate = new URL(BUNDLED_ENTRY, dir);
    if (existsSync(candidate)) return { filename: candidate.href, execArgv: undefined };
    dir = new URL('../', dir);
  }
  throw new Error(
    `the local engine's worker entry (${BUNDLED_ENTRY}) was not found above ${from}; ` +
      'build it with the bundle (see package.json "build")',
  );
}

function buildFromSources(from: string): WorkerEntry {
  const source = fileURLToPath(new URL('./worker.ts', from));
  const require = createRequire(from);
  try {
    const esbuild = require('esbuild') as typeof Esbuild;
    const out = esbuild.buildSync({
      entryPoints: [source],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      packages: 'external',
      sourcemap: 'inline',
      write: false,
      logLevel: 'silent',
    });
    const code = (out.outputFiles[0] as { contents: Uint8Array }).contents;
    // Named by content, so parallel processes agree on the file and never see a partial one.
    const cacheDir = join(dirname(require.resolve('esbuild/package.json')), '..', '.cache', 'hevlayer');
    const file = join(
      cacheDir,
      `engine-worker-${createHash('sha256').update(code).digest('hex').slice(0, 16)}.mjs`,
    );
    if (!existsSync(file)) {
      mkdirSync(cacheDir, { recursive: true });
      const tmp = `${file}.${process.pid}.tmp`;
      writeFileSync(tmp, code);
      renameSync(tmp, file);
    }
    return { filename: pathToFileURL(file).href, execArgv: [] };
  } catch {
    return { filename: pathToFileURL(source).href, execArgv: ['--import', tsxLoader(require)] };
  }
}

/** An absolute URL, so the thread finds tsx whatever the working directory. */
function tsxLoader(require: NodeRequire): string {
  try {
    return pathToFileURL(require.resolve('tsx')).href;
  } catch {
    return 'tsx';
  }
}
