/**
 * A/B of two gateway builds in one run: this tree and another checkout (e.g. the commit before a
 * change), each `hevlayer serve` from its own built bundle on the same bench upstream and config,
 * beside the bare-16 proxy. Short rounds, order rotated each round, medians per target (the
 * shared-machine rationale of docs/adr/gateway-data-plane.md). Used for docs/adr/http-pipeline.md.
 *
 *   node --import tsx bench/gateway/ab.ts /path/to/other/tree [rounds=8] [pass|hit]
 *
 * `hit`: the Index's cache on (memory, strong), so the repeated query is answered from the cache,
 * compared with the bare route too (the upstream itself, no delay: the cache section's baseline).
 */
import { execFile } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { HEADERS, QUERY_BODY, QUERY_PATH } from './index.ts';
import { writeGatewayConfig } from './config.ts';
import { findWrk, wrkLoad, writeWrkScript, type LoadResult } from './load.ts';
import { Children, freePort, waitReady } from './processes.ts';
import { cpuMs } from './proc-cpu.ts';
import { buildGateway, childEnv, REPO_ROOT, startBareProxy, startUpstream, type Server } from './servers.ts';

const other = process.argv[2];
const rounds = Number(process.argv[3] ?? 8);
const hit = process.argv[4] === 'hit';
if (other === undefined) throw new Error('usage: ab.ts OTHER_TREE [rounds] [pass|hit]');

async function serveFrom(
  children: Children,
  root: string,
  configDir: string,
  dataDir: string,
): Promise<Server> {
  await promisify(execFile)('npm', ['run', 'build', '--silent'], { cwd: root });
  const port = await freePort();
  const child = children.spawn(
    process.execPath,
    ['bin/hevlayer.js', 'serve', '--config', configDir, '--port', String(port), '--data', dataDir],
    { cwd: root, env: childEnv(), stdio: 'ignore' },
  );
  const origin = `http://127.0.0.1:${port}`;
  await waitReady(`${origin}/readyz`, child);
  return { child, origin };
}

const median = (xs: number[]): number =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

const wrk = await findWrk();
if (wrk === undefined) throw new Error('wrk is not installed');
const dir = await mkdtemp(join(tmpdir(), 'hevlayer-ab-'));
const script = await writeWrkScript(dir, QUERY_BODY, HEADERS);
const children = new Children();
await buildGateway();
const upstream = await startUpstream(children);
const bare = await startBareProxy(children, upstream.origin, 16);
const configDir = await writeGatewayConfig(dir, upstream.origin, hit ? { cache: { mode: 'standard' } } : {});
const targets: Record<string, Server> = {
  'bare-16': bare,
  ...(hit ? { 'bare route': upstream } : {}),
  'this tree': await serveFrom(children, REPO_ROOT, configDir, join(dir, 'a')),
  'other tree': await serveFrom(children, other, configDir, join(dir, 'b')),
};
const names = Object.keys(targets);
const target = (name: string): Server => targets[name] as Server;
const load = (url: string, connections: number, seconds: number): Promise<LoadResult> =>
  wrkLoad(wrk, script, { url, connections, seconds, body: QUERY_BODY, headers: HEADERS });
for (const name of names) {
  await load(target(name).origin + QUERY_PATH, 50, 3);
  await load(target(name).origin + QUERY_PATH, 1, 2);
}
const runs: Record<string, { rps: number; p50: number; cpu: number; ratio?: number }[]> = {};
for (let round = 0; round < rounds; round++) {
  for (const c of [1, 50]) {
    const perRound: Record<string, number> = {};
    for (let k = 0; k < names.length; k++) {
      const name = names[(k + round) % names.length]!;
      const pid = target(name).child.pid;
      const before = cpuMs(pid) ?? 0;
      const r = await load(target(name).origin + QUERY_PATH, c, 2);
      const cpu = (((cpuMs(pid) ?? 0) - before) * 1000) / Math.max(1, r.requests);
      perRound[name] = r.rps;
      (runs[`${name}@${c}`] ??= []).push({ rps: r.rps, p50: r.p50Us / 1000, cpu });
    }
    for (const name of names) {
      const last = runs[`${name}@${c}`]!.at(-1)!;
      last.ratio = (perRound[name] ?? 0) / (perRound['bare-16'] ?? 1);
    }
  }
  process.stderr.write(`round ${round + 1}/${rounds} done\n`);
}
const rows = Object.entries(runs).map(([key, rs]) => ({
  target: key,
  'req/s': Math.round(median(rs.map((r) => r.rps))),
  'p50 ms': median(rs.map((r) => r.p50)).toFixed(3),
  'CPU µs/req': median(rs.map((r) => r.cpu)).toFixed(1),
  'vs bare-16': median(rs.map((r) => r.ratio ?? Number.NaN)).toFixed(3),
}));
console.table(rows);
process.exit(0);
