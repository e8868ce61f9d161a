/**
 * Runs `hevlayer serve` as a child process on a config written from plain objects: its URL once it
 * listens, its log lines as they come, and its exit (code, and when it happened).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { stringify } from 'yaml';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'hevlayer.js');

export interface ServeProcess {
  readonly proc: ChildProcess;
  readonly url: string;
  /** Parsed JSON log lines (stdout) so far. */
  readonly lines: Record<string, unknown>[];
  /** Resolves with the exit code and the performance.now() at which the process exited. */
  readonly exited: Promise<{ code: number | null; at: number }>;
}

export function writeServeConfig(dir: string, docs: readonly Record<string, unknown>[]): string {
  const config = join(dir, 'config');
  mkdirSync(config, { recursive: true });
  writeFileSync(join(config, 'all.yaml'), docs.map((d) => stringify(d)).join('---\n'));
  return config;
}

export function startServeProcess(
  config: string,
  dataDir: string,
  env: Record<string, string> = {},
): Promise<ServeProcess> {
  const proc = spawn(process.execPath, [BIN, 'serve', '--config', config, '--data', dataDir, '--port', '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  const lines: Record<string, unknown>[] = [];
  const exited = new Promise<{ code: number | null; at: number }>((resolve) =>
    proc.once('exit', (code) => resolve({ code, at: performance.now() })),
  );
  return new Promise((resolve, reject) => {
    createInterface({ input: proc.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      const entry = JSON.parse(line) as Record<string, unknown>;
      lines.push(entry);
      if (entry.msg === 'hevlayer gateway listening' && typeof entry.url === 'string') {
        resolve({ proc, url: entry.url, lines, exited });
      }
    });
    void exited.then(({ code }) => reject(new Error(`gateway exited (${code}) before listening`)));
  });
}
