/**
 * A real `redis-server` for tests: spawned on 127.0.0.1 on a free port with no persistence, ready
 * once it answers PING, killed on `stop()`. `kill()` + `start()` simulate an outage and a recovery
 * on the same port. When the binary is missing the tests skip with a reason that says so — except
 * under `CI=true`, where a missing redis-server is a failure (`.ci/run` installs it).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

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
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'hevlayer-redis-'));
  const auth = options.password === undefined ? [] : ['--requirepass', options.password];
  let proc: ChildProcess | undefined;

  const start = async () => {
    const child = spawn(
      BINARY,
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        dir,
        ...auth,
      ],
      { stdio: 'ignore' },
    );
    proc = child;
    const exited = new Promise<never>((_, reject) =>
      child.once('exit', (code) => reject(new Error(`redis-server exited (${code}) before answering PING`))),
    );
    exited.catch(() => undefined); // a later kill() is not a failure
    await Promise.race([waitForPing(port, options.password), exited]);
  };
  const kill = async () => {
    const child = proc;
    proc = undefined;
    if (child === undefined || child.exitCode !== null) return;
    const gone = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await gone;
  };

  await start();
  const credentials = options.password === undefined ? '' : `:${encodeURIComponent(options.password)}@`;
  return {
    port,
    url: `redis://${credentials}127.0.0.1:${port}`,
    kill,
    start,
    stop: async () => {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Polls with an inline PING (after AUTH when a password is set) until the answer is +PONG. */
async function waitForPing(port: number, password: string | undefined, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await pingOnce(port, password)) return;
    if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not answer PING`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function pingOnce(port: number, password: string | undefined): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    let reply = '';
    socket.once('connect', () => {
      socket.write(`${password === undefined ? '' : `AUTH ${password}\r\n`}PING\r\n`);
    });
    socket.on('data', (chunk) => {
      reply += chunk.toString();
      if (reply.includes('+PONG') || reply.includes('-')) {
        socket.destroy();
        resolve(reply.includes('+PONG'));
      }
    });
    socket.once('error', () => resolve(false));
    socket.setTimeout(1000, () => {
      socket.destroy();
      resolve(false);
    });
  });
}
