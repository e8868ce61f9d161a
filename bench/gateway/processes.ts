/**
 * The child processes of the gateway section (upstream, bare proxy, gateway), tracked so that
 * every one is stopped at the end, on failure, and on Ctrl-C.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import type { Server } from 'node:http';
import { freePort } from '../../test/helpers/listen.ts';

export { freePort };

export class Children {
  readonly #procs = new Set<ChildProcess>();
  readonly #onExit = () => {
    for (const child of this.#procs)
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  readonly #onSignal = () => {
    this.#onExit();
    process.exit(130);
  };

  constructor() {
    process.on('exit', this.#onExit);
    process.once('SIGINT', this.#onSignal);
    process.once('SIGTERM', this.#onSignal);
  }

  spawn(command: string, args: readonly string[], options: SpawnOptions): ChildProcess {
    const child = spawn(command, args, options);
    this.#procs.add(child);
    child.once('exit', () => this.#procs.delete(child));
    return child;
  }

  /** SIGTERM (lets a --cpu-prof child write its profile), then SIGKILL after `graceMs`. */
  async stop(child: ChildProcess, graceMs = 5_000): Promise<void> {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.#procs].map((child) => this.stop(child)));
    process.off('exit', this.#onExit);
    process.off('SIGINT', this.#onSignal);
    process.off('SIGTERM', this.#onSignal);
  }
}

/** Resolves with the port a child prints as its first stdout line ({"port":N}). */
export function announcedPort(child: ChildProcess, name: string, timeoutMs = 20_000): Promise<number> {
  return new Promise((resolve, reject) => {
    let text = '';
    let errText = '';
    const timer = setTimeout(
      () => reject(new Error(`${name} did not start within ${timeoutMs} ms: ${errText}`)),
      timeoutMs,
    );
    child.stderr?.on('data', (chunk: Buffer) => (errText += chunk.toString('utf8')));
    child.stdout?.on('data', (chunk: Buffer) => {
      text += chunk.toString('utf8');
      const line = text.split('\n', 1)[0] ?? '';
      if (!text.includes('\n')) return;
      clearTimeout(timer);
      const port = (JSON.parse(line) as { port?: unknown }).port;
      if (typeof port === 'number' && port > 0) resolve(port);
      else reject(new Error(`${name} printed ${line}`));
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${String(code)} before listening: ${errText}`));
    });
  });
}

/** Polls `url` until it answers 200; rejects after `timeoutMs` or when `child` exits. */
export async function waitReady(url: string, child: ChildProcess, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode} before ${url} was ready`);
    try {
      const res = await fetch(url);
      last = `${res.status} ${await res.text()}`;
      if (res.status === 200) return;
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} not ready after ${timeoutMs} ms (last: ${last})`);
}

/**
 * The child side of `announcedPort`: listens on a free loopback port, prints {"port":N}, and on
 * SIGTERM closes every connection, runs `cleanup` (e.g. closing an upstream pool) and exits 0.
 */
export function listenAndAnnounce(
  server: Server,
  cleanup: () => Promise<unknown> = async () => undefined,
): void {
  server.keepAliveTimeout = 65_000;
  server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    process.stdout.write(
      `${JSON.stringify({ port: typeof address === 'object' && address ? address.port : 0 })}\n`,
    );
  });
  process.on('SIGTERM', () => {
    server.closeAllConnections();
    server.close(() => void cleanup().then(() => process.exit(0)));
  });
}
