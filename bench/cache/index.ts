/**
 * Section `cache` (issue 9): what a cache hit costs. Three processes answer the same query with
 * the same ~1 KB body: a bare node:http route returning it pre-serialized (bench/gateway/upstream.ts
 * with no delay: the baseline), and `hevlayer serve` answering from its cache, once with the
 * embedded memory cache and once with a shared Redis (a local redis-server), both in front of an
 * upstream that adds 14 ms per query (a turbopuffer warm query). Measures (a) hit throughput at 50
 * connections against the bare route, in interleaved rounds, (b) hit p50 vs miss p50 at 1
 * connection, (c) the same figures with Redis.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { writeGatewayConfig, type GatewayVariant } from '../gateway/config.ts';
import { HEADERS, QUERY_BODY, QUERY_PATH } from '../gateway/index.ts';
import { chooseLoad, type Load, type LoadResult, type LoadTool } from '../gateway/load.ts';
import { cpuMs } from '../gateway/proc-cpu.ts';
import { Children } from '../gateway/processes.ts';
import { formatProfiles, profileProxies, type ProfileFigures } from '../gateway/profile-run.ts';
import { buildGateway, startGateway, startUpstream, type Server } from '../gateway/servers.ts';
import { check, formatTable, type SectionResult, type TableRow } from '../lib/report.ts';
import { median, round } from '../lib/stats.ts';
import { hitVsMiss, type HitMissFigures } from './latency.ts';
import { startRedisServer, type TestRedisServer } from '../../test/helpers/redis-server.ts';

export interface CacheOptions {
  readonly quick: boolean;
  readonly workDir: string;
  readonly log: (line: string) => void;
  readonly tool?: LoadTool;
  /** CPU-profile a memory-cache gateway answering hits (bench/gateway/profile-run.ts). */
  readonly profile?: boolean;
}

/** A warm turbopuffer query (issue 9). */
const UPSTREAM_DELAY_MS = 14;
const CONNECTIONS = [1, 50] as const;
/** Issue 9: hit throughput at 50 connections ≥ 0.8× the bare route's. */
const THROUGHPUT_TARGET = 0.8;

/** `lean`: the memory-cache gateway without auth and with the request log off (what they cost). */
type TargetName = 'bare' | 'memory' | 'lean' | 'redis';
interface Target {
  readonly name: TargetName;
  readonly server: Server;
}
interface Run extends LoadResult {
  readonly cpuUsPerRequest: number;
}

function plan(quick: boolean) {
  return quick
    ? { rounds: 1, seconds: 2, warmupSeconds: 1, latencyCount: 40, latencyWarmup: 5 }
    : { rounds: 8, seconds: 2, warmupSeconds: 3, latencyCount: 300, latencyWarmup: 20 };
}

/** QUERY_BODY with the vector's first component moved: a query nobody asked before. */
function missBody(i: number): string {
  const body = JSON.parse(QUERY_BODY) as { rank_by: [string, string, number[]] };
  body.rank_by[2][0] = 0.5 + i / 1e6;
  return JSON.stringify(body);
}

/**
 * Every target answers the same bytes, and a gateway soon answers the repeated query from its
 * cache (it stores an answer after sending it, so the very next request may still miss).
 */
async function sanityCheck(targets: readonly Target[]): Promise<void> {
  const url = (t: Target) => t.server.origin + QUERY_PATH;
  const ask = (t: Target) => fetch(url(t), { method: 'POST', headers: HEADERS, body: QUERY_BODY });
  const reference = await (await ask(targets[0] as Target)).text();
  for (const t of targets.slice(1)) {
    const seen: string[] = [];
    for (let attempt = 0; attempt < 20 && seen.at(-1) !== '200 hit'; attempt++) {
      const res = await ask(t);
      const text = await res.text();
      seen.push(`${res.status} ${res.headers.get('x-hevlayer-cache') ?? 'no header'}`);
      if (text !== reference) throw new Error(`${t.name} answered a different body than the bare route`);
      await sleep(20);
    }
    if (seen.at(-1) !== '200 hit')
      throw new Error(`${t.name}: the repeated query was never a cache hit (${seen.join(', ')})`);
  }
}

async function measuredLoad(target: Target, connections: number, seconds: number, load: Load): Promise<Run> {
  const before = cpuMs(target.server.child.pid);
  const loaded = await load(target.server.origin + QUERY_PATH, connections, seconds);
  const after = cpuMs(target.server.child.pid);
  const cpuUs =
    before === undefined || after === undefined
      ? Number.NaN
      : ((after - before) * 1000) / Math.max(1, loaded.requests);
  return { ...loaded, cpuUsPerRequest: round(cpuUs, 1) };
}

