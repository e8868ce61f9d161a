/**
 * A real `redis-server` for tests: spawned on 127.0.0.1 on a free port with no persistence, ready
 * once it answers (INFO names its pid, so another test's server on the same port is not taken
 * for ours), killed on `stop()` or when the test process exits. `kill()` + `start()` simulate an outage and a recovery
 * on the same port. When the binary is missing the tests skip with a reason that says so — except
 * under `CI=true`, where a missing redis-server is a failure (`.ci/run` installs it).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { childSlot, startOnFreePort } from './child-server.ts';

export interface RedisServerOptions {
  /** Sets `requirepass`; the URL then carries it. */
  readonly password?: string;
}

export interface TestRedisServer {
  readonly port: number;
  /** `redis://127.0.0.1:<port>`, with `:<password>@` when one is set. */
  readonly url: string;
  /** SIGKILL, as a crash: clients see the connection drop. */
  kill(): Promise<void>;
  /** Starts it again on the same port (empty: no persistence). */
  start(): Promise<void>;
  stop(): Promise<void>;
}

const BINARY = 'redis-server';

/** Why the Redis tests cannot run here, or undefined when they can (or must: under CI). */
export function redisServerSkipReason(): string | undefined {
  if (spawnSync(BINARY, ['--version']).status === 0) return undefined;
  if (process.env.CI === 'true') return undefined; // startRedisServer fails loudly below
  const reason = 'SKIPPED: redis-server is not installed (apt-get install -y redis-server)';
  console.warn(`\n*** ${reason}: the Redis cache tests did not run ***\n`);
  return reason;
}

export async function startRedisServer(options: RedisServerOptions = {}): Promise<TestRedisServer> {
  if (spawnSync(BINARY, ['--version']).status !== 0) {
    throw new Error('redis-server is not installed; CI must install it (see .ci/run)');
  }
  const dir = mkdtempSync(join(tmpdir(), 'hevlayer-redis-'));
  const auth = options.password === undefined ? [] : ['--requirepass', options.password];
  const slot = childSlot();
  let port = 0;

  const start = async () => {
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
    const child = spawn(BINARY, [...args, '--dir', dir, ...auth], { stdio: 'ignore' });
    slot.set(child);
    const exited = new Promise<never>((_, reject) =>
      child.once('exit', (code) => reject(new Error(`redis-server exited (${code}) before answering`))),
    );
    exited.catch(() => undefined); // a later kill() is not a failure
    await Promise.race([waitForServer(port, child.pid ?? -1, options.password), exited]);
  };
  const kill = () => slot.kill();

  port = await startOnFreePort(async (free) => {
    port = free;
    await start();
  }, kill);
  const credentials = options.password === undefined ? '' : `:${encodeURIComponent(options.password)}@`;
  return {
    port,
    url: `redis://${credentials}127.0.0.1:${port}`,
    kill,
    start,
    stop: () => slot.stop(dir),
  };
}

/**
 * Polls with an inline INFO (after AUTH when a password is set) until the server on the port is
 * our child: a server started by another test on a port we thought free does not count.
 */
async function waitForServer(port: number, pid: number, password: string | undefined): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    if ((await serverPid(port, password)) === pid) return;
    if (Date.now() > deadline) throw new Error(`redis-server (pid ${pid}) did not answer on port ${port}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function serverPid(port: number, password: string | undefined): Promise<number | undefined> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    let reply = '';
    const done = (pid: number | undefined) => {
      socket.destroy();
      resolve(pid);
    };
    socket.once('connect', () => {
      socket.write(`${password === undefined ? '' : `AUTH ${password}\r\n`}INFO server\r\n`);
    });
    socket.on('data', (chunk) => {
      reply += chunk.toString();
      const pid = /process_id:(\d+)\r\n/.exec(reply)?.[1];
      if (pid !== undefined) done(Number(pid));
      else if (/^-/m.test(reply)) done(undefined); // LOADING, NOAUTH, …
    });
    socket.once('error', () => done(undefined));
    socket.setTimeout(1000, () => done(undefined));
  });
}
