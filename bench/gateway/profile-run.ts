/**
 * Profiling run: the gateway and the bare proxy each restarted under `node --cpu-prof`, loaded at
 * 50 connections, stopped with SIGTERM (which writes the profile), and summarized over the
 * measured window only. CPU per request = busy profile time / requests served.
 */
import { copyFile, mkdir, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { summarizeProfile, type ProfileSummary } from './cpu-profile.ts';
import type { LoadResult } from './load.ts';
import type { Children } from './processes.ts';
import { startBareProxy, startGateway, type Server } from './servers.ts';

export interface ProfiledRun {
  readonly requests: number;
  readonly rps: number;
  /** Busy (non-idle) CPU of the profiled process per request served, in µs. */
  readonly cpuUsPerRequest: number;
  /** A copy of the raw profile outside the scratch directory (open it in Chrome DevTools). */
  readonly file: string;
  /** Start of the measured window on the profile's clock (µs); earlier samples are start-up. */
  readonly windowStartUs: number;
  readonly profile: ProfileSummary;
}

export interface ProfileFigures {
  readonly gateway: ProfiledRun;
  readonly bareProxy: ProfiledRun;
}

export interface ProfileOptions {
  readonly children: Children;
  readonly workDir: string;
  readonly configDir: string;
  readonly upstream: string;
  readonly seconds: number;
  readonly load: (url: string, seconds: number) => Promise<LoadResult>;
}

const QUERY_PATH = '/v2/namespaces/bench/query';

async function profiled(
  options: ProfileOptions,
  name: string,
  start: (flags: string[]) => Promise<Server>,
): Promise<ProfiledRun> {
  const dir = join(options.workDir, `profile-${name}`);
  const server = await start(['--cpu-prof', `--cpu-prof-dir=${dir}`]);
  const url = server.origin + QUERY_PATH;
  await options.load(url, Math.max(2, Math.round(options.seconds / 3)));
  const fromUs = Number(process.hrtime.bigint() / 1000n);
  const result = await options.load(url, options.seconds);
  await options.children.stop(server.child, 30_000);
  // One profile per thread (tsx runs its loader in a worker); the main thread's has thread id 0.
  const files = (await readdir(dir)).filter((f) => f.endsWith('.cpuprofile'));
  const file = files.find((f) => /\.\d+\.0\.\d+\.cpuprofile$/.test(f)) ?? files[0];
  if (file === undefined) throw new Error(`${name} wrote no .cpuprofile in ${dir}`);
  const profile = await summarizeProfile(join(dir, file), fromUs);
  const keepDir = join(tmpdir(), 'hevlayer-bench-profiles');
  await mkdir(keepDir, { recursive: true });
  const kept = join(keepDir, `${name}-${new Date().toISOString().replace(/[:.]/g, '-')}.cpuprofile`);
  await copyFile(join(dir, file), kept);
  return {
    file: kept,
    windowStartUs: fromUs,
    requests: result.requests,
    rps: result.rps,
    cpuUsPerRequest: Math.round((profile.busyMs * 1000) / Math.max(1, result.requests)),
    profile,
  };
}

export async function profileProxies(options: ProfileOptions): Promise<ProfileFigures> {
  const gateway = await profiled(options, 'gateway', (flags) =>
    // From the sources (tsx), not the bundle: the summary maps frames back to .ts lines that way.
    startGateway(options.children, options.configDir, options.workDir, [...flags, '--import', 'tsx'], {}, [
      'src/cli/main.ts',
    ]),
  );
  const bareProxy = await profiled(options, 'bare-16', (flags) =>
    startBareProxy(options.children, options.upstream, 16, flags),
  );
  return { gateway, bareProxy };
}

function lines(title: string, spots: ProfileSummary['selfByFunction'], requests: number): string[] {
  return [
    title,
    ...spots.map(
      (s) =>
        `  ${s.pct.toFixed(1).padStart(5)}%  ${((s.ms * 1000) / Math.max(1, requests)).toFixed(1).padStart(6)} µs/req  ${s.name}`,
    ),
  ];
}

/** Human-readable summary for the console and docs. */
export function formatProfiles(p: ProfileFigures): string {
  const g = p.gateway;
  const b = p.bareProxy;
  return [
    `CPU profile (--cpu-prof, 50 connections): gateway ${g.cpuUsPerRequest} µs CPU/request at ${g.rps} req/s; bare-16 proxy ${b.cpuUsPerRequest} µs CPU/request at ${b.rps} req/s`,
    `(busy = non-idle samples of the event-loop thread: includes time the process was runnable but preempted)`,
    `profiles: ${g.file} ${b.file}`,
    ...lines('gateway self time by area:', g.profile.selfByArea, g.requests),
    ...lines('gateway self time by function:', g.profile.selfByFunction, g.requests),
    ...lines('gateway inclusive time (request path):', g.profile.inclusive.slice(0, 20), g.requests),
    ...lines('bare proxy self time by area:', b.profile.selfByArea.slice(0, 8), b.requests),
  ].join('\n');
}