/**
 * Each target's medians over rounds at one connection count, and its throughput ratio and added
 * p50 against the bare route, paired by round.
 */
function summarize(runs: Readonly<Record<string, Run[]>>, connections: number) {
  const bare = runs[`bare@${connections}`] ?? [];
  const of = (name: TargetName) => {
    const mine = runs[`${name}@${connections}`] ?? [];
    return {
      rps: Math.round(median(mine.map((r) => r.rps))),
      p50Ms: round(median(mine.map((r) => r.p50Us)) / 1000, 3),
      p99Ms: round(median(mine.map((r) => r.p99Us)) / 1000, 3),
      cpuUsPerRequest: round(median(mine.map((r) => r.cpuUsPerRequest)), 1),
      errors: mine.reduce((a, r) => a + r.errors, 0),
      vsBare: round(median(mine.map((r, i) => r.rps / (bare[i] as Run).rps)), 3),
      addedP50Ms: round(median(mine.map((r, i) => r.p50Us - (bare[i] as Run).p50Us)) / 1000, 3),
      perRound: mine.map((r) => ({ rps: r.rps, p50Ms: round(r.p50Us / 1000, 3) })),
    };
  };
  return { bare: of('bare'), memory: of('memory'), lean: of('lean'), redis: of('redis') };
}

