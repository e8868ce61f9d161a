/**
 * The upstream concurrency limiter: a dispatch layer that lets at most N weight units run per
 * upstream namespace and queues the rest in FIFO order, each with a deadline. turbopuffer
 * itself answers 429 when a namespace has more than 16 slots busy (after waiting ~800 ms); queueing
 * here first turns a burst into smooth waiting and a clean, early 429 with `retry-after`.
 * See docs/adr/upstream-limiter.md.
 */
import { HevError } from '../../wire/errors.ts';
import { onAbort } from '../abort.ts';
import { specOf, type CallContext, type Layer, type Operation } from '../operations.ts';
import type { VectorStore } from '../port.ts';
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

/** Telemetry hook (queue wait histogram), free of any metrics library. */
export interface LimiterObserver {
  onQueue?(event: QueueEvent): void;
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

export interface NamespaceLimiter {
  /** The dispatch layer; operations whose spec has `weight: 'none'` pass straight through. */
  readonly layer: Layer;
  /** Applies a new `maxInFlightPerNamespace` live: nothing running or queued is dropped. */
  setMaxInFlight(maxInFlightPerNamespace: number): void;
  /** Weight units running for a namespace. */
  inFlight(ns: string): number;
  /** Requests waiting for a namespace. */
  queued(ns: string): number;
  /** Weight units running over all namespaces (read by the in-flight gauge when scraped). */
  totalInFlight(): number;
  /** Refuses new calls and every queued one (503); running calls finish. */
  close(): void;
}

/** A store behind its own limiter (tests and single-store servers). */
export interface LimitedVectorStore extends VectorStore, Omit<NamespaceLimiter, 'layer' | 'close'> {}

export const DEFAULT_MAX_IN_FLIGHT = 16;
export const DEFAULT_QUEUE_TIMEOUT_MS = 2_000;
export const DEFAULT_RETRY_AFTER_SECONDS = 1;

interface Waiter {
  readonly id: number;
  readonly weight: number;
  readonly enqueuedAt: number;
  readonly unsubscribe: (() => void) | undefined;
  readonly resolve: () => void;
  readonly reject: (err: HevError) => void;
}

/**
 * One upstream namespace. Every waiter in a lane has the same queue timeout and the lane is FIFO,
 * so the oldest waiter always has the earliest deadline: one timer per lane (armed for the oldest)
 * replaces a timer per waiter.
 */
interface Lane {
  readonly ns: string;
  readonly queue: WeightedQueue;
  /** In queue order, which is also admission order (the queue is strict FIFO). */
  readonly waiters: Waiter[];
  timer: NodeJS.Timeout | undefined;
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

export function createNamespaceLimiter(options: NamespaceLimiterOptions = {}): NamespaceLimiter {
  let cap = checkInt('maxInFlightPerNamespace', options.maxInFlightPerNamespace ?? DEFAULT_MAX_IN_FLIGHT, 1);
  const queueTimeoutMs = checkInt('queueTimeoutMs', options.queueTimeoutMs ?? DEFAULT_QUEUE_TIMEOUT_MS, 0);
  const retryAfter = checkInt(
    'retryAfterSeconds',
    options.retryAfterSeconds ?? DEFAULT_RETRY_AFTER_SECONDS,
    0,
  );
  const weights: LimiterWeights = { ...DEFAULT_WEIGHTS, ...options.weights };
  const observer = options.observer;
  const lanes = new Map<string, Lane>();
  let units = 0;
  let closed = false;

  const laneOf = (ns: string): Lane => {
    let lane = lanes.get(ns);
    if (lane === undefined) {
      lane = { ns, queue: new WeightedQueue(cap), waiters: [], timer: undefined };
      lanes.set(ns, lane);
    }
    return lane;
  };
  const forget = (lane: Lane): void => {
    if (lane.queue.idle && lanes.get(lane.ns) === lane) {
      if (lane.timer !== undefined) clearTimeout(lane.timer);
      lanes.delete(lane.ns);
    }
  };
  const leave = (lane: Lane, id: number, outcome: QueueOutcome): Waiter | undefined => {
    // Admissions take the head; only a cancellation looks further.
    const index = lane.waiters[0]?.id === id ? 0 : lane.waiters.findIndex((w) => w.id === id);
    if (index < 0) return undefined;
    const waiter = lane.waiters[index] as Waiter;
    if (index === 0) lane.waiters.shift();
    else lane.waiters.splice(index, 1);
    waiter.unsubscribe?.();
    observer?.onQueue?.({
      ns: lane.ns,
      weight: waiter.weight,
      waitMs: performance.now() - waiter.enqueuedAt,
      outcome,
    });
    return waiter;
  };
  const admit = (lane: Lane, ids: readonly number[]): void => {
    for (const id of ids) {
      const waiter = leave(lane, id, 'admitted');
      if (waiter === undefined) continue;
      units += waiter.weight;
      waiter.resolve();
    }
  };
  const giveUp = (lane: Lane, id: number, outcome: QueueOutcome, err: HevError): void => {
    const { admitted } = lane.queue.cancel(id);
    leave(lane, id, outcome)?.reject(err);
    admit(lane, admitted);
    forget(lane);
  };
  /** Refuses every waiter whose deadline passed, then re-arms for the oldest one left. */
  const expire = (lane: Lane): void => {
    lane.timer = undefined;
    const now = performance.now();
    for (let waiter = lane.waiters[0]; waiter !== undefined; waiter = lane.waiters[0]) {
      const dueIn = waiter.enqueuedAt + queueTimeoutMs - now;
      if (dueIn > 0) {
        lane.timer = setTimeout(expire, dueIn, lane);
        return;
      }
      giveUp(lane, waiter.id, 'timeout', rateLimited(lane, waiter.weight));
    }
  };

  /** Queues a request; `start` runs when it is admitted, `reject` when it gives up. */
  const enqueue = (
    lane: Lane,
    id: number,
    weight: number,
    signal: AbortSignal | undefined,
    start: () => void,
    reject: (err: HevError) => void,
  ): void => {
    const unsubscribe =
      signal === undefined
        ? undefined
        : onAbort(signal, () => giveUp(lane, id, 'aborted', cancelled(lane.ns, signal)));
    lane.waiters.push({
      id,
      weight,
      enqueuedAt: performance.now(),
      unsubscribe,
      resolve: start,
      reject,
    });
    lane.timer ??= setTimeout(expire, queueTimeoutMs, lane);
  };

  const release = (lane: Lane, weight: number): void => {
    units -= weight;
    admit(lane, lane.queue.release(weight));
    forget(lane);
  };

  const rateLimited = (lane: Lane, weight: number): HevError =>
    new HevError(
      'HEV_RATE_LIMITED',
      `too many requests in flight for upstream namespace ${JSON.stringify(lane.ns)}: ${lane.queue.inFlight} of ` +
        `${cap} slots busy, ${lane.queue.queued} requests queued; this request (${weight} slot(s)) ` +
        `waited ${queueTimeoutMs} ms; retry after ${retryAfter} s`,
      { headers: { 'retry-after': String(retryAfter) } },
    );

  /** Runs `fn` holding `weight` units of the lane, released when its promise settles. */
  const holding = <T>(lane: Lane, weight: number, fn: () => Promise<T>): Promise<T> => {
    let pending: Promise<T>;
    try {
      pending = fn();
    } catch (err) {
      release(lane, weight);
      return Promise.reject(err as Error);
    }
    return pending.then(
      (value) => {
        release(lane, weight);
        return value;
      },
      (err: unknown) => {
        release(lane, weight);
        throw err;
      },
    );
  };

  // No async/await here: an admitted request (the common case) starts synchronously, without a
  // promise of its own, because this runs on every upstream call.
  const limited = <T>(ns: string, requested: number, ctx: CallContext, fn: () => Promise<T>): Promise<T> => {
    if (closed) return Promise.reject(new HevError('HEV_UPSTREAM_UNAVAILABLE', 'the store is closed'));
    const signal = ctx.signal;
    if (signal?.aborted === true) return Promise.reject(cancelled(ns, signal));
    const lane = laneOf(ns);
    const ticket = lane.queue.request(requested);
    if (ticket.admitted) {
      units += ticket.weight;
      observer?.onQueue?.({ ns, weight: ticket.weight, waitMs: 0, outcome: 'admitted' });
      return holding(lane, ticket.weight, fn);
    }
    return new Promise<T>((resolve, reject) => {
      const start = (): void => {
        holding(lane, ticket.weight, fn).then(resolve, reject);
      };
      enqueue(lane, ticket.id, ticket.weight, signal, start, reject);
    });
  };
  const weightOf = (operation: Operation): number | undefined => {
    const weight = specOf(operation.op).weight;
    if (weight === 'none') return undefined;
    if (weight === 'other' || operation.body === undefined) return weights.other;
    return payloadQueryWeight(operation.body, weights, cap);
  };

  return {
    layer: (next) => (operation, ctx) => {
      const weight = weightOf(operation);
      if (weight === undefined) return next(operation, ctx);
      return limited(operation.ns, weight, ctx, () => next(operation, ctx));
    },
    setMaxInFlight(maxInFlightPerNamespace) {
      cap = checkInt('maxInFlightPerNamespace', maxInFlightPerNamespace, 1);
      for (const lane of [...lanes.values()]) {
        admit(lane, lane.queue.resize(cap));
        forget(lane);
      }
    },
    inFlight: (ns) => lanes.get(ns)?.queue.inFlight ?? 0,
    queued: (ns) => lanes.get(ns)?.queue.queued ?? 0,
    totalInFlight: () => units,
    close() {
      closed = true;
      for (const lane of lanes.values()) {
        const err = new HevError(
          'HEV_UPSTREAM_UNAVAILABLE',
          `the store is closing; request for ${JSON.stringify(lane.ns)} dropped`,
        );
        for (const id of lane.queue.drain()) leave(lane, id, 'closed')?.reject(err);
        if (lane.timer !== undefined) clearTimeout(lane.timer);
      }
    },
  };
}

export function withNamespaceLimiter(
  store: VectorStore,
  options: NamespaceLimiterOptions = {},
): LimitedVectorStore {
  const { layer, close, ...limiter } = createNamespaceLimiter(options);
  return {
    ...limiter,
    kind: store.kind,
    dispatch: layer(store.dispatch),
    ping: (ctx) => store.ping(ctx),
    async close() {
      close();
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
