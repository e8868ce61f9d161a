/**
 * Hit and miss latency of one caching gateway at 1 connection, measured from the bench process
 * with an undici keep-alive connection: a hit repeats the one cached query; a miss sends a query
 * no one sent before (a vector component moved by the call number). Hits and misses alternate call
 * by call (bench/lib/interleave.ts), and every answer's `x-hevlayer-cache` header is checked, so a
 * "hit" that was not one is counted, not timed silently.
 */
import { Pool } from 'undici';
import { interleaved } from '../lib/interleave.ts';
import { summarize, type LatencySummary } from '../lib/stats.ts';

export interface HitMissFigures {
  readonly hit: LatencySummary;
  readonly miss: LatencySummary;
  /** Answers whose x-hevlayer-cache header was not the expected `hit` / `miss`. */
  readonly unexpected: Readonly<Record<string, number>>;
}

export interface HitMissOptions {
  readonly origin: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  /** The cached query. */
  readonly body: string;
  /** A query body never sent before, for call number i. */
  readonly missBody: (i: number) => string;
  readonly count: number;
  readonly warmup: number;
}

export async function hitVsMiss(options: HitMissOptions): Promise<HitMissFigures> {
  const pool = new Pool(options.origin, { connections: 1 });
  const unexpected: Record<string, number> = {};
  const call = async (body: string, expected?: 'hit' | 'miss') => {
    const res = await pool.request({ method: 'POST', path: options.path, headers: options.headers, body });
    await res.body.arrayBuffer();
    const outcome = `${res.statusCode} ${String(res.headers['x-hevlayer-cache'] ?? 'no header')}`;
    if (expected === undefined || outcome === `200 ${expected}`) return;
    const key = `expected ${expected}, got ${outcome}`;
    unexpected[key] = (unexpected[key] ?? 0) + 1;
  };
  try {
    await call(options.body); // fills the cache when nothing did before
    const timed = await interleaved(
      options.count,
      options.warmup,
      () => call(options.body, 'hit'),
      (i) => call(options.missBody(i), 'miss'),
    );
    return { hit: summarize(timed.a), miss: summarize(timed.b), unexpected };
  } finally {
    await pool.close();
  }
}