export async function runCache(options: CacheOptions): Promise<SectionResult> {
  const { log } = options;
  const p = plan(options.quick);
  const { tool, load } = await chooseLoad({
    tool: options.tool,
    workDir: options.workDir,
    body: QUERY_BODY,
    headers: HEADERS,
  });
  await buildGateway();
  const children = new Children();
  let redis: TestRedisServer | undefined;
  // Children kills its own processes on exit and Ctrl-C; redis-server comes from the tests' helper.
  const killRedis = () => void redis?.kill();
  process.once('exit', killRedis);
  try {
    log(`starting the bare route, a ${UPSTREAM_DELAY_MS} ms upstream, redis-server and two gateways`);
    const bare = await startUpstream(children);
    const upstream = await startUpstream(children, UPSTREAM_DELAY_MS);
    redis = await startRedisServer();
    const configs: Partial<Record<TargetName, string>> = {};
    const gateway = async (
      name: TargetName,
      variant: GatewayVariant,
      env: Record<string, string> = {},
    ): Promise<Target> => {
      const dataDir = join(options.workDir, `data-${name}`);
      await mkdir(dataDir);
      const config = await writeGatewayConfig(options.workDir, upstream.origin, { name, ...variant });
      configs[name] = config;
      return { name, server: await startGateway(children, config, dataDir, [], env) };
    };
    const targets: Target[] = [
      { name: 'bare', server: bare },
      await gateway('memory', { cache: { mode: 'standard' } }),
      await gateway('lean', { cache: { mode: 'standard' }, auth: false }, { HEVLAYER_LOG_LEVEL: 'warn' }),
      await gateway('redis', {
        cache: { mode: 'standard' },
        cacheStore: { backend: 'redis', url: redis.url },
      }),
    ];
    await sanityCheck(targets);

    log(`warm-up: ${p.warmupSeconds} s at 50 connections and ${p.warmupSeconds} s at 1, per target`);
    for (const t of targets)
      for (const c of [50, 1]) await load(t.server.origin + QUERY_PATH, c, p.warmupSeconds);
    const runs: Record<string, Run[]> = {};
    for (let r = 0; r < p.rounds; r++) {
      for (const c of CONNECTIONS) {
        for (let k = 0; k < targets.length; k++) {
          const t = targets[(k + r) % targets.length] as Target;
          const run = await measuredLoad(t, c, p.seconds, load);
          (runs[`${t.name}@${c}`] ??= []).push(run);
          log(
            `round ${r + 1}/${p.rounds} c=${c} ${t.name}: ${run.rps} req/s, p50 ${(run.p50Us / 1000).toFixed(3)} ms, ${run.cpuUsPerRequest} µs CPU/req${run.errors > 0 ? `, ${run.errors} ERRORS` : ''}`,
          );
        }
      }
    }
    const throughput = { 1: summarize(runs, 1), 50: summarize(runs, 50) };

    const latency: Partial<Record<TargetName, HitMissFigures>> = {};
    for (const t of targets.filter((x) => x.name === 'memory' || x.name === 'redis')) {
      log(`${t.name}: ${p.latencyCount} hits and ${p.latencyCount} misses at 1 connection, alternating`);
      latency[t.name] = await hitVsMiss({
        origin: t.server.origin,
        floorOrigin: bare.origin,
        path: QUERY_PATH,
        headers: HEADERS,
        body: QUERY_BODY,
        missBody: (i) => missBody(i + (t.name === 'redis' ? 1e5 : 0)),
        count: p.latencyCount,
        warmup: p.latencyWarmup,
      });
    }

    let profile: ProfileFigures | undefined;
    if (options.profile === true && configs.memory !== undefined) {
      log('profiling a memory-cache gateway answering hits, and the bare proxy (--cpu-prof, 50 connections)');
      profile = await profileProxies({
        children,
        workDir: options.workDir,
        configDir: configs.memory,
        upstream: upstream.origin,
        seconds: options.quick ? 3 : 10,
        load: (url, seconds) => load(url, 50, seconds),
      });
    }

    const table: TableRow[] = CONNECTIONS.flatMap((c) =>
      targets.map((t) => {
        const f = throughput[c][t.name];
        return {
          connections: c,
          target: t.name === 'bare' ? 'bare route' : `hit (${t.name})`,
          'req/s': f.rps,
          'p50 ms': f.p50Ms,
          'p99 ms': f.p99Ms,
          'added p50 ms': t.name === 'bare' ? '-' : f.addedP50Ms,
          'CPU µs/req': f.cpuUsPerRequest,
          'vs bare': f.vsBare,
          errors: f.errors,
        };
      }),
    );
    const latencyTable: TableRow[] = (['memory', 'redis'] as const).flatMap((name) => {
      const f = latency[name];
      if (f === undefined) return [];
      return [
        {
          cache: name,
          'hit p50 ms': f.hit.p50Ms,
          'hit p99 ms': f.hit.p99Ms,
          'miss p50 ms': f.miss.p50Ms,
          'miss p99 ms': f.miss.p99Ms,
          'miss/hit p50': round(f.miss.p50Ms / f.hit.p50Ms, 1),
          'floor p50 ms': f.floor.p50Ms,
          'wrong outcomes': Object.values(f.unexpected).reduce((a, n) => a + n, 0),
        },
      ];
    });
    return {
      section: 'cache',
      notes: [
        `load generator: ${tool}; ${p.rounds} round(s) × ${p.seconds} s per target at 1 and at 50 connections after ${p.warmupSeconds} s warm-ups, target order rotated each round; figures are medians over rounds; ratios and added p50 (p50 − the bare route's p50) paired by round`,
        'bare route: node:http answering the same pre-serialized 1,045-byte body after checking the Bearer key (bench/gateway/upstream.ts, no delay)',
        `hit (memory|redis): hevlayer serve (the bundle), auth on, Index cache mode standard, consistency strong (the defaults), GatewayConfig cache backend memory or redis (a local redis-server); its upstream adds ${UPSTREAM_DELAY_MS} ms per query; strong entries live at most 1 s (spec.cache.strongMaxAge), so a steady hit load still misses once a second`,
        'hit (lean): the memory-cache gateway with auth off and HEVLAYER_LOG_LEVEL=warn (no request log line): what those two cost on the hit path (reported, not a target)',
        'hit vs miss: 1 keep-alive undici connection from the bench process; hits, misses and the bare route ("floor": what this client costs) alternate call by call, order rotated; a miss is a query never sent before; every answer’s x-hevlayer-cache header is checked ("wrong outcomes"). The wrk rows at 1 connection give the hit latency without a Node client',
        ...(options.quick ? ['QUICK run: short runs, figures are a smoke test only'] : []),
      ],
      params: { ...p, connections: CONNECTIONS, upstreamDelayMs: UPSTREAM_DELAY_MS, tool },
      figures: { throughput, latency, ...(profile === undefined ? {} : { profile }) },
      table,
      targets: [
        check(
          'cache hit (memory) throughput / bare route at 50 connections',
          throughput[50].memory.vsBare,
          '×',
          '>=',
          THROUGHPUT_TARGET,
        ),
      ],
      details: `Hit vs miss latency at 1 connection (upstream +${UPSTREAM_DELAY_MS} ms per query):\n${formatTable(latencyTable)}${Object.entries(
        latency,
      )
        .filter(([, f]) => Object.keys(f.unexpected).length > 0)
        .map(([name, f]) => `\n${name}: unexpected outcomes ${JSON.stringify(f.unexpected)}`)
        .join('')}${profile === undefined ? '' : `\n\n${formatProfiles(profile)}`}`,
    };
  } finally {
    await children.stopAll();
    await redis?.stop();
    process.off('exit', killRedis);
  }
}
