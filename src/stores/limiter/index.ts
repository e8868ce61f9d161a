/**
 * The upstream concurrency limiter: a VectorStore decorator that lets at most N weight units run
 * per upstream namespace and queues the rest in FIFO order, each with a deadline. turbopuffer
 * itself answers 429 when a namespace has more than 16 slots busy (after waiting ~800 ms); queueing
 * here first turns a burst into smooth waiting and a clean, early 429 with `retry-after`.
 * See docs/adr/upstream-limiter.md.
 */
import { HevError } from '../../wire/errors.ts';
import type { Payload } from '../../wire/payload.ts';
import type { StoreCallContext, VectorStore } from '../port.ts';
import { WeightedQueue } from './weighted-queue.ts';
import { DEFAULT_WEIGHTS, payloadQueryWeight, type LimiterWeights } from './weights.ts';

export { DEFAULT_WEIGHTS, type LimiterWeights } from './weights.ts';

export type QueueOutcome = 'admitted' | 'timeout' | 'aborted' | 'closed';

export interface QueueEvent {
  readonly ns: string;
  readonly weight: number;
  /** 0 when the request started at once. */
  readonly waitMs: number;
  readonly outcome: QueueOutcome;
}

/** Telemetry hooks (queue wait histogram, in-flight gauge), free of any metrics library. */
export interface LimiterObserver {
  onQueue?(event: QueueEvent): void;
  onInFlight?(ns: string, units: number): void;
}

export interface NamespaceLimiterOptions {
  /** Weight units in flight per upstream namespace (GatewayConfig `spec.upstream.maxInFlightPerNamespace`). Default 16. */
  readonly maxInFlightPerNamespace?: number;
  /** How long a request may wait for a slot before it is refused with 429. Default 2000 ms. */
  readonly queueTimeoutMs?: number;
  /** The `retry-after` (seconds) sent with that 429. Default 1. */
  readonly retryAfterSeconds?: number;
  readonly weights?: Partial<LimiterWeights>;
  readonly observer?: LimiterObserver;
}

export interface LimitedVectorStore extends VectorStore {
  /** Weight units running for a namespace. */
  inFlight(ns: string): number;
  /** Requests waiting for a namespace. */
  queued(ns: string): number;
}

export const DEFAULT_MAX_IN_FLIGHT = 16;
export const DEFAULT_QUEUE_TIMEOUT_MS = 2_000;
export const DEFAULT_RETRY_AFTER_SECONDS = 1;

interface Waiter {
  readonly admit: () => void;
  readonly fail: (outcome: QueueOutcome, err: HevError) => void;
}

interface Lane {
  readonly queue: WeightedQueue;
  readonly waiters: Map<number, Waiter>;
}

function checkInt(name: string, value: number, min: number): number {
  if (!Number.isInteger(value) || value < min) {
    throw new HevError(
      'HEV_INVALID_REQUEST',
      `limiter option ${name} must be an integer >= ${min}, got ${value}`,
    );
  }
  return value;
}

