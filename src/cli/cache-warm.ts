/**
 * `hevlayer cache warm INDEX`: starts a warm of the Index's read cache on a running gateway
 * (`POST /hevlayer/v1/indexes/:name/cache/warm`) and follows its progress (`GET` on the same path)
 * until it ends: a progress bar on stderr when it is a TTY, then the final progress as JSON on
 * stdout. Exit 0 when the warm succeeded or stopped at the cache's cap, 1 otherwise.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Command } from 'commander';
import { SingleBar } from 'cli-progress';
import { cliConnection, type ConnectionFlags } from './connection.ts';
import { gatewayCall } from './http.ts';

interface WarmFlags extends ConnectionFlags {
  interval: string;
}

export async function runCacheWarm(index: string, flags: WarmFlags): Promise<number> {
  const conn = cliConnection(flags);
  const interval = Number(flags.interval);
  if (!/^\d+$/.test(flags.interval) || interval < 50 || interval > 60_000) {
    throw new Error(
      `--interval must be milliseconds between 50 and 60000, got ${JSON.stringify(flags.interval)}`,
    );
  }
  const path = `/hevlayer/v1/indexes/${encodeURIComponent(index)}/cache/warm`;
  let progress = await gatewayCall(conn, 'POST', path);
  const bar =
    process.stderr.isTTY === true
      ? new SingleBar({
          stream: process.stderr,
          format: 'warm [{bar}] {percentage}% | {value}/{total} rows | {documents} documents',
        })
      : undefined;
  bar?.start(1, 0, { documents: 0 });
  try {
    while (progress.state === 'running') {
      await sleep(interval);
      progress = await gatewayCall(conn, 'GET', path);
      const total = typeof progress.approxRows === 'number' ? Math.max(1, progress.approxRows) : 1;
      bar?.setTotal(total);
      bar?.update(Number(progress.rows ?? 0), { documents: progress.documents ?? 0 });
    }
  } finally {
    bar?.stop();
  }
  process.stdout.write(`${JSON.stringify(progress)}\n`);
  const ok = progress.state === 'succeeded' || progress.stopReason === 'cap';
  if (!ok) {
    process.stderr.write(
      `hevlayer: warm of ${index} ${String(progress.state)}${progress.error === undefined ? '' : `: ${String(progress.error)}`}\n`,
    );
  }
  return ok ? 0 : 1;
}

export function registerCacheWarm(program: Command): void {
  program
    .command('cache')
    .description("the gateway's read cache")
    .command('warm')
    .description("warm an Index's read cache (scan it into documents) and show the progress")
    .argument('<index>', 'the Index to warm')
    .option('--interval <ms>', 'how often progress is read', '500')
    .option('--url <url>', 'gateway URL (default: HEVLAYER_URL or http://127.0.0.1:8080)')
    .option('--api-key <key>', 'API key (default: HEVLAYER_API_KEY)')
    .action(async (index: string, flags: WarmFlags) => {
      process.exitCode = await runCacheWarm(index, flags);
    });
}
