/**
 * The scan engine: pages every active shard of an Index with `rank_by ["id","asc"]` and an id bound
 * (`["id","Gt",last]` ANDed with the caller's filters), at most `threads` upstream requests at once
 * (the fan-out rule, registry/fan-out.ts), and hands the pages out as they arrive.
 *
 * Backpressure: a shard's next page is asked for only after the consumer took its previous one, so
 * at most `threads` pages are held at any time, and a slow consumer slows the upstream reads.
 * Each page is one `scanPage` operation of the Index's dispatch, pinned to its shard: it goes down
 * the same layers as a query (shards routing, the per-namespace limiter, the store adapter; the
 * local engine runs it on its reader threads, off the event loop).
 *
 * The position (scan/cursor.ts) advances when a page is handed out, so `cursor()` always covers
 * exactly the rows the consumer has received: a scan resumed from it repeats and loses nothing.
 * Stopping the iteration (a client that went away) aborts the upstream requests in flight.
 *
 * This is the API other capabilities build on (cache warming; facet snapshots over stores that
 * cannot group): `openScan(target, request, ctx)` then `for await (const page of scan)`.
 */
import { effectiveFanOut } from '../registry/fan-out.ts';
import type { IndexEntry, RegistrySnapshot } from '../registry/types.ts';
import { isNotFound } from '../shards/shard-errors.ts';
import type { CallContext, Dispatch } from '../stores/operations.ts';
import { isRecord } from '../wire/guards.ts';
import { Payload } from '../wire/payload.ts';
import {
  decodeCursor,
  encodeCursor,
  freshPosition,
  type ScanPosition,
  type ShardPosition,
} from './cursor.ts';
import { DEFAULT_PAGE_SIZE, type ScanRequest } from './request.ts';
import { probeShards } from './shards.ts';

/** What a scan runs against: an Index's dispatch (targets/index-chain.ts) and its registry entry. */
export interface ScanTarget {
  readonly dispatch: Dispatch;
  readonly entry: IndexEntry;
  readonly snapshot: RegistrySnapshot;
}

export type ScanRow = Record<string, unknown> & { readonly id: unknown };

/** One upstream page of one shard, ids ascending. */
export interface ScanPage {
  readonly shard: number;
  readonly rows: readonly ScanRow[];
  /** Date.now() when the page was asked for (a cached copy must not outlive its read's start). */
  readonly requestedAt: number;
}

export interface Scan extends AsyncIterable<ScanPage> {
  /** The effective fan-out (the rule applied to the active shards). */
  readonly threads: number;
  /** Active shards (existing upstream) this scan pages. */
  readonly shards: number;
  /** Sum of the active shards' approx_row_count (the whole Index, not what is left to resume). */
  readonly approxRows: number;
  /** Rows handed out so far. */
  readonly rows: number;
  /** Where the scan stands after the pages handed out so far; null once every shard is done. */
  cursor(): string | null;
}

/** Scan options: the request's fields (request.ts), all optional for in-process callers. */
export type ScanOptions = Partial<ScanRequest>;

/** The query body of one page of a shard standing at `position`. */
export function pageBody(position: ShardPosition, options: ScanOptions, pageSize: number): unknown {
  const bound = position.after === null ? undefined : ['id', 'Gt', position.after];
  const filters =
    bound === undefined
      ? options.filters
      : options.filters === undefined
        ? bound
        : ['And', [bound, options.filters]];
  return {
    rank_by: ['id', 'asc'],
    top_k: pageSize,
    ...(filters === undefined ? {} : { filters }),
    ...(options.includeAttributes === undefined ? {} : { include_attributes: options.includeAttributes }),
  };
}

function rowsOf(answer: unknown): ScanRow[] {
  const rows = isRecord(answer) ? answer.rows : undefined;
  return Array.isArray(rows) ? (rows as ScanRow[]) : [];
}

/**
 * Starts a scan: decodes the cursor (a 400 when malformed), finds the active shards and applies the
 * fan-out rule. Nothing is paged until the returned scan is iterated.
 */
