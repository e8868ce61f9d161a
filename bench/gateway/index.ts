/**
 * Section `gateway` (issue 4): the same upstream hit directly, through a bare undici proxy (the
 * baseline) and through `hevlayer serve`, at 1 and 50 connections, in interleaved rounds. Reports
 * throughput, p50/p99, the gateway/bare-proxy throughput ratio and the latency each proxy adds.
 */
import { check, formatTable, type SectionResult, type TargetCheck } from '../lib/report.ts';
import { ablationTable, runAblation, type AblationRow } from './ablation.ts';
import { writeGatewayConfig } from './config.ts';
import { chooseLoad, type LoadTool } from './load.ts';
import { Children } from './processes.ts';
import { formatProfiles, profileProxies, type ProfileFigures } from './profile-run.ts';
import { BENCH_KEY, buildGateway, startBareProxy, startGateway, startUpstream } from './servers.ts';
import { cpuMs } from './proc-cpu.ts';
import { summarizeRuns, tableOf, TARGET_BASELINE, type Run, type Target } from './summary.ts';

export interface GatewayOptions {
  readonly quick: boolean;
  readonly workDir: string;
  readonly log: (line: string) => void;
  /** Always profile (otherwise only a full run whose targets missed is profiled). */
  readonly profile: boolean;
  /** Always run the config ablation (otherwise only a full run whose targets missed runs it). */
  readonly ablation: boolean;
  readonly tool?: LoadTool;
}

export const QUERY_PATH = '/v2/namespaces/bench/query';
/** A realistic SDK query: 16-dim ANN, top 10, one attribute. */
export const QUERY_BODY = JSON.stringify({
  rank_by: [
    'vector',
    'ANN',
    [0.12, -0.08, 0.33, 0.05, -0.21, 0.17, 0.02, -0.4, 0.26, 0.11, -0.03, 0.08, -0.15, 0.3, 0.07, -0.09],
  ],
  top_k: 10,
  include_attributes: ['title'],
});
export const HEADERS = { 'content-type': 'application/json', authorization: `Bearer ${BENCH_KEY}` };

const CONNECTIONS = [1, 50] as const;

function plan(quick: boolean) {
  return quick
    ? { rounds: 1, seconds: 2, warmupSeconds: 2, profileSeconds: 3, ablationRounds: 1, ablationSeconds: 1 }
    : { rounds: 16, seconds: 2, warmupSeconds: 5, profileSeconds: 10, ablationRounds: 8, ablationSeconds: 2 };
}

/** Issue 8: ≥ 0.85× the bare proxy at 1 connection, ≥ 0.80× at 50. */
const THROUGHPUT_TARGET: Readonly<Record<number, number>> = { 1: 0.85, 50: 0.8 };

/** One request through each target; the proxies must answer exactly what the upstream answers. */
async function sameAnswers(targets: readonly Target[]): Promise<string[]> {
  const problems: string[] = [];
  let reference: string | undefined;
  for (const t of targets) {
    const res = await fetch(t.url, { method: 'POST', headers: HEADERS, body: QUERY_BODY });
    const text = await res.text();
    if (res.status !== 200) problems.push(`${t.name} answered ${res.status}: ${text.slice(0, 200)}`);
    reference ??= text;
    if (text !== reference) problems.push(`${t.name} answered a different body than the upstream`);
  }
  return problems;
}

