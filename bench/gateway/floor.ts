/**
 * Section `floor`: what the per-request requirements alone cost against the two bare baselines the
 * issues set targets against (gateway pass-through ≥ 0.8× bare-16, cache hit ≥ 0.8× the bare
 * route, both at 50 connections). floor-server.ts adds the required steps one at a time, each as
 * the plainest use of its library, with nothing of hevlayer's own request path; every variant is a
 * separate process, loaded in interleaved rounds beside its baseline, and each round's ratio is
 * taken against the baseline measured in that round. If a floor variant is already below 0.8×,
 * no implementation of those requirements on node:http can reach the target on this machine.
 */
import { join } from 'node:path';
import { chooseLoad, type LoadResult } from './load.ts';
import { cpuMs } from './proc-cpu.ts';
import { Children } from './processes.ts';
import { HEADERS, QUERY_BODY, QUERY_PATH } from './index.ts';
import { writeGatewayConfig, type GatewayVariant } from './config.ts';
import {
  buildGateway,
  startBareProxy,
  startGateway,
  startUpstream,
  tsChild,
  type Server,
} from './servers.ts';
import { median, round } from '../lib/stats.ts';
import { check, type SectionResult } from '../lib/report.ts';

export interface FloorOptions {
  readonly quick: boolean;
  readonly workDir: string;
  readonly log: (line: string) => void;
}

interface Variant {
  readonly name: string;
  readonly baseline: 'bare-16' | 'bare route';
  /** A floor-server.ts process, or the gateway itself (pass-through, or its memory cache on). */
  readonly mode?: 'proxy' | 'hit' | 'gateway';
  readonly steps?: string;
}

const PROXY_STEPS = ['', 'route', 'route,auth', 'route,auth,limit', 'route,auth,limit,metrics'];
const HIT_STEPS = ['', 'route', 'route,auth', 'route,auth,lookup', 'route,auth,lookup,metrics'];
const ALL = { proxy: 'route,auth,limit,metrics,log', hit: 'route,auth,lookup,metrics,log' };

function variants(): Variant[] {
  const floor = (mode: 'proxy' | 'hit', steps: string): Variant => ({
    name: `${mode} floor${steps === '' ? '' : ` + ${steps}`}`,
    baseline: mode === 'proxy' ? 'bare-16' : 'bare route',
    mode,
    steps,
  });
  return [
    { name: 'bare-16', baseline: 'bare-16' },
    ...[...PROXY_STEPS, ALL.proxy].map((s) => floor('proxy', s)),
    { name: 'gateway pass-through', baseline: 'bare-16', mode: 'gateway' },
    { name: 'bare route', baseline: 'bare route' },
    ...[...HIT_STEPS, ALL.hit].map((s) => floor('hit', s)),
    { name: 'gateway cache hit', baseline: 'bare route', mode: 'gateway' },
  ];
}

/** The cache row measures hits: after the warm-up the query must be answered from the cache. */
async function expectHit(server: Server): Promise<void> {
  const res = await fetch(server.origin + QUERY_PATH, { method: 'POST', headers: HEADERS, body: QUERY_BODY });
  await res.arrayBuffer();
  const outcome = res.headers.get('x-hevlayer-cache');
  if (res.status !== 200 || outcome !== 'hit') {
    throw new Error(`gateway cache hit: the warmed query answered ${res.status} ${outcome ?? 'no header'}`);
  }
}

interface Sample {
  readonly rps: number;
  readonly cpuUs: number;
  readonly ratio: number;
}