export async function openScan(
  target: ScanTarget,
  options: ScanOptions,
  ctx: CallContext = {},
): Promise<Scan> {
  const { dispatch, entry, snapshot } = target;
  const shardCount = entry.upstreamNamespaces.length;
  const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
  const start =
    options.cursor === undefined
      ? freshPosition(entry.name, shardCount)
      : decodeCursor(options.cursor, entry.name, shardCount);
  const open = start.shards.flatMap((s, i) => (s.done ? [] : [i]));
  const probe = await probeShards(
    dispatch,
    entry.name,
    open,
    effectiveFanOut(entry, snapshot, options.threads),
    ctx,
  );
  // A shard that does not exist has nothing to hand out: it is done.
  const shards: ShardPosition[] = start.shards.map((s, i) =>
    s.done || probe.active.includes(i) ? s : { after: s.after, done: true },
  );
  const threads = effectiveFanOut(entry, snapshot, options.threads, probe.active.length);
  let handedOut = 0;
  const position = (): ScanPosition => ({ index: entry.name, shards });

  async function* pages(): AsyncGenerator<ScanPage> {
    const stop = new AbortController();
    const signal = ctx.signal === undefined ? stop.signal : AbortSignal.any([ctx.signal, stop.signal]);
    const call: CallContext = ctx.requestId === undefined ? { signal } : { signal, requestId: ctx.requestId };
    const queue = [...probe.active];
    const ready: { page: ScanPage; take: () => void }[] = [];
    let failure: { error: unknown } | undefined;
    let wake: (() => void) | undefined;
    const notify = (): void => {
      const w = wake;
      wake = undefined;
      w?.();
    };

    const fetchPage = async (shard: number): Promise<readonly ScanRow[]> => {
      const body = Payload.fromValue(pageBody(shards[shard] as ShardPosition, options, pageSize));
      try {
        return rowsOf((await dispatch({ op: 'scanPage', ns: entry.name, shard, body }, call)).value());
      } catch (err) {
        if (isNotFound(err)) return []; // deleted meanwhile: nothing more to hand out
        throw err;
      }
    };
    const worker = async (): Promise<void> => {
      for (let shard = queue.shift(); shard !== undefined && !signal.aborted; shard = queue.shift()) {
        const requestedAt = Date.now();
        const rows = await fetchPage(shard);
        if (signal.aborted) return;
        const taken = new Promise<void>((take) => ready.push({ page: { shard, rows, requestedAt }, take }));
        notify();
        await taken;
        if (!(shards[shard] as ShardPosition).done) queue.push(shard);
      }
    };
    const workers = Array.from({ length: Math.min(threads, queue.length) }, () =>
      worker().then(
        () => undefined,
        (error: unknown) => {
          if (failure === undefined && !signal.aborted) failure = { error };
          stop.abort();
        },
      ),
    );
    let running = workers.length;
    for (const w of workers) void w.finally(() => (running--, notify()));

    try {
      for (;;) {
        const item = ready.shift();
        if (item !== undefined) {
          const { shard, rows } = item.page;
          const last = rows.at(-1);
          shards[shard] = {
            after: last === undefined ? shards[shard]?.after : last.id,
            done: rows.length < pageSize,
          };
          handedOut += rows.length;
          if (rows.length > 0) yield item.page;
          item.take();
          continue;
        }
        if (failure !== undefined) throw failure.error;
        ctx.signal?.throwIfAborted(); // the caller gave up: not a complete scan
        if (running === 0) return;
        await new Promise<void>((resolve) => (wake = resolve));
      }
    } finally {
      stop.abort();
      for (const item of ready.splice(0)) item.take();
    }
  }

  return {
    threads,
    shards: probe.active.length,
    approxRows: probe.approxRows,
    get rows() {
      return handedOut;
    },
    cursor: () => encodeCursor(position()),
    [Symbol.asyncIterator]: () => pages(),
  };
}
