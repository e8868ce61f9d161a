/**
 * `--ablation`: what the gateway's optional per-request work costs, measured by switching it off
 * through configuration only (src/ untouched): the request log line (HEVLAYER_LOG_LEVEL=warn),
 * Bearer-key auth (no apiKeys), and queueing in the upstream limiter (maxInFlightPerNamespace
 * 1024, so 50 connections never wait). All variants run side by side as separate processes and
 * are loaded in many short interleaved rounds; the figure that matters is CPU µs per request,
 * and savings are medians of per-round differences (each round's variant against its default).
 */
import { writeGatewayConfig, type GatewayVariant } from './config.ts';
import type { LoadResult } from './load.ts';
import { cpuMs } from './proc-cpu.ts';
import type { Children } from './processes.ts';
import { startGateway } from './servers.ts';
import { median, round } from '../lib/stats.ts';
import type { TableRow } from '../lib/report.ts';

interface Variant extends GatewayVariant {
  readonly name: string;
  readonly label: string;
  readonly env?: Readonly<Record<string, string>>;
}

const VARIANTS: readonly Variant[] = [
  { name: 'default', label: 'as benchmarked (auth, info logs, limiter 16)' },
  { name: 'no-log', label: 'request log off (HEVLAYER_LOG_LEVEL=warn)', env: { HEVLAYER_LOG_LEVEL: 'warn' } },
  { name: 'no-auth', label: 'auth off (no apiKeys)', auth: false },
  {
    name: 'wide-limiter',
    label: 'limiter never queues (maxInFlightPerNamespace 1024)',
    maxInFlightPerNamespace: 1024,
  },
  {
    name: 'all-off',
    label: 'all three off',
    auth: false,
    maxInFlightPerNamespace: 1024,
    env: { HEVLAYER_LOG_LEVEL: 'warn' },
  },
];

export interface AblationRow {
  readonly variant: string;
  readonly label: string;
  readonly rps: number;
  readonly cpuUsPerRequest: number;
  /** Lowest and highest CPU µs per request over the rounds (how noisy the figure is). */
  readonly cpuRange: readonly [number, number];
  /** CPU µs per request saved compared with `default` (median of per-round differences). */
  readonly savedUsPerRequest: number;
}

export interface AblationOptions {
  readonly children: Children;
  readonly workDir: string;
  readonly upstream: string;
  readonly rounds: number;
  readonly seconds: number;
  readonly connections: number;
  readonly path: string;
  readonly load: (url: string, connections: number, seconds: number) => Promise<LoadResult>;
  readonly log: (line: string) => void;
}

export async function runAblation(o: AblationOptions): Promise<AblationRow[]> {
  const started = [];
  for (const v of VARIANTS) {
    const configDir = await writeGatewayConfig(o.workDir, o.upstream, v);
    started.push({ v, server: await startGateway(o.children, configDir, o.workDir, [], v.env ?? {}) });
  }
  const samples = new Map<string, { rps: number; cpu: number }[]>();
  for (const { server } of started) await o.load(server.origin + o.path, o.connections, 3);
  for (let r = 0; r < o.rounds; r++) {
    for (let k = 0; k < started.length; k++) {
      const { v, server } = started[(k + r) % started.length] as (typeof started)[number];
      const before = cpuMs(server.child.pid) ?? Number.NaN;
      const res = await o.load(server.origin + o.path, o.connections, o.seconds);
      const cpu = (((cpuMs(server.child.pid) ?? Number.NaN) - before) * 1000) / Math.max(1, res.requests);
      (samples.get(v.name) ?? samples.set(v.name, []).get(v.name))?.push({ rps: res.rps, cpu });
      o.log(`ablation round ${r + 1}/${o.rounds} ${v.name}: ${res.rps} req/s, ${cpu.toFixed(0)} µs CPU/req`);
    }
  }
  for (const { server } of started) await o.children.stop(server.child);
  const base = samples.get('default') ?? [];
  return VARIANTS.map((v) => {
    const s = samples.get(v.name) ?? [];
    return {
      variant: v.name,
      label: v.label,
      rps: Math.round(median(s.map((x) => x.rps))),
      cpuUsPerRequest: round(median(s.map((x) => x.cpu)), 1),
      cpuRange: [Math.round(Math.min(...s.map((x) => x.cpu))), Math.round(Math.max(...s.map((x) => x.cpu)))],
      savedUsPerRequest: round(median(s.map((x, i) => (base[i]?.cpu ?? Number.NaN) - x.cpu)), 1),
    };
  });
}

export function ablationTable(rows: readonly AblationRow[]): TableRow[] {
  return rows.map((r) => ({
    variant: r.variant,
    'what is off': r.label,
    'req/s': r.rps,
    'CPU µs/req': r.cpuUsPerRequest,
    'min-max': `${r.cpuRange[0]}-${r.cpuRange[1]}`,
    'saved µs/req': r.variant === 'default' ? '-' : r.savedUsPerRequest,
  }));
}