export function withNamespaceLimiter(
  store: VectorStore,
  options: NamespaceLimiterOptions = {},
): LimitedVectorStore {
  const cap = checkInt(
    'maxInFlightPerNamespace',
    options.maxInFlightPerNamespace ?? DEFAULT_MAX_IN_FLIGHT,
    1,
  );
  const queueTimeoutMs = checkInt('queueTimeoutMs', options.queueTimeoutMs ?? DEFAULT_QUEUE_TIMEOUT_MS, 0);
  const retryAfter = checkInt(
    'retryAfterSeconds',
    options.retryAfterSeconds ?? DEFAULT_RETRY_AFTER_SECONDS,
    0,
  );
  const weights: LimiterWeights = { ...DEFAULT_WEIGHTS, ...options.weights };
  const observer = options.observer;
  const lanes = new Map<string, Lane>();
  let closed = false;

  const laneOf = (ns: string): Lane => {
    let lane = lanes.get(ns);
    if (lane === undefined) {
      lane = { queue: new WeightedQueue(cap), waiters: new Map() };
      lanes.set(ns, lane);
    }
    return lane;
  };
  const wake = (lane: Lane, ids: number[]): void => {
    for (const id of ids) lane.waiters.get(id)?.admit();
  };
  const forget = (ns: string, lane: Lane): void => {
    if (lane.queue.idle && lanes.get(ns) === lane) lanes.delete(ns);
  };

  const acquire = (ns: string, requested: number, signal: AbortSignal | undefined): Promise<number> => {
    if (closed) return Promise.reject(new HevError('HEV_UPSTREAM_UNAVAILABLE', 'the store is closed'));
    if (signal?.aborted === true) return Promise.reject(cancelled(ns, signal));
    const lane = laneOf(ns);
    const ticket = lane.queue.request(requested);
    if (ticket.admitted) {
      observer?.onQueue?.({ ns, weight: ticket.weight, waitMs: 0, outcome: 'admitted' });
      observer?.onInFlight?.(ns, lane.queue.inFlight);
      return Promise.resolve(ticket.weight);
    }
    const enqueuedAt = performance.now();
    return new Promise<number>((resolve, reject) => {
      const done = (outcome: QueueOutcome): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        lane.waiters.delete(ticket.id);
        observer?.onQueue?.({ ns, weight: ticket.weight, waitMs: performance.now() - enqueuedAt, outcome });
      };
      const giveUp = (outcome: QueueOutcome, err: HevError): void => {
        const { admitted } = lane.queue.cancel(ticket.id);
        done(outcome);
        reject(err);
        wake(lane, admitted);
        forget(ns, lane);
      };
      const onAbort = (): void => giveUp('aborted', cancelled(ns, signal as AbortSignal));
      const timer = setTimeout(() => giveUp('timeout', rateLimited(ns, lane, ticket.weight)), queueTimeoutMs);
      signal?.addEventListener('abort', onAbort, { once: true });
      lane.waiters.set(ticket.id, {
        admit: () => {
          done('admitted');
          observer?.onInFlight?.(ns, lane.queue.inFlight);
          resolve(ticket.weight);
        },
        fail: (outcome, err) => {
          done(outcome);
          reject(err);
        },
      });
    });
  };

  const release = (ns: string, weight: number): void => {
    const lane = lanes.get(ns);
    if (lane === undefined) return;
    wake(lane, lane.queue.release(weight));
    observer?.onInFlight?.(ns, lane.queue.inFlight);
    forget(ns, lane);
  };

  const rateLimited = (ns: string, lane: Lane, weight: number): HevError =>
    new HevError(
      'HEV_RATE_LIMITED',
      `too many requests in flight for upstream namespace ${JSON.stringify(ns)}: ${lane.queue.inFlight} of ` +
        `${cap} slots busy, ${lane.queue.queued} requests queued; this request (${weight} slot(s)) ` +
        `waited ${queueTimeoutMs} ms; retry after ${retryAfter} s`,
      { headers: { 'retry-after': String(retryAfter) } },
    );

  const limited = async <T>(
    ns: string,
    weight: number,
    ctx: StoreCallContext | undefined,
    fn: () => Promise<T>,
  ) => {
    const charged = await acquire(ns, weight, ctx?.signal);
    try {
      return await fn();
    } finally {
      release(ns, charged);
    }
  };
  const queryCost = (body: Payload) => payloadQueryWeight(body, weights, cap);

  return {
    kind: store.kind,
    write: (ns, body, ctx) => limited(ns, weights.other, ctx, () => store.write(ns, body, ctx)),
    query: (ns, body, ctx) => limited(ns, queryCost(body), ctx, () => store.query(ns, body, ctx)),
    metadata: (ns, ctx) => limited(ns, weights.other, ctx, () => store.metadata(ns, ctx)),
    getSchema: (ns, ctx) => limited(ns, weights.other, ctx, () => store.getSchema(ns, ctx)),
    updateSchema: (ns, body, ctx) => limited(ns, weights.other, ctx, () => store.updateSchema(ns, body, ctx)),
    deleteNamespace: (ns, ctx) => limited(ns, weights.other, ctx, () => store.deleteNamespace(ns, ctx)),
    hintCacheWarm: (ns, ctx) => limited(ns, weights.other, ctx, () => store.hintCacheWarm(ns, ctx)),
    listNamespaces: (params, ctx) => store.listNamespaces(params, ctx),
    ping: (ctx) => store.ping(ctx),
    inFlight: (ns) => lanes.get(ns)?.queue.inFlight ?? 0,
    queued: (ns) => lanes.get(ns)?.queue.queued ?? 0,
    async close() {
      closed = true;
      for (const [ns, lane] of lanes) {
        const err = new HevError(
          'HEV_UPSTREAM_UNAVAILABLE',
          `the store is closing; request for ${JSON.stringify(ns)} dropped`,
        );
        for (const id of lane.queue.drain()) lane.waiters.get(id)?.fail('closed', err);
      }
      await store.close();
    },
  };
}

function cancelled(ns: string, signal: AbortSignal): HevError {
  if (signal.reason instanceof HevError) return signal.reason;
  return new HevError(
    'HEV_UPSTREAM_TIMEOUT',
    `request for upstream namespace ${JSON.stringify(ns)} was cancelled by the caller while queued`,
  );
}
