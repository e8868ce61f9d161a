/**
 * The read cache's process-wide state, shared by every Index chain built over one CacheStore (the
 * chains are rebuilt on each registry reload; this is not): the store, every call to it under a
 * time budget with its health accounting, the in-flight misses that identical reads coalesce on,
 * the epoch reads and bumps (docs/adr/read-cache.md), and the bumps still owed after a failure.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { CacheStore, SetResult, SetUsage } from './port.ts';
import { BodyDigests } from './body-digests.ts';
import { settle, withBudget } from './budget.ts';
import { CacheHealth, type CacheCall } from './health.ts';
import type { GatewayMetrics } from '../telemetry/metrics.ts';

export interface CacheRuntimeOptions {
  readonly store: CacheStore;
  readonly metrics?: GatewayMetrics | undefined;
  /** Budget of one cache call, ms. Default 20. */
  readonly budgetMs?: number;
  /** Longest life of a strong entry, ms: the bound for writes that bypass the gateway. Default 1000. */
  readonly strongMaxAgeMs?: number;
  /** Longest life of a metadata entry, ms. Default 5000. */
  readonly metadataMaxAgeMs?: number;
  /** How long an eventual read may reuse this replica's last epoch reading, ms. Default 1000. */
  readonly eventualEpochMs?: number;
  /** How often bumps that failed are retried, ms. Default 250. */
  readonly retryMs?: number;
  readonly now?: () => number;
}

/** A miss being answered: its bytes once the upstream answers, and the signal of the request leading it. */
export interface InFlight {
  readonly bytes: Promise<Buffer>;
  readonly signal: AbortSignal | undefined;
}

export class CacheRuntime {
  readonly store: CacheStore;
  readonly health: CacheHealth;
  readonly budgetMs: number;
  readonly strongMaxAgeMs: number;
  readonly metadataMaxAgeMs: number;
  readonly inFlight = new Map<string, InFlight>();
  /** Request bodies' digests by their bytes, shared by every Index chain. */
  readonly bodyDigests = new BodyDigests();
  readonly #eventualEpochMs: number;
  readonly #now: () => number;
  /** Last epoch seen per counter, for eventual reads. */
  readonly #seen = new Map<string, { value: number; at: number }>();
  /** Counters whose post-write bump failed → which Index owes it; strong reads of them bypass until paid. */
  readonly #owed = new Map<string, string>();
  /** Fresh epoch reads not yet sent, by counter list: strong reads arriving meanwhile share one. */
  readonly #batches = new Map<string, Promise<{ value: number[] } | undefined>>();
  readonly #retry: NodeJS.Timeout;
  #retrying = false;

  constructor(options: CacheRuntimeOptions) {
    this.store = options.store;
    this.budgetMs = options.budgetMs ?? 20;
    this.strongMaxAgeMs = options.strongMaxAgeMs ?? 1000;
    this.metadataMaxAgeMs = options.metadataMaxAgeMs ?? 5000;
    this.#eventualEpochMs = options.eventualEpochMs ?? 1000;
    this.#now = options.now ?? Date.now;
    this.health = new CacheHealth({
      backend: options.store.backend,
      budgetMs: this.budgetMs,
      metrics: options.metrics,
    });
    this.#retry = setInterval(() => void this.#payOwed(), options.retryMs ?? 250);
    this.#retry.unref();
  }

  /**
   * One store call under the budget; a failure or a late answer is counted and gives undefined.
   * An in-process store (memory) answers within the same turn of the event loop and cannot be late,
   * so its calls skip the budget's timer (a timer and a race per call were most of a hit's cost).
   */
  async call<T>(index: string, name: CacheCall, call: () => Promise<T>): Promise<{ value: T } | undefined> {
    const result = this.store.inProcess === true ? await settle(call) : await withBudget(call, this.budgetMs);
    if (!result.ok) {
      this.health.failed(index, name, result.timedOut);
      return undefined;
    }
    this.health.succeeded(index);
    return { value: result.value };
  }

