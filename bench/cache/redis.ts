/**
 * A throwaway redis-server for the cache section, run as a tracked child process on a free
 * loopback port with persistence off (the same flags as the tests' helper), ready once it answers
 * PING. The Debian package `redis-server` provides the binary.
 */
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort, type Children } from '../gateway/processes.ts';
import type { ChildProcess } from 'node:child_process';

const BINARY = ['/usr/bin/redis-server', '/usr/local/bin/redis-server'].find((p) => existsSync(p));

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let reply = '';
    socket.setTimeout(500, () => socket.destroy());
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk: Buffer) => {
      reply += chunk.toString('utf8');
      if (reply.includes('\r\n')) socket.end();
    });
    socket.once('close', () => resolve(reply.startsWith('+PONG')));
    socket.once('error', () => undefined);
  });
}

export async function startRedis(
  children: Children,
  dir: string,
): Promise<{ child: ChildProcess; url: string }> {
  if (BINARY === undefined)
    throw new Error('redis-server is not installed (apt-get install -y redis-server)');
  const port = await freePort();
  const child = children.spawn(
    BINARY,
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
    { stdio: 'ignore' },
  );
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}`);
    if (await ping(port)) return { child, url: `redis://127.0.0.1:${port}` };
    await sleep(50);
  }
  throw new Error(`redis-server on port ${port} did not answer PING within 5 s`);
}
