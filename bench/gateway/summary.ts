/**
 * Turns the load runs of the gateway section into figures: medians over rounds per target and
 * connection count, and ratios and added latencies computed round by round (each round's proxies
 * against the same round's direct run) before taking the median.
 */
import type { TableRow } from '../lib/report.ts';
import { median, round } from '../lib/stats.ts';
import type { LoadResult } from './load.ts';

/** `bare-16`/`bare-64`: the bare proxy with an undici Pool of 16 or 64 upstream connections. */
export type TargetName = 'direct' | 'bare-16' | 'bare-64' | 'gateway';
export const BASELINES = ['bare-16', 'bare-64'] as const;
export type Baseline = (typeof BASELINES)[number];
/**
 * The baseline the issue-4 throughput target is checked against: the bare proxy that, like the
 * gateway's default limiter, holds at most 16 requests in flight upstream (turbopuffer's own
 * per-namespace limit, which the gateway must respect). bare-64 is reported beside it: it shows
 * what the limit itself costs, but a proxy without it is not one this upstream can be run behind.
 */
export const TARGET_BASELINE: Baseline = 'bare-16';

export interface Target {
  readonly name: TargetName;
  readonly url: string;
  /** The process that answers the load generator (its CPU time is measured per run). */
  readonly pid: number | undefined;
}

/** One load run plus the CPU time the answering process spent on it. */
export interface Run extends LoadResult {
  /** µs of user+system CPU of the answering process per request (NaN without /proc). */
  readonly cpuUsPerRequest: number;
}

export interface TargetFigures {
  readonly rps: number;
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly p99Ms: number;
  readonly cpuUsPerRequest: number;
  readonly requests: number;
  readonly errors: number;
  readonly perRound: readonly { rps: number; p50Ms: number; p99Ms: number; cpuUsPerRequest: number }[];
}

type ByConnections = Record<number, number>;

export interface GatewaySummary {
  readonly byTarget: Record<string, Record<number, TargetFigures>>;
  readonly ratios: {
    /** Gateway throughput / each bare proxy's, per connection count. */
    gatewayVs: Record<Baseline, ByConnections>;
    /** Each proxy's throughput / the upstream's served directly. */
    vsDirect: Record<string, ByConnections>;
    /** CPU per request of the gateway process / of each bare proxy process. */
    gatewayCpuVs: Record<Baseline, ByConnections>;
  };
  /** p50 (p99) via each proxy − p50 (p99) direct. */
  readonly addedP50Ms: Record<string, ByConnections>;
  readonly addedP99Ms: Record<string, ByConnections>;
}

const ms = (us: number) => round(us / 1000, 3);

function figures(runs: readonly Run[]): TargetFigures {
  return {
    rps: Math.round(median(runs.map((r) => r.rps))),
    p50Ms: ms(median(runs.map((r) => r.p50Us))),
    p90Ms: ms(median(runs.map((r) => r.p90Us))),
    p99Ms: ms(median(runs.map((r) => r.p99Us))),
    cpuUsPerRequest: round(median(runs.map((r) => r.cpuUsPerRequest)), 1),
    requests: runs.reduce((a, r) => a + r.requests, 0),
    errors: runs.reduce((a, r) => a + r.errors, 0),
    perRound: runs.map((r) => ({
      rps: r.rps,
      p50Ms: ms(r.p50Us),
      p99Ms: ms(r.p99Us),
      cpuUsPerRequest: r.cpuUsPerRequest,
    })),
  };
}

function paired(a: readonly Run[], b: readonly Run[], f: (x: Run, y: Run) => number): number {
  return median(a.map((x, i) => f(x, b[i] as Run)));
}

export function summarizeRuns(
  runs: Readonly<Record<string, Run[]>>,
  targets: readonly Target[],
  connections: readonly number[],
): GatewaySummary {
  const byTarget: Record<string, Record<number, TargetFigures>> = {};
  for (const t of targets) {
    byTarget[t.name] = {};
    for (const c of connections)
      (byTarget[t.name] as Record<number, TargetFigures>)[c] = figures(runs[`${t.name}@${c}`] ?? []);
  }
  const out: GatewaySummary = {
    byTarget,
    ratios: {
      gatewayVs: { 'bare-16': {}, 'bare-64': {} },
      vsDirect: {},
      gatewayCpuVs: { 'bare-16': {}, 'bare-64': {} },
    },
    addedP50Ms: {},
    addedP99Ms: {},
  };
  const of = (name: string, c: number) => runs[`${name}@${c}`] ?? [];
  for (const c of connections) {
    const direct = of('direct', c);
    const gw = of('gateway', c);
    for (const b of BASELINES) {
      out.ratios.gatewayVs[b][c] = round(
        paired(gw, of(b, c), (x, y) => x.rps / y.rps),
        3,
      );
      out.ratios.gatewayCpuVs[b][c] = round(
        paired(gw, of(b, c), (x, y) => x.cpuUsPerRequest / y.cpuUsPerRequest),
        2,
      );
    }
    for (const t of targets) {
      if (t.name === 'direct') continue;
      const mine = of(t.name, c);
      (out.ratios.vsDirect[t.name] ??= {})[c] = round(
        paired(mine, direct, (x, y) => x.rps / y.rps),
        3,
      );
      (out.addedP50Ms[t.name] ??= {})[c] = ms(paired(mine, direct, (x, y) => x.p50Us - y.p50Us));
      (out.addedP99Ms[t.name] ??= {})[c] = ms(paired(mine, direct, (x, y) => x.p99Us - y.p99Us));
    }
  }
  return out;
}

export function tableOf(
  s: GatewaySummary,
  targets: readonly Target[],
  connections: readonly number[],
): TableRow[] {
  const rows: TableRow[] = [];
  for (const c of connections) {
    for (const t of targets) {
      const f = s.byTarget[t.name]?.[c];
      if (f === undefined) continue;
      const gateway = t.name === 'gateway';
      rows.push({
        connections: c,
        target: t.name,
        'req/s': f.rps,
        'p50 ms': f.p50Ms,
        'p99 ms': f.p99Ms,
        'CPU µs/req': f.cpuUsPerRequest,
        'added p50 ms': s.addedP50Ms[t.name]?.[c] ?? '-',
        'added p99 ms': s.addedP99Ms[t.name]?.[c] ?? '-',
        'vs direct': t.name === 'direct' ? 1 : (s.ratios.vsDirect[t.name]?.[c] ?? '-'),
        'vs bare-16': gateway ? (s.ratios.gatewayVs['bare-16'][c] ?? '-') : '-',
        'vs bare-64': gateway ? (s.ratios.gatewayVs['bare-64'][c] ?? '-') : '-',
        errors: f.errors,
      });
    }
  }
  return rows;
}
