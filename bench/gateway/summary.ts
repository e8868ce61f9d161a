/**
 * Turns the load runs of the gateway section into figures: medians over rounds per target and
 * connection count, and ratios and added latencies computed round by round (each round's proxies
 * against the same round's direct run) before taking the median.
 */
import type { TableRow } from '../lib/report.ts';
import { median, round } from '../lib/stats.ts';
import type { LoadResult } from './load.ts';

export interface Target {
  readonly name: 'direct' | 'bare-proxy' | 'gateway';
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
    gatewayVsBare: ByConnections;
    bareVsDirect: ByConnections;
    gatewayVsDirect: ByConnections;
    /** CPU per request of the gateway process / of the bare proxy process. */
    gatewayVsBareCpuPerRequest: ByConnections;
  };
  readonly addedP50Ms: { bareProxy: ByConnections; gateway: ByConnections };
  readonly addedP99Ms: { bareProxy: ByConnections; gateway: ByConnections };
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
    ratios: { gatewayVsBare: {}, bareVsDirect: {}, gatewayVsDirect: {}, gatewayVsBareCpuPerRequest: {} },
    addedP50Ms: { bareProxy: {}, gateway: {} },
    addedP99Ms: { bareProxy: {}, gateway: {} },
  };
  for (const c of connections) {
    const direct = runs[`direct@${c}`] ?? [];
    const bare = runs[`bare-proxy@${c}`] ?? [];
    const gw = runs[`gateway@${c}`] ?? [];
    out.ratios.gatewayVsBare[c] = round(
      paired(gw, bare, (x, y) => x.rps / y.rps),
      3,
    );
    out.ratios.bareVsDirect[c] = round(
      paired(bare, direct, (x, y) => x.rps / y.rps),
      3,
    );
    out.ratios.gatewayVsDirect[c] = round(
      paired(gw, direct, (x, y) => x.rps / y.rps),
      3,
    );
    out.ratios.gatewayVsBareCpuPerRequest[c] = round(
      paired(gw, bare, (x, y) => x.cpuUsPerRequest / y.cpuUsPerRequest),
      2,
    );
    out.addedP50Ms.bareProxy[c] = ms(paired(bare, direct, (x, y) => x.p50Us - y.p50Us));
    out.addedP50Ms.gateway[c] = ms(paired(gw, direct, (x, y) => x.p50Us - y.p50Us));
    out.addedP99Ms.bareProxy[c] = ms(paired(bare, direct, (x, y) => x.p99Us - y.p99Us));
    out.addedP99Ms.gateway[c] = ms(paired(gw, direct, (x, y) => x.p99Us - y.p99Us));
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
      const added =
        t.name === 'direct'
          ? undefined
          : t.name === 'gateway'
            ? s.addedP50Ms.gateway[c]
            : s.addedP50Ms.bareProxy[c];
      const addedP99 =
        t.name === 'direct'
          ? undefined
          : t.name === 'gateway'
            ? s.addedP99Ms.gateway[c]
            : s.addedP99Ms.bareProxy[c];
      rows.push({
        connections: c,
        target: t.name,
        'req/s': f.rps,
        'p50 ms': f.p50Ms,
        'p99 ms': f.p99Ms,
        'CPU µs/req': f.cpuUsPerRequest,
        'added p50 ms': added ?? '-',
        'added p99 ms': addedP99 ?? '-',
        'vs direct':
          t.name === 'direct'
            ? 1
            : t.name === 'gateway'
              ? (s.ratios.gatewayVsDirect[c] ?? '-')
              : (s.ratios.bareVsDirect[c] ?? '-'),
        'vs bare proxy': t.name === 'gateway' ? (s.ratios.gatewayVsBare[c] ?? '-') : '-',
        errors: f.errors,
      });
    }
  }
  return rows;
}
