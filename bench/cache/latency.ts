/**
 * Hit and miss latency of one caching gateway at 1 connection, measured from the bench process
 * with undici keep-alive connections: a hit repeats the one cached query; a miss sends a query no
 * one sent before (a vector component moved by the call number); the floor is the same query to
 * the bare route through the same kind of client, so what the client itself costs on this machine
 * is visible beside the gateway's figures. The three alternate call by call, their order rotated
 * each round, and every gateway answer's `x-hevlayer-cache` header is checked, so a "hit" that was
 * not one is counted, not timed silently.
 */
import { Pool } from 'undici';
import { summarize, type LatencySummary } from '../lib/stats.ts';

export interface HitMissFigures {
  readonly hit: LatencySummary;
  readonly miss: LatencySummary;
  /** The bare route through the same client: the floor under both. */
  readonly floor: LatencySummary;
  /** Answers whose x-hevlayer-cache header was not the expected `hit` / `miss`. */
  readonly unexpected: Readonly<Record<string, number>>;
}

export interface HitMissOptions {
  readonly origin: string;
  /** The bare route's origin (same path, same answer). */
  readonly floorOrigin: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  /** The cached query. */
  readonly body: string;
  /** A query body never sent before, for call number i. */
  readonly missBody: (i: number) => string;
  readonly count: number;
  readonly warmup: number;
}

type Kind = 'hit' | 'miss' | 'floor';
const KINDS: readonly Kind[] = ['hit', 'miss', 'floor'];

export async function hitVsMiss(options: HitMissOptions): Promise<HitMissFigures> {
  const gateway = new Pool(options.origin, { connections: 1 });
  const bare = new Pool(options.floorOrigin, { connections: 1 });
  const unexpected: Record<string, number> = {};
  const call = async (kind: Kind | 'fill', i: number) => {
    const pool = kind === 'floor' ? bare : gateway;
    const body = kind === 'miss' ? options.missBody(i) : options.body;
    const t0 = performance.now();
    const res = await pool.request({ method: 'POST', path: options.path, headers: options.headers, body });
    await res.body.arrayBuffer();
    const ms = performance.now() - t0;
    const outcome = `${res.statusCode} ${String(res.headers['x-hevlayer-cache'] ?? 'no header')}`;
    if (kind === 'hit' || kind === 'miss') {
      if (outcome !== `200 ${kind}`) {
        const key = `expected ${kind}, got ${outcome}`;
        unexpected[key] = (unexpected[key] ?? 0) + 1;
      }
    } else if (res.statusCode !== 200) throw new Error(`${kind} answered ${res.statusCode}`);
    return ms;
  };
  try {
    await call('fill', 0); // fills the cache when nothing did before
    // Warm-up rounds use call numbers after the measured ones, so no measured miss was pre-run.
    for (let i = options.count; i < options.count + options.warmup; i++)
      for (const kind of KINDS) await call(kind, i);
    const samples: Record<Kind, number[]> = { hit: [], miss: [], floor: [] };
    for (let i = 0; i < options.count; i++) {
      for (let k = 0; k < KINDS.length; k++) {
        const kind = KINDS[(k + i) % KINDS.length] as Kind;
        samples[kind].push(await call(kind, i));
      }
    }
    return {
      hit: summarize(samples.hit),
      miss: summarize(samples.miss),
      floor: summarize(samples.floor),
      unexpected,
    };
  } finally {
    await gateway.close();
    await bare.close();
  }
}
