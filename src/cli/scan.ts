/**
 * `hevlayer scan INDEX`: streams an Index's rows as NDJSON to stdout or `--out FILE` through the
 * gateway's scan route, with a progress bar on stderr when it is a TTY (rows, rows/s, ETA from the
 * upstream's approximate row count). Rows are written a page at a time, at the route's checkpoints;
 * with `--resume FILE` the cursor and the bytes of `--out` written are saved after each page, and a
 * later run continues from there (the file is cut back to the last saved page first), so an
 * interrupted export ends with every row exactly once.
 */
import { closeSync, ftruncateSync, openSync, writeSync } from 'node:fs';
import type { Command } from 'commander';
import { SingleBar } from 'cli-progress';
import { request } from 'undici';
import { cliConnection } from './connection.ts';
import { errorMessage, gatewayCall, gatewayHeaders, type GatewayConnection } from './http.ts';
import {
  readResume,
  scanBody,
  writeResume,
  type ResumeState,
  type ScanBody,
  type ScanFlags,
} from './scan-flags.ts';

interface Summary {
  rows: number;
  threads: number;
  shards: number;
  durationMs: number;
  cursor: string | null;
  error?: string;
}

/** Where rows go: a file (appended, cut back on resume) or stdout. */
interface Sink {
  write(text: string): Promise<void>;
  readonly bytes: number;
  close(): void;
}

function fileSink(path: string, keepBytes: number): Sink {
  const fd = openSync(path, keepBytes > 0 ? 'r+' : 'w');
  ftruncateSync(fd, keepBytes);
  let bytes = keepBytes;
  return {
    async write(text) {
      const buffer = Buffer.from(text, 'utf8');
      writeSync(fd, buffer, 0, buffer.length, bytes);
      bytes += buffer.length;
    },
    get bytes() {
      return bytes;
    },
    close: () => closeSync(fd),
  };
}

function stdoutSink(): Sink {
  let bytes = 0;
  return {
    write: (text) =>
      new Promise((resolve, reject) => {
        bytes += Buffer.byteLength(text);
        process.stdout.write(text, (err) => (err ? reject(err) : resolve()));
      }),
    get bytes() {
      return bytes;
    },
    close: () => undefined,
  };
}

async function approxRows(conn: GatewayConnection, index: string): Promise<number | undefined> {
  try {
    const meta = await gatewayCall(conn, 'GET', `/v1/namespaces/${encodeURIComponent(index)}/metadata`);
    return typeof meta.approx_row_count === 'number' ? meta.approx_row_count : undefined;
  } catch {
    return undefined; // only the ETA needs it
  }
}

function progressBar(total: number | undefined, start: number): SingleBar | undefined {
  if (process.stderr.isTTY !== true) return undefined;
  const bar = new SingleBar({
    stream: process.stderr,
    format:
      total === undefined
        ? 'scan {value} rows | {speed} rows/s'
        : 'scan [{bar}] {percentage}% | {value}/{total} rows | {speed} rows/s | ETA {eta_formatted}',
    etaBuffer: 50,
  });
  bar.start(total ?? 0, start, { speed: 0 });
  return bar;
}

export async function runScan(index: string, flags: ScanFlags): Promise<number> {
  const conn = cliConnection(flags);
  const fresh = scanBody(flags);
  const saved = flags.resume === undefined ? undefined : readResume(flags.resume, index);
  if (saved?.cursor === null) {
    process.stderr.write(`the scan saved in ${flags.resume} is complete (${saved.rows} rows)\n`);
    return 0;
  }
  const body: ScanBody & { cursor?: string; checkpoints: true } = {
    ...(saved?.request ?? fresh),
    // A resumed scan keeps its filters and attributes; only the fan-out may change.
    ...(saved === undefined || fresh.threads === undefined ? {} : { threads: fresh.threads }),
    ...(saved === undefined ? {} : { cursor: saved.cursor as string }),
    checkpoints: true,
  };
  const sink = flags.out === undefined ? stdoutSink() : fileSink(flags.out, saved?.outBytes ?? 0);
  let rows = saved?.rows ?? 0;
  const save = (cursor: string | null) => {
    if (flags.resume === undefined) return;
    const state: ResumeState = {
      index,
      request: saved?.request ?? fresh,
      cursor,
      rows,
      outBytes: sink.bytes,
    };
    writeResume(flags.resume, state);
  };
  const started = performance.now();
  const bar = progressBar(await approxRows(conn, index), rows);
  try {
    const res = await request(`${conn.url}/hevlayer/v1/indexes/${encodeURIComponent(index)}/scan`, {
      method: 'POST',
      headers: gatewayHeaders(conn.apiKey),
      body: JSON.stringify(body),
    });
    if (res.statusCode >= 400)
      throw new Error(`scan ${index}: HTTP ${res.statusCode}: ${errorMessage(await res.body.text())}`);
    let pending = '';
    let pendingRows = 0;
    let partial = '';
    let summary: Summary | undefined;
    for await (const chunk of res.body as AsyncIterable<Buffer>) {
      const lines = (partial + chunk.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        if (line.startsWith('{"$checkpoint":')) {
          await sink.write(pending);
          rows += pendingRows;
          pending = '';
          pendingRows = 0;
          save((JSON.parse(line) as { $checkpoint: { cursor: string | null } }).$checkpoint.cursor);
          bar?.update(rows, { speed: Math.round(rows / ((performance.now() - started) / 1000)) });
        } else if (line.startsWith('{"$scan":')) {
          summary = (JSON.parse(line) as { $scan: Summary }).$scan;
        } else if (line !== '') {
          pending += `${line}\n`;
          pendingRows++;
        }
      }
    }
    bar?.stop();
    if (summary === undefined) throw new Error(`scan ${index}: the stream ended without its final line`);
    save(summary.cursor);
    if (summary.error !== undefined) {
      const hint =
        flags.resume === undefined
          ? 'run again with --resume FILE to be able to continue'
          : `continue with --resume ${flags.resume}`;
      process.stderr.write(`hevlayer: scan ${index} stopped after ${rows} rows: ${summary.error}; ${hint}\n`);
      return 1;
    }
    const seconds = (performance.now() - started) / 1000;
    process.stderr.write(
      `scanned ${summary.rows} rows of ${index} (threads ${summary.threads}, shards ${summary.shards}) in ${seconds.toFixed(1)} s` +
        (saved === undefined ? '' : `, ${rows} in all with the resumed part`) +
        '\n',
    );
    return 0;
  } finally {
    bar?.stop();
    sink.close();
  }
}

export function registerScan(program: Command): void {
  program
    .command('scan')
    .description("stream every row of an Index as NDJSON (the gateway's scan API), resumable")
    .argument('<index>', 'the Index to scan')
    .option(
      '--threads <n>',
      'max concurrent upstream requests (clamped by the server cap and the shard count)',
    )
    .option('--filters <json>', 'a turbopuffer filter, e.g. \'["brand","Eq","acme"]\'')
    .option('--attributes <a,b>', 'attributes to include (default: the upstream default, id only)')
    .option('--page-size <n>', 'rows per upstream page, 1..10000 (default 1000)')
    .option('--out <file>', 'write rows to FILE instead of stdout')
    .option('--resume <file>', 'save the cursor to FILE after each page; continue from it when FILE exists')
    .option('--url <url>', 'gateway URL (default: HEVLAYER_URL or http://127.0.0.1:8080)')
    .option('--api-key <key>', 'API key (default: HEVLAYER_API_KEY)')
    .action(async (index: string, flags: ScanFlags) => {
      process.exitCode = await runScan(index, flags);
    });
}
