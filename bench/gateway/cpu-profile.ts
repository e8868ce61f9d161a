/**
 * Reads a V8 .cpuprofile (node --cpu-prof) and says where the time went: self time per function,
 * self time per area (a package in node_modules, a folder of src/, node core, GC), and inclusive
 * time of the hevlayer and framework functions on the request path.
 */
import { readFile } from 'node:fs/promises';
import { sourceLocator } from './source-lines.ts';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface HotSpot {
  readonly name: string;
  readonly ms: number;
  /** Share of the busy (non-idle) time, in percent. */
  readonly pct: number;
}

export interface ProfileSummary {
  /** False when no sample fell after `fromUs` and the whole profile was used. */
  readonly windowed: boolean;
  readonly busyMs: number;
  readonly idleMs: number;
  readonly selfByFunction: readonly HotSpot[];
  readonly selfByArea: readonly HotSpot[];
  readonly inclusive: readonly HotSpot[];
}

const IDLE = new Set(['(idle)', '(root)']);

function shortUrl(url: string): string {
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) return url.slice(nm + '/node_modules/'.length);
  const src = url.indexOf('/src/');
  if (src >= 0) return url.slice(src + 1);
  return url.replace(/^file:\/\//, '');
}

/** Where a frame's time is booked: a package, a src/ folder, a node core module, or a native. */
export function areaOf(url: string, fn: string): string {
  if (url === '') return fn.startsWith('(') ? fn : `native ${fn}`;
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + '/node_modules/'.length).split('/');
    return (rest[0] ?? '').startsWith('@') ? `${rest[0] ?? ''}/${rest[1] ?? ''}` : (rest[0] ?? '');
  }
  const src = /\/src\/([^/]+)\//.exec(url);
  if (src) return `hevlayer src/${src[1] ?? ''}`;
  if (url.startsWith('node:')) return url;
  return shortUrl(url);
}

function top(map: Map<string, number>, busy: number, n: number): HotSpot[] {
  return [...map.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([name, us]) => ({ name, ms: Math.round(us / 100) / 10, pct: Math.round((us / busy) * 1000) / 10 }));
}

/** Self time (µs) per node id, of the samples taken at or after `fromUs` (monotonic clock). */
function selfTimes(profile: CpuProfile, fromUs: number): Map<number, number> {
  const self = new Map<number, number>();
  let t = profile.startTime;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    t += delta;
    if (t >= fromUs) self.set(id, (self.get(id) ?? 0) + delta);
  });
  return self;
}

/**
 * `fromUs`: only samples from this point of CLOCK_MONOTONIC on (process.hrtime in µs; V8 stamps
 * samples with the same clock on Linux), so start-up and warm-up do not count.
 */
export async function summarizeProfile(file: string, fromUs = 0, n = 20): Promise<ProfileSummary> {
  const profile = JSON.parse(await readFile(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  let self = selfTimes(profile, fromUs);
  const windowed = self.size > 0;
  if (!windowed) self = selfTimes(profile, 0);
  const locate = await sourceLocator();
  const key = (node: ProfileNode) => {
    const { functionName, url, lineNumber, columnNumber } = node.callFrame;
    const fn = functionName === '' ? '(anonymous)' : functionName;
    const line = locate(url, lineNumber, columnNumber) ?? lineNumber + 1;
    return url === '' ? fn : `${fn} ${shortUrl(url)}:${line}`;
  };

  let idle = 0;
  let busy = 0;
  const selfFn = new Map<string, number>();
  const selfArea = new Map<string, number>();
  for (const [id, us] of self) {
    const node = byId.get(id);
    if (node === undefined) continue;
    const fn = node.callFrame.functionName;
    if (IDLE.has(fn)) {
      idle += us;
      continue;
    }
    busy += us;
    selfFn.set(key(node), (selfFn.get(key(node)) ?? 0) + us);
    const area = areaOf(node.callFrame.url, fn);
    selfArea.set(area, (selfArea.get(area) ?? 0) + us);
  }

  // Inclusive time per function, counting a recursive function once per stack.
  const inclusive = new Map<string, number>();
  const total = new Map<number, number>();
  const totalOf = (node: ProfileNode): number => {
    let t = node.callFrame.functionName === '(idle)' ? 0 : (self.get(node.id) ?? 0);
    for (const child of node.children ?? []) {
      const c = byId.get(child);
      if (c !== undefined) t += totalOf(c);
    }
    total.set(node.id, t);
    return t;
  };
  const root = profile.nodes[0];
  if (root !== undefined) totalOf(root);
  const walk = (node: ProfileNode, onStack: Set<string>) => {
    const k = key(node);
    const counted =
      !onStack.has(k) && !node.callFrame.functionName.startsWith('(') && node.callFrame.url !== '';
    if (counted) inclusive.set(k, (inclusive.get(k) ?? 0) + (total.get(node.id) ?? 0));
    if (counted) onStack.add(k);
    for (const child of node.children ?? []) {
      const c = byId.get(child);
      if (c !== undefined) walk(c, onStack);
    }
    if (counted) onStack.delete(k);
  };
  if (root !== undefined) walk(root, new Set());
  const pathInclusive = new Map(
    [...inclusive].filter(([k]) =>
      /src\/|fastify|undici|pino|prom-client|avvio|light-my-request|find-my-way/.test(k),
    ),
  );
  return {
    windowed,
    busyMs: Math.round(busy / 1000),
    idleMs: Math.round(idle / 1000),
    selfByFunction: top(selfFn, busy, n),
    selfByArea: top(selfArea, busy, n),
    inclusive: top(pathInclusive, busy, n * 2),
  };
}