export async function runGateway(options: GatewayOptions): Promise<SectionResult> {
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
  try {
    log(`starting upstream, bare proxy and gateway (load tool: ${tool})`);
    const upstream = await startUpstream(children);
    // Two baselines: Pool(16) holds as many requests in flight upstream as the gateway's default
    // limiter (turbopuffer's per-namespace limit); Pool(64) as many as the adapter's connection
    // pool, i.e. no per-namespace limit at all.
    const proxy16 = await startBareProxy(children, upstream.origin, 16);
    const proxy = await startBareProxy(children, upstream.origin, 64);
    const configDir = await writeGatewayConfig(options.workDir, upstream.origin);
    const gateway = await startGateway(children, configDir, options.workDir);
    const targets: Target[] = [
      { name: 'direct', url: upstream.origin + QUERY_PATH, pid: upstream.child.pid },
      { name: 'bare-16', url: proxy16.origin + QUERY_PATH, pid: proxy16.child.pid },
      { name: 'bare-64', url: proxy.origin + QUERY_PATH, pid: proxy.child.pid },
      { name: 'gateway', url: gateway.origin + QUERY_PATH, pid: gateway.child.pid },
    ];
    const problems = await sameAnswers(targets);
    if (problems.length > 0) throw new Error(`sanity check failed: ${problems.join('; ')}`);

    log(`warm-up: ${p.warmupSeconds} s at 50 connections and ${p.warmupSeconds} s at 1, per target`);
    for (const t of targets) {
      await load(t.url, 50, p.warmupSeconds);
      await load(t.url, 1, p.warmupSeconds);
    }
    const runs: Record<string, Run[]> = {};
    for (let round = 0; round < p.rounds; round++) {
      for (const c of CONNECTIONS) {
        // Rotate the order each round so no target always runs first (or right after another).
        for (let k = 0; k < targets.length; k++) {
          const t = targets[(k + round) % targets.length] as Target;
          const cpuBefore = cpuMs(t.pid);
          const loaded = await load(t.url, c, p.seconds);
          const cpuAfter = cpuMs(t.pid);
          const cpuUs =
            cpuBefore === undefined || cpuAfter === undefined
              ? Number.NaN
              : ((cpuAfter - cpuBefore) * 1000) / Math.max(1, loaded.requests);
          const r: Run = { ...loaded, cpuUsPerRequest: Math.round(cpuUs * 10) / 10 };
          (runs[`${t.name}@${c}`] ??= []).push(r);
          log(
            `round ${round + 1}/${p.rounds} c=${c} ${t.name}: ${r.rps} req/s, p50 ${(r.p50Us / 1000).toFixed(3)} ms, p99 ${(r.p99Us / 1000).toFixed(3)} ms, ${r.cpuUsPerRequest} µs CPU/req${r.errors > 0 ? `, ${r.errors} ERRORS` : ''}`,
          );
        }
      }
    }
    const summary = summarizeRuns(runs, targets, CONNECTIONS);
    const targetChecks: TargetCheck[] = [
      ...CONNECTIONS.map((c) =>
        check(
          `gateway/${TARGET_BASELINE} throughput at ${c} connection${c === 1 ? '' : 's'}`,
          summary.ratios.gatewayVs[TARGET_BASELINE][c] ?? Number.NaN,
          '×',
          '>=',
          THROUGHPUT_TARGET[c] ?? 0.85,
        ),
      ),
      check(
        'gateway added p50 at 1 connection',
        summary.addedP50Ms.gateway?.[1] ?? Number.NaN,
        'ms',
        '<=',
        0.3,
      ),
    ];

    const missed = !options.quick && targetChecks.some((t) => !t.pass);
    let ablation: AblationRow[] | undefined;
    if (options.ablation || missed) {
      log('ablation: gateway variants with parts switched off by configuration (50 connections)');
      ablation = await runAblation({
        children,
        workDir: options.workDir,
        upstream: upstream.origin,
        rounds: p.ablationRounds,
        seconds: p.ablationSeconds,
        connections: 50,
        path: QUERY_PATH,
        load,
        log,
      });
    }
    let profile: ProfileFigures | undefined;
    if (options.profile || missed) {
      await children.stop(gateway.child);
      await children.stop(proxy.child);
      await children.stop(proxy16.child);
      log(`profiling gateway and bare proxy (--cpu-prof, ${p.profileSeconds} s at 50 connections each)`);
      profile = await profileProxies({
        children,
        workDir: options.workDir,
        configDir,
        upstream: upstream.origin,
        seconds: p.profileSeconds,
        load: (url, seconds) => load(url, 50, seconds),
      });
    }
    return {
      section: 'gateway',
      notes: [
        `load generator: ${tool}${tool === 'wrk' ? ' (-t1, one thread)' : options.tool === 'autocannon' ? ' (--tool autocannon; latency in whole ms)' : ' (wrk not found; latency in whole ms)'}; ${p.rounds} round(s) × ${p.seconds} s per target and connection count, after ${p.warmupSeconds} s warm-ups; figures are medians over rounds`,
        'added latency = p50 via the proxy − p50 direct, paired by round; the upstream answers a fixed 1,045-byte body',
        'CPU µs/req = user+system CPU of the process answering the load generator (from /proc) per request served: unlike wall-clock figures it does not count time lost to other processes',
        'gateway: hevlayer serve (the bundle `npm start` runs), auth on (one Bearer key), Index cache off, upstream limiter at its default 16 per namespace, logs at info to /dev/null',
        "bare-16 / bare-64: node:http + undici Pool of 16 / 64 connections, no logs; bare-16 holds as many requests in flight upstream as the gateway (the throughput target is checked against it), bare-64 is not limited by the 50 connections (reported, not a target: it exceeds the upstream's per-namespace limit)",
        'targets run one after another in short rounds, their order rotated each round, so that load from elsewhere on a shared machine falls on all of them alike; ratios are computed per round, then the median is taken',
        ...(options.quick ? ['QUICK run: short runs, figures are a smoke test only'] : []),
      ],
      params: {
        ...p,
        connections: CONNECTIONS,
        tool,
        bodyBytes: Buffer.byteLength(QUERY_BODY),
        path: QUERY_PATH,
      },
      figures: {
        ...summary,
        ...(ablation === undefined ? {} : { ablation }),
        ...(profile === undefined ? {} : { profile }),
      },
      table: tableOf(summary, targets, CONNECTIONS),
      targets: targetChecks,
      details: [
        ...(ablation === undefined
          ? []
          : [
              `Ablation (CPU of the gateway process per request, 50 connections):\n${formatTable(ablationTable(ablation))}`,
            ]),
        ...(profile === undefined ? [] : [formatProfiles(profile)]),
      ].join('\n\n'),
    };
  } finally {
    await children.stopAll();
  }
}
