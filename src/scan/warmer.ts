/**
 * One warm of an Index's read cache (`cache.mode: warm`, or on demand): hint the upstream
 * (`hint_cache_warm`), note the write epochs, scan the Index with the same fan-out rule as any scan
 * (scan/engine.ts, every attribute) and keep each row as a document (cache/documents.ts) under those
 * epochs. It stops when the Index's set would exceed `capGiB`, when a write moved the epochs (the
 * entries written so far are unreachable; the next warm starts over), on shutdown, or on failure.
 */
import { epochCounter } from '../cache/keys.ts';
import {
  documentBytes,
  storeDocuments,
  toDocument,
  type Document,
  type DocumentScope,
} from '../cache/documents.ts';
import type { CacheRuntime } from '../cache/runtime.ts';
import { isNotFound } from '../shards/shard-errors.ts';
import { openScan, type ScanTarget } from './engine.ts';

export type WarmState = 'idle' | 'running' | 'succeeded' | 'stopped' | 'failed';
export type WarmTrigger = 'start' | 'write' | 'request';
/** Why a warm ended before the last row: the cap, a write (epochs moved), shutdown, nothing upstream. */
export type WarmStopReason = 'cap' | 'write' | 'shutdown' | 'empty';

export interface WarmProgress {
  readonly index: string;
  readonly state: WarmState;
  readonly trigger?: WarmTrigger;
  readonly startedAt?: string;
  readonly finishedAt?: string;
  /** Rows scanned / documents kept / their bytes as stored. */
  readonly rows: number;
  readonly documents: number;
  readonly bytes: number;
  /** The upstream's approximate row count (progress denominator). */
  readonly approxRows?: number;
  /** The effective fan-out and the active shards of the scan. */
  readonly threads?: number;
  readonly shards?: number;
  readonly stopReason?: WarmStopReason;
  readonly error?: string;
}

export interface WarmRunOptions {
  readonly runtime: CacheRuntime;
  /** The Index's set and upstream identity (cache/keys.ts). */
  readonly set: string;
  readonly identity: string;
  readonly pageSize?: number;
  readonly signal: AbortSignal;
  /** Called after each page with the progress so far. */
  readonly onProgress: (progress: WarmProgress) => void;
}

const errorText = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** Runs one warm to its end; never throws (a failure is the final progress's `state: failed`). */
export async function runWarm(
  target: ScanTarget,
  trigger: WarmTrigger,
  options: WarmRunOptions,
): Promise<WarmProgress> {
  const { runtime, signal } = options;
  const { entry } = target;
  const policy = entry.policy;
  let progress: WarmProgress = {
    index: entry.name,
    state: 'running',
    trigger,
    startedAt: new Date().toISOString(),
    rows: 0,
    documents: 0,
    bytes: 0,
  };
  const update = (change: Partial<WarmProgress>): WarmProgress => {
    progress = { ...progress, ...change };
    options.onProgress(progress);
    return progress;
  };
  const end = (state: WarmState, change: Partial<WarmProgress> = {}) =>
    update({ state, finishedAt: new Date().toISOString(), ...change });
  const counters = entry.upstreamNamespaces.map((ns) => epochCounter(options.identity, ns));
  const strong = policy.consistency === 'strong';
  try {
    options.onProgress(progress);
    try {
      await target.dispatch({ op: 'hintCacheWarm', ns: entry.name }, { signal });
    } catch (err) {
      if (isNotFound(err)) return end('stopped', { stopReason: 'empty' });
      throw err;
    }
    const epochs = await runtime.epochs(entry.name, counters, true);
    if (epochs === undefined) return end('failed', { error: 'the cache store did not answer' });
    const scope: DocumentScope = {
      index: entry.name,
      set: options.set,
      identity: options.identity,
      namespaces: entry.upstreamNamespaces,
      epochs,
      consistency: policy.consistency,
    };
    const scan = await openScan(
      target,
      { includeAttributes: true, ...(options.pageSize === undefined ? {} : { pageSize: options.pageSize }) },
      { signal },
    );
    update({ approxRows: scan.approxRows, threads: scan.threads, shards: scan.shards });
    for await (const page of scan) {
      const now = await runtime.epochs(entry.name, counters, true);
      if (now === undefined || now.some((e, i) => e !== epochs[i])) {
        return end('stopped', { stopReason: 'write', rows: scan.rows });
      }
      // The rows that still fit under capGiB; the rest of the Index does not.
      const usage = await runtime.usage(entry.name, options.set);
      const room = policy.cacheCapBytes - (usage?.value.bytes ?? 0);
      const fitting = fittingDocuments(scope, page.rows.map(toDocument), room);
      // A strong Index's entries end strongMaxAge after their read started (docs/adr/read-cache.md).
      const ttl = strong
        ? Math.min(policy.cacheTtlMs, runtime.strongMaxAgeMs - (runtime.now() - page.requestedAt))
        : policy.cacheTtlMs;
      if (ttl > 0 && fitting.length > 0) {
        const kept = await storeDocuments(runtime, scope, fitting, ttl, policy.cacheCapBytes);
        update({ documents: progress.documents + kept.stored, bytes: progress.bytes + kept.bytes });
        if (kept.unavailable) return end('failed', { error: 'the cache store failed a write' });
      }
      if (fitting.length < page.rows.length) return end('stopped', { stopReason: 'cap', rows: scan.rows });
      update({ rows: scan.rows });
    }
    return end('succeeded');
  } catch (err) {
    if (signal.aborted) return end('stopped', { stopReason: 'shutdown' });
    return end('failed', { error: errorText(err) });
  }
}

/** The leading documents that fit in `room` bytes. */
function fittingDocuments(
  scope: DocumentScope,
  documents: readonly Document[],
  room: number,
): readonly Document[] {
  let left = room;
  for (let i = 0; i < documents.length; i++) {
    left -= documentBytes(scope, documents[i] as Document);
    if (left < 0) return documents.slice(0, i);
  }
  return documents;
}