  /**
   * The epochs of `counters`, read from the store (`fresh`, strong reads and the re-check before a
   * store), or, for eventual reads, this replica's readings when none is older than eventualEpochMs.
   * undefined when the store did not answer, or a bump is still owed: the caller bypasses the cache.
   */
  async epochs(index: string, counters: readonly string[], fresh: boolean): Promise<number[] | undefined> {
    if (counters.some((c) => this.#owed.has(c))) return undefined;
    const now = this.#now();
    if (!fresh) {
      const seen = counters.map((c) => this.#seen.get(c));
      if (seen.every((s) => s !== undefined && now - s.at < this.#eventualEpochMs)) {
        return seen.map((s) => s?.value ?? 0);
      }
    }
    const read =
      fresh && this.store.backend !== 'memory'
        ? await this.#batched(index, counters)
        : await this.#read(index, counters);
    if (read === undefined) return undefined;
    counters.forEach((c, i) => this.#seen.set(c, { value: read.value[i] ?? 0, at: now }));
    return read.value;
  }

  #read(index: string, counters: readonly string[]): Promise<{ value: number[] } | undefined> {
    return this.call(index, 'counter', () => Promise.all(counters.map((c) => this.store.counter(c))));
  }

  /**
   * One epoch read for the strong reads that arrive in the same turn of the event loop, sent at the
   * end of that turn: a burst of reads costs one round trip to a shared store instead of one each,
   * so it stays inside the budget. Sharing is safe because the read is *sent* after every reader
   * sharing it arrived: it sees every write acknowledged before any of them (docs/adr/read-cache.md).
   */
  #batched(index: string, counters: readonly string[]): Promise<{ value: number[] } | undefined> {
    const key = counters.join('\n');
    let batch = this.#batches.get(key);
    if (batch === undefined) {
      batch = new Promise((resolve) => {
        setImmediate(() => {
          this.#batches.delete(key); // readers arriving from now on need a read sent after them
          resolve(this.#read(index, counters));
        });
      });
      this.#batches.set(key, batch);
    }
    return batch;
  }

  /**
   * Bumps every counter (a write is about to be sent, or was answered). `owe`: a failed bump is
   * retried until it lands, and strong reads of the counter bypass the cache meanwhile. True when
   * every bump landed.
   */
  async bump(index: string, counters: readonly string[], owe: boolean): Promise<boolean> {
    const landed = await Promise.all(
      counters.map(async (c) => {
        const bumped = await this.call(index, 'increment', () => this.store.increment(c));
        if (bumped !== undefined) this.#seen.set(c, { value: bumped.value, at: this.#now() });
        else if (owe) this.#owed.set(c, index);
        return bumped !== undefined;
      }),
    );
    return landed.every(Boolean);
  }

  /**
   * After a write whose epoch bump did not land: resolves once every strong entry that another
   * replica may hold from before the write has expired. Such an entry's read started before the
   * write was answered, and strong entries end strongMaxAge after their read started (plus, on a
   * shared store, at most one call budget for the set to arrive). Ends early when `signal` aborts
   * (nobody waits for the acknowledgment any more).
   */
  async outwaitStaleEntries(index: string, signal: AbortSignal | undefined): Promise<void> {
    this.health.writeHeld(index);
    const ms = this.strongMaxAgeMs + (this.store.inProcess === true ? 0 : this.budgetMs);
    await sleep(ms, undefined, { signal }).catch(() => undefined);
  }

  /** Milliseconds since `started` (a time from this runtime's clock). */
  elapsedMs(started: number): number {
    return this.#now() - started;
  }

  /** This runtime's clock. */
  now(): number {
    return this.#now();
  }

  async #payOwed(): Promise<void> {
    if (this.#retrying || this.#owed.size === 0) return;
    this.#retrying = true;
    try {
      for (const [counter, index] of [...this.#owed]) {
        const bumped = await this.call(index, 'increment', () => this.store.increment(counter));
        if (bumped === undefined) return;
        this.#owed.delete(counter);
      }
    } finally {
      this.#retrying = false;
    }
  }

  set(index: string, set: string, key: string, value: Buffer, ttlMs: number, capBytes: number) {
    return this.call<SetResult>(index, 'set', () => this.store.set({ set, key, value, ttlMs }, capBytes));
  }

  usage(index: string, set: string): Promise<{ value: SetUsage } | undefined> {
    return this.call(index, 'usage', () => this.store.usage(set));
  }

  /** Stops retrying owed bumps; the store itself is closed by its owner. */
  close(): void {
    clearInterval(this.#retry);
  }
}
