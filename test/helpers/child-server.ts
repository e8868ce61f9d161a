/**
 * What the test servers started as child processes (redis-server, s3rver) share: a SIGKILL that
 * waits for the exit, and a start on a free port retried when another test took the port first.
 */
import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { freePort } from './listen.ts';

/** SIGKILL, as a crash; resolves once the child has exited (at once when it already had). */
export async function killChild(child: ChildProcess | undefined): Promise<void> {
  if (child === undefined || child.exitCode !== null) return;
  const gone = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await gone;
}

/**
 * Starts a server on a free port: the port may be taken before the child binds it (other tests
 * run in parallel), so up to three ports are tried. Resolves to the port it listens on.
 */
export async function startOnFreePort(
  start: (port: number) => Promise<void>,
  kill: () => Promise<void>,
): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    try {
      await start(port);
      return port;
    } catch (err) {
      await kill();
      if (attempt === 3) throw err;
    }
  }
}

/** The current child of a test server: killed by kill(), and on process exit until dispose(). */
export function childSlot() {
  let proc: ChildProcess | undefined;
  // A crashed test run must not leave servers behind.
  const killOnExit = () => proc?.kill('SIGKILL');
  process.once('exit', killOnExit);
  return {
    set(child: ChildProcess): void {
      proc = child;
    },
    async kill(): Promise<void> {
      const child = proc;
      proc = undefined;
      await killChild(child);
    },
    dispose(): void {
      process.off('exit', killOnExit);
    },
    /** For good: kills the child, forgets the exit hook and removes the server's data directory. */
    async stop(dir: string): Promise<void> {
      process.off('exit', killOnExit);
      const child = proc;
      proc = undefined;
      await killChild(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
