/**
 * Section `scan` (issue 10): how the scan fan-out scales. A gateway process (`hevlayer serve`, the
 * built bundle) scans an 8-shard Index over a fake turbopuffer upstream that adds 20 ms to every
 * page (test/helpers/page-upstream.ts), at threads 1, 2, 4 and 8, interleaved over rounds, in one
 * run; the figure is rows/s of the whole scan as the client reads it, and the target compares
 * threads 8 with threads 1 (>= 6x). Needs `npm run build`.
 */
import { request } from 'undici';
import { check, type SectionResult, type TableRow } from '../lib/report.ts';
import { median, round } from '../lib/stats.ts';
import {
  gatewayConfigManifest,
  indexManifest,
  turbopufferStore,
} from '../../test/helpers/gateway-fixture.ts';
import { startPageUpstream } from '../../test/helpers/page-upstream.ts';
import { startServeProcess, writeServeConfig } from '../../test/helpers/serve-process.ts';

export interface ScanBenchOptions {
  readonly quick: boolean;
  readonly workDir: string;
  readonly log: (line: string) => void;
}

const SHARDS = 8;
const DELAY_MS = 20;
const THREADS = [1, 2, 4, 8] as const;

async function scanOnce(
  url: string,
  threads: number,
  pageSize: number,
): Promise<{ rows: number; ms: number }> {
  const started = performance.now();
  const res = await request(`${url}/hevlayer/v1/indexes/wide/scan`, {
    method: 'POST',
    body: JSON.stringify({ threads, page_size: pageSize }),
  });
  let tail = '';
  for await (const chunk of res.body as AsyncIterable<Buffer>)
    tail = (tail + chunk.toString('utf8')).slice(-400);
  const ms = performance.now() - started;
  const last = JSON.parse(tail.trimEnd().split('\n').at(-1) ?? '{}') as {
    $scan?: { rows: number; threads: number };
  };
  if (last.$scan?.threads !== threads) throw new Error(`scan at threads ${threads} ended with ${tail}`);
  return { rows: last.$scan.rows, ms };
}

export async function runScanBench(options: ScanBenchOptions): Promise<SectionResult> {
  const { log, quick } = options;
  const pageSize = 200;
  const pagesPerShard = quick ? 10 : 25;
  const total = SHARDS * pageSize * pagesPerShard;
  const rounds = quick ? 1 : 3;
  const upstream = await startPageUpstream({ prefix: 'wide', shards: SHARDS, total, delayMs: DELAY_MS });
  const config = writeServeConfig(options.workDir, [
    gatewayConfigManifest({ scan: { maxThreads: 8 } }),
    turbopufferStore('tp', { baseURL: upstream.url, apiKeyEnv: 'TP_KEY' }),
    indexManifest('wide', { backend: { shards: SHARDS } }),
  ]);
  const gateway = await startServeProcess(config, options.workDir, {
    TP_KEY: 'tpuf_benchScanKey0123456789abcdefghi',
    HEVLAYER_LOG_LEVEL: 'info',
  });
  const samples = new Map<number, number[]>(THREADS.map((t) => [t, []]));
  try {
    await scanOnce(gateway.url, 8, pageSize); // warm-up: connections, code paths
    for (let round = 0; round < rounds; round++) {
      for (const threads of THREADS) {
        const { rows, ms } = await scanOnce(gateway.url, threads, pageSize);
        if (rows !== total) throw new Error(`threads ${threads}: ${rows} rows, expected ${total}`);
        samples.get(threads)?.push((rows / ms) * 1000);
        log(`round ${round + 1}: threads ${threads}: ${Math.round((rows / ms) * 1000)} rows/s`);
      }
    }
  } finally {
    gateway.proc.kill('SIGTERM');
    await gateway.exited;
    await upstream.close();
  }
  const rate = (t: number) => median(samples.get(t) ?? []);
  const base = rate(1);
  const table: TableRow[] = THREADS.map((t) => ({
    threads: t,
    'rows/s (median)': Math.round(rate(t)),
    'vs threads 1': `${round(rate(t) / base, 2)}x`,
    ideal: `${t}x`,
  }));
  const speedup = round(rate(8) / base, 2);
  return {
    section: 'scan',
    notes: [
      `${SHARDS} shards x ${pagesPerShard} pages of ${pageSize} rows (${total} rows); the upstream adds ${DELAY_MS} ms per page`,
      `gateway = hevlayer serve (child process); ${rounds} round(s), threads interleaved; shared 2-core box: indicative figures`,
    ],
    params: { shards: SHARDS, delayMs: DELAY_MS, pageSize, pagesPerShard, total, rounds },
    figures: Object.fromEntries(THREADS.map((t) => [`threads${t}RowsPerSec`, Math.round(rate(t))])),
    table,
    targets: [check('rows/s at threads 8 vs threads 1', speedup, 'x', '>=', 6)],
  };
}
