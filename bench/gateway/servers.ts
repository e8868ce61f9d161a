/**
 * Starting the three servers of the gateway section as child processes: the upstream, the bare
 * proxy and `hevlayer serve` (stdout/stderr to /dev/null: its per-request log line is part of its
 * cost). Optional node flags (e.g. --cpu-prof) go to the gateway or the proxy for profiling.
 */
import { execFile, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { CLIENT_KEY_ENV, STORE_KEY_ENV } from './config.ts';
import { announcedPort, freePort, waitReady, type Children } from './processes.ts';

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** Test-only secret shared by client, gateway and upstream (loopback only). */
export const BENCH_KEY = 'bench-key-not-a-secret';

/** The bench's environment plus the keys; the gateway logs at its default level (info). */
export function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, [STORE_KEY_ENV]: BENCH_KEY, [CLIENT_KEY_ENV]: BENCH_KEY };
  delete env.HEVLAYER_LOG_LEVEL;
  return env;
}

export interface Server {
  readonly child: ChildProcess;
  readonly origin: string;
}

/** A bench server from a TypeScript script, started through tsx; it announces its port. */
export async function tsChild(
  children: Children,
  name: string,
  script: string,
  args: string[],
  flags: string[],
): Promise<Server> {
  const child = children.spawn(process.execPath, [...flags, '--import', 'tsx', script, ...args], {
    cwd: REPO_ROOT,
    env: childEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const port = await announcedPort(child, name);
  return { child, origin: `http://127.0.0.1:${port}` };
}

/** The bench upstream; `queryDelayMs` holds each query answer that long (default 0). */
export function startUpstream(children: Children, queryDelayMs = 0): Promise<Server> {
  return tsChild(children, 'upstream', 'bench/gateway/upstream.ts', [String(queryDelayMs)], []);
}

export function startBareProxy(
  children: Children,
  upstream: string,
  connections: number,
  flags: string[] = [],
): Promise<Server> {
  return tsChild(
    children,
    `bare proxy (${connections})`,
    'bench/gateway/bare-proxy.ts',
    [upstream, String(connections)],
    flags,
  );
}

/**
 * `npm run build`: the gateway is measured as `npm start` runs it, from a current bundle
 * (bin/hevlayer.js runs dist/cli/main.mjs and nothing else).
 */
export async function buildGateway(): Promise<void> {
  await promisify(execFile)('npm', ['run', 'build', '--silent'], { cwd: REPO_ROOT });
}

export async function startGateway(
  children: Children,
  configDir: string,
  dataDir: string,
  flags: string[] = [],
  env: Readonly<Record<string, string>> = {},
  /** What node runs: the bundle through bin/hevlayer.js, or (profiles) the sources. */
  entry: readonly string[] = ['bin/hevlayer.js'],
): Promise<Server> {
  const port = await freePort();
  const args = [
    ...flags,
    ...entry,
    'serve',
    '--config',
    configDir,
    '--port',
    String(port),
    '--data',
    dataDir,
  ];
  const child = children.spawn(process.execPath, args, {
    cwd: REPO_ROOT,
    env: { ...childEnv(), ...env },
    stdio: 'ignore',
  });
  const origin = `http://127.0.0.1:${port}`;
  try {
    await waitReady(`${origin}/readyz`, child);
  } catch (err) {
    // Its output went to /dev/null: let `validate` say what is wrong with the config, if anything.
    const validate = await promisify(execFile)(
      process.execPath,
      ['bin/hevlayer.js', 'validate', '--config', configDir],
      {
        cwd: REPO_ROOT,
        env: childEnv(),
      },
    ).then(
      (r) => r.stdout + r.stderr,
      (e: { stdout?: string; stderr?: string }) => `${e.stdout ?? ''}${e.stderr ?? ''}`,
    );
    throw new Error(
      `the gateway did not become ready: ${(err as Error).message}\nvalidate says:\n${validate}`,
    );
  }
  return { child, origin };
}
