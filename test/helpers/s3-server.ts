/**
 * A real S3-compatible server for tests: s3rver (npm) in a child process on 127.0.0.1 on a free
 * port, with its data in a temp directory and the bucket created at start. It runs under
 * `node --openssl-legacy-provider` (its ListObjectsV2 continuation tokens need a legacy cipher;
 * reference/dependency-notes.md), outside the vitest worker. Ready when the child itself prints
 * its listening line (a server another test started on the same port does not count).
 * `kill()` + `start()` simulate an outage and a recovery on the same port with the same data.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ObjectStore } from '../../src/objects/port.ts';
import { createS3ObjectStore } from '../../src/objects/s3.ts';
import { childSlot, startOnFreePort } from './child-server.ts';

export interface TestS3Server {
  readonly endpoint: string;
  readonly bucket: string;
  readonly port: number;
  /** The data directory (`<dir>/<bucket>/…` holds the objects). */
  readonly dir: string;
  /** SIGKILL, as a crash. */
  kill(): Promise<void>;
  /** Starts it again on the same port and data. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Credentials s3rver accepts (it checks the signature's shape, with these fixed keys). */
export const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

const BIN = createRequire(import.meta.url).resolve('s3rver/bin/s3rver.js');

export async function startS3Server(bucket = 'hevlayer-snapshots'): Promise<TestS3Server> {
  const dir = mkdtempSync(join(tmpdir(), 'hevlayer-s3-'));
  const slot = childSlot();
  let port = 0;

  const start = async () => {
    const args = ['--openssl-legacy-provider', BIN, '-d', dir, '-a', '127.0.0.1', '-p', String(port)];
    const child = spawn(process.execPath, [...args, '--configure-bucket', bucket], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    slot.set(child);
    let output = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`s3rver did not start: ${output}`)), 15_000);
      child.stdout?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes(`listening on 127.0.0.1:${port}`)) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`s3rver exited (${code}) before listening: ${output}`));
      });
    });
    // Keep draining the request log so the child never blocks on a full pipe.
    child.stdout?.resume();
    child.stderr?.resume();
  };
  const kill = () => slot.kill();

  port = await startOnFreePort(async (free) => {
    port = free;
    await start();
  }, kill);
  return {
    endpoint: `http://127.0.0.1:${port}`,
    bucket,
    port,
    dir,
    kill,
    start,
    stop: () => slot.stop(dir),
  };
}

/** A client of the test server's bucket, for reading what a gateway wrote (or writing fixtures). */
export function s3Client(server: TestS3Server): ObjectStore {
  return createS3ObjectStore({
    bucket: server.bucket,
    endpoint: server.endpoint,
    forcePathStyle: true,
    credentials: S3RVER_CREDENTIALS,
  });
}

/**
 * Writes s3rver's credentials as a mounted Secret (`<secretsDir>/<name>/AWS_ACCESS_KEY_ID`, …), the
 * way HEVLAYER_SECRETS_DIR expects, for GatewayConfig `credentialsSecretRef: {name}`.
 */
export function writeS3CredentialsSecret(secretsDir: string, name = 's3-creds'): void {
  mkdirSync(join(secretsDir, name), { recursive: true });
  writeFileSync(join(secretsDir, name, 'AWS_ACCESS_KEY_ID'), S3RVER_CREDENTIALS.accessKeyId);
  writeFileSync(join(secretsDir, name, 'AWS_SECRET_ACCESS_KEY'), S3RVER_CREDENTIALS.secretAccessKey);
}
