/**
 * Load generation: wrk (a C load generator, µs latency histogram) when /usr/bin/wrk or wrk on the
 * PATH exists, else autocannon (a Node process: more CPU, coarser latency). Every result says which
 * tool produced it.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export type LoadTool = 'wrk' | 'autocannon';

export interface LoadRequest {
  readonly url: string;
  readonly connections: number;
  readonly seconds: number;
  readonly body: string;
  readonly headers: Readonly<Record<string, string>>;
}

export interface LoadResult {
  readonly tool: LoadTool;
  readonly requests: number;
  readonly rps: number;
  readonly p50Us: number;
  readonly p90Us: number;
  readonly p99Us: number;
  /** Socket errors, timeouts and non-2xx answers. */
  readonly errors: number;
}

export async function findWrk(): Promise<string | undefined> {
  if (existsSync('/usr/bin/wrk')) return '/usr/bin/wrk';
  try {
    const { stdout } = await run('sh', ['-c', 'command -v wrk']);
    return stdout.trim() || undefined;
  } catch {
    return undefined;
  }
}

/** A Lua long string; the spaces keep `t[ [==[k]==] ]` from reading as `t[[`. */
const lua = (s: string) => ` [==[${s}]==] `;

/** A wrk script that POSTs the body and prints the summary as one JSON line. */
export async function writeWrkScript(
  dir: string,
  body: string,
  headers: Record<string, string>,
): Promise<string> {
  const file = join(dir, 'post.lua');
  const lines = [
    'wrk.method = "POST"',
    `wrk.body = ${lua(body)}`,
    ...Object.entries(headers).map(([k, v]) => `wrk.headers[${lua(k)}] = ${lua(v)}`),
    'function done(summary, latency, requests)',
    '  local e = summary.errors',
    '  io.write(string.format(\'WRK_JSON {"requests":%d,"duration_us":%d,"errors":%d,"p50":%.1f,"p90":%.1f,"p99":%.1f}\\n\',',
    '    summary.requests, summary.duration, e.connect + e.read + e.write + e.status + e.timeout,',
    '    latency:percentile(50), latency:percentile(90), latency:percentile(99)))',
    'end',
  ];
  await writeFile(file, `${lines.join('\n')}\n`);
  return file;
}

export async function wrkLoad(wrk: string, script: string, req: LoadRequest): Promise<LoadResult> {
  const { stdout } = await run(
    wrk,
    ['-t1', `-c${req.connections}`, `-d${req.seconds}s`, '--timeout', '5s', '-s', script, req.url],
    { maxBuffer: 1 << 20 },
  );
  const line = stdout.split('\n').find((l) => l.startsWith('WRK_JSON '));
  if (line === undefined) throw new Error(`wrk printed no summary:\n${stdout}`);
  const s = JSON.parse(line.slice('WRK_JSON '.length)) as Record<string, number>;
  const requests = s.requests ?? 0;
  return {
    tool: 'wrk',
    requests,
    rps: Math.round(requests / ((s.duration_us ?? 1) / 1e6)),
    p50Us: s.p50 ?? Number.NaN,
    p90Us: s.p90 ?? Number.NaN,
    p99Us: s.p99 ?? Number.NaN,
    errors: s.errors ?? 0,
  };
}

export async function autocannonLoad(req: LoadRequest): Promise<LoadResult> {
  const args = [
    'node_modules/autocannon/autocannon.js',
    '-j',
    '-c',
    String(req.connections),
    '-d',
    String(req.seconds),
  ];
  args.push('-m', 'POST', '-b', req.body);
  for (const [k, v] of Object.entries(req.headers)) args.push('-H', `${k}=${v}`);
  args.push(req.url);
  const { stdout } = await run(process.execPath, args, { maxBuffer: 16 << 20 });
  const r = JSON.parse(stdout) as {
    requests: { total: number; average: number };
    latency: { p50: number; p90: number; p99: number };
    errors: number;
    timeouts: number;
    non2xx: number;
    duration: number;
  };
  return {
    tool: 'autocannon',
    requests: r.requests.total,
    rps: Math.round(r.requests.total / r.duration),
    p50Us: r.latency.p50 * 1000,
    p90Us: r.latency.p90 * 1000,
    p99Us: r.latency.p99 * 1000,
    errors: r.errors + r.timeouts + r.non2xx,
  };
}

export type Load = (url: string, connections: number, seconds: number) => Promise<LoadResult>;

/**
 * The load function a section uses: wrk POSTing `body` with `headers` when wrk is installed (or
 * `--tool wrk`), else autocannon; throws when `--tool wrk` is asked for and wrk is missing.
 */
export async function chooseLoad(options: {
  readonly tool?: LoadTool | undefined;
  readonly workDir: string;
  readonly body: string;
  readonly headers: Record<string, string>;
}): Promise<{ tool: LoadTool; load: Load }> {
  const wrk = options.tool === 'autocannon' ? undefined : await findWrk();
  if (options.tool === 'wrk' && wrk === undefined) throw new Error('--tool wrk: wrk is not installed');
  const script = await writeWrkScript(options.workDir, options.body, options.headers);
  const load: Load = (url, connections, seconds) => {
    const req: LoadRequest = { url, connections, seconds, body: options.body, headers: options.headers };
    return wrk === undefined ? autocannonLoad(req) : wrkLoad(wrk, script, req);
  };
  return { tool: wrk === undefined ? 'autocannon' : 'wrk', load };
}