export async function runFloor(options: FloorOptions): Promise<SectionResult> {
  const rounds = options.quick ? 2 : 6;
  const seconds = 2;
  const connections = 50;
  const { tool, load } = await chooseLoad({ workDir: options.workDir, body: QUERY_BODY, headers: HEADERS });
  const children = new Children();
  try {
    await buildGateway();
    const upstream = await startUpstream(children);
    const gateway = async (name: string, cache: NonNullable<GatewayVariant['cache']>): Promise<Server> => {
      const config = await writeGatewayConfig(options.workDir, upstream.origin, { name, cache });
      return startGateway(children, config, join(options.workDir, `data-${name}`));
    };
    const bare16 = await startBareProxy(children, upstream.origin, 16);
    const start = (v: Variant): Promise<Server> => {
      if (v.mode === 'gateway') {
        const pass = v.baseline === 'bare-16';
        return gateway(pass ? 'pass' : 'hit', { mode: pass ? 'off' : 'standard' });
      }
      if (v.mode === undefined) return Promise.resolve(v.name === 'bare-16' ? bare16 : upstream);
      const args = [v.mode, upstream.origin, v.steps ?? ''];
      return tsChild(children, v.name, 'bench/gateway/floor-server.ts', args, []);
    };
    const servers = new Map<string, Server>();
    const all = variants();
    for (const v of all) {
      const server = await start(v);
      servers.set(v.name, server);
      await load(server.origin + QUERY_PATH, connections, options.quick ? 1 : 3);
      if (v.name === 'gateway cache hit') await expectHit(server);
    }
    const samples = new Map<string, Sample[]>();
    for (let r = 0; r < rounds; r++) {
      const measured = new Map<string, LoadResult & { cpuUs: number }>();
      for (let k = 0; k < all.length; k++) {
        const v = all[(k + r) % all.length] as Variant;
        const server = servers.get(v.name) as Server;
        const before = cpuMs(server.child.pid) ?? 0;
        const result = await load(server.origin + QUERY_PATH, connections, seconds);
        if (result.errors > 0) throw new Error(`${v.name}: ${result.errors} errors under load`);
        const cpuUs = (((cpuMs(server.child.pid) ?? 0) - before) * 1000) / Math.max(1, result.requests);
        measured.set(v.name, { ...result, cpuUs });
      }
      for (const v of all) {
        const m = measured.get(v.name) as LoadResult & { cpuUs: number };
        const base = measured.get(v.baseline) as LoadResult;
        const list = samples.get(v.name) ?? [];
        list.push({ rps: m.rps, cpuUs: m.cpuUs, ratio: m.rps / base.rps });
        samples.set(v.name, list);
      }
      options.log(`floor: round ${r + 1}/${rounds}`);
    }
    const figures = Object.fromEntries(
      all.map((v) => {
        const s = samples.get(v.name) ?? [];
        return [
          v.name,
          {
            baseline: v.baseline,
            rps: Math.round(median(s.map((x) => x.rps))),
            cpuUsPerRequest: round(median(s.map((x) => x.cpuUs)), 1),
            ratio: round(median(s.map((x) => x.ratio)), 3),
            perRound: s,
          },
        ];
      }),
    ) as Record<string, { baseline: string; rps: number; cpuUsPerRequest: number; ratio: number }>;
    const ratioOf = (name: string): number => figures[name]?.ratio ?? Number.NaN;
    return {
      section: 'floor',
      notes: [
        `load generator: ${tool}; ${connections} connections, ${rounds} interleaved round(s) × ${seconds} s per variant; figures are medians over rounds`,
        'ratio = variant req/s ÷ its baseline req/s in the same round (bare-16 for proxy floors, the bare route for hit floors)',
        'floor-server.ts: the plainest use of find-my-way, node:crypto, prom-client and pino per step; none of src/ on the request path',
        'gateway rows: `hevlayer serve` from the built bundle, as benchmarked in the gateway and cache sections (auth, info logs, limiter 16; the cache row with the Index cache on, memory, strong)',
      ],
      params: { rounds, seconds, connections, tool },
      figures,
      table: all.map((v) => ({
        variant: v.name,
        'req/s': figures[v.name]?.rps ?? 0,
        'CPU µs/req': figures[v.name]?.cpuUsPerRequest ?? 0,
        'vs baseline': v.mode === undefined ? '1 (baseline)' : ratioOf(v.name),
      })),
      targets: [
        check(
          'proxy floor with every required step vs bare-16',
          ratioOf(`proxy floor + ${ALL.proxy}`),
          '×',
          '>=',
          0.8,
        ),
        check(
          'hit floor with every required step vs bare route',
          ratioOf(`hit floor + ${ALL.hit}`),
          '×',
          '>=',
          0.8,
        ),
      ],
    };
  } finally {
    await children.stopAll();
  }
}
