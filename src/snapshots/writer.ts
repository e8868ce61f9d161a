/**
 * The snapshot writer, a background service (`{name, start(signal), close()}`): every `tickMs` it
 * looks at each Index with non-empty `snapshot.facetFields`, and — when this replica holds the
 * Index's lease (one writer among replicas) — polls the upstream metadata, tracks the
 * upstream-stable watermark and takes an automatic snapshot when schedule.ts says so. `runNow` is
 * the manual run (the API's POST): it ignores the interval and stability, but still needs the lease.
 * Time comes from an injected clock and `tick()` can be driven by hand, so tests never sleep.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { LeaseKeeper } from '../leases/keeper.ts';
import type { LeaseStore } from '../leases/port.ts';
import { ObjectStoreError } from '../objects/port.ts';
import type { IndexEntry, RegistrySnapshot } from '../registry/types.ts';
import type { Dispatch } from '../stores/operations.ts';
import type { Logger } from '../telemetry/logger.ts';
import { HevError, isHevError } from '../wire/errors.ts';
import type { SnapshotBridge } from './bridge.ts';
import type { CountMode } from './facets.ts';
import type { LatestPointer, SnapshotHistory, SnapshotSummary } from './history.ts';
import { runSnapshot, type RunResult } from './run.ts';
import { decide } from './schedule.ts';
import { observe, upstreamFacts, type Observation } from './watermark.ts';

export interface SnapshotWriterOptions {
  readonly registry: { current(): RegistrySnapshot };
  /** The Index's dispatch (shards merged), or undefined when it cannot be served now. */
  readonly dispatchFor: (entry: IndexEntry) => Dispatch | undefined;
  readonly history: SnapshotHistory;
  readonly bridge: SnapshotBridge;
  readonly leases: LeaseStore;
  /** This replica's name in leases (default host-pid-random). */
  readonly holder?: string;
  readonly now?: () => number;
  /** Default 30 000 ms; a replica stops writing a quarter of it before it ends. */
  readonly leaseTtlMs?: number;
  /** How often the watermark is polled (default 1000 ms). */
  readonly tickMs?: number;
  readonly countMode?: CountMode;
  readonly logger?: Logger;
}

interface IndexState {
  readonly keeper: LeaseKeeper;
  seen?: Observation;
  /** latest.json as last read or written; reloaded when the lease is (re)gained. */
  latest?: LatestPointer | undefined;
  latestLoaded: boolean;
  running?: Promise<RunResult> | undefined;
}

const keyOf = (entry: IndexEntry) => `${entry.k8sNamespace}/${entry.name}`;

export class SnapshotWriter {
  readonly name = 'snapshots';
  readonly holder: string;
  readonly #o: SnapshotWriterOptions;
  readonly #now: () => number;
  readonly #states = new Map<string, IndexState>();
  readonly #stop = new AbortController();
  #timer: NodeJS.Timeout | undefined;
  #ticking: Promise<void> | undefined;

  constructor(options: SnapshotWriterOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
    this.holder = options.holder ?? `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  }

  async start(_signal: AbortSignal): Promise<void> {
    // The timer does not wait for runs: leases keep being renewed while a long run goes on.
    this.#timer = setInterval(() => {
      this.#ticking ??= this.#poll().finally(() => (this.#ticking = undefined));
    }, this.#o.tickMs ?? 1000);
    this.#timer.unref();
  }

  /** Stops polling, lets a run in flight finish (no partial snapshot), gives the leases up. */
  async close(): Promise<void> {
    clearInterval(this.#timer);
    this.#stop.abort();
    await this.#ticking;
    const states = [...this.#states.values()];
    await Promise.all(states.flatMap((s) => (s.running === undefined ? [] : [s.running])));
    await Promise.all(states.map((s) => s.keeper.release()));
  }

  /** One pass over the Indexes; resolves when every automatic run it started has finished. */
  async tick(): Promise<void> {
    await this.#poll();
    await Promise.all(
      [...this.#states.values()].flatMap((s) => (s.running === undefined ? [] : [s.running])),
    );
  }

  /** Renews the leases, polls the watermarks and starts the runs that are due. */
  async #poll(): Promise<void> {
    const snapshot = this.#o.registry.current();
    const entries = snapshot.allIndexes.filter((e) => e.policy.facetFields.length > 0);
    await Promise.all(entries.map((e) => this.#consider(e, snapshot)));
  }

  #state(entry: IndexEntry): IndexState {
    let state = this.#states.get(keyOf(entry));
    if (state === undefined) {
      const keeper = new LeaseKeeper({
        store: this.#o.leases,
        name: `snapshots/${keyOf(entry)}`,
        holder: this.holder,
        ttlMs: this.#o.leaseTtlMs ?? 30_000,
        now: this.#now,
        onError: (err) =>
          this.#o.logger?.warn({ index: entry.name, err: String(err) }, 'snapshot lease renewal failed'),
      });
      state = { keeper, latestLoaded: false };
      this.#states.set(keyOf(entry), state);
    }
    return state;
  }

  /** Holds the lease; false when another replica writes. latest.json is re-read after a gap. */
  async #lead(state: IndexState): Promise<boolean> {
    const wasHeld = state.keeper.held();
    const held = await state.keeper.ensure();
    if (!held || !wasHeld) state.latestLoaded = false;
    return held;
  }

  async #latest(state: IndexState, entry: IndexEntry): Promise<LatestPointer | undefined> {
    if (!state.latestLoaded) {
      state.latest = await this.#o.history.latest(entry);
      state.latestLoaded = true;
    }
    return state.latest;
  }

  async #consider(entry: IndexEntry, snapshot: RegistrySnapshot): Promise<void> {
    const state = this.#state(entry);
    const dispatch = this.#o.dispatchFor(entry);
    if (dispatch === undefined || this.#stop.signal.aborted) return;
    try {
      if (!(await this.#lead(state)) || state.running !== undefined) return;
      const metadata = await dispatch({ op: 'metadata', ns: entry.name }, { signal: this.#stop.signal });
      const facts = upstreamFacts(metadata.value());
      const now = this.#now();
      if (facts.lastWriteAt !== undefined) state.seen = observe(state.seen, facts.lastWriteAt, now);
      const decision = decide({
        facts,
        seen: state.seen,
        latest: await this.#latest(state, entry),
        now,
        settleMs: snapshot.gateway.snapshotSettleMs,
        intervalMs: entry.policy.snapshotIntervalMs,
      });
      if (decision.run) void this.#run(state, entry, snapshot, dispatch, 'automatic');
    } catch (err) {
      // A namespace never written is 404: nothing to snapshot yet. Other failures are retried next tick.
      if (isHevError(err) && err.status === 404) return;
      this.#o.logger?.debug({ index: entry.name, err: String(err) }, 'snapshot watermark poll failed');
    }
  }

  #run(
    state: IndexState,
    entry: IndexEntry,
    snapshot: RegistrySnapshot,
    dispatch: Dispatch,
    trigger: 'automatic' | 'manual',
  ) {
    const running = runSnapshot(
      { history: this.#o.history, bridge: this.#o.bridge, now: this.#now, countMode: this.#o.countMode },
      {
        entry,
        dispatch,
        snapshot,
        trigger,
        previous: () => this.#latest(state, entry),
        stillHolder: () => state.keeper.held(),
        signal: this.#stop.signal,
      },
    ).then((result) => {
      if (result.latest !== undefined) {
        state.latest = result.latest;
        state.latestLoaded = true;
      }
      const log = this.#o.logger;
      if (result.ok)
        log?.info({ index: entry.name, snapshot: result.summary?.id, trigger }, 'facet snapshot written');
      else log?.warn({ index: entry.name, trigger, err: String(result.error) }, 'facet snapshot failed');
      return result;
    });
    state.running = running.finally(() => (state.running = undefined));
    return running;
  }

  /** A manual run now (ignores the interval and stability); waits for a run in flight first. */
  async runNow(entry: IndexEntry): Promise<SnapshotSummary> {
    if (entry.policy.facetFields.length === 0) {
      throw new HevError(
        'HEV_INVALID_REQUEST',
        `Index ${JSON.stringify(entry.name)} has no spec.snapshot.facetFields: there is nothing to snapshot`,
      );
    }
    const dispatch = this.#o.dispatchFor(entry);
    if (dispatch === undefined) {
      throw new HevError(
        'HEV_INDEX_NOT_READY',
        `Index ${JSON.stringify(entry.name)} cannot be served now (see its status)`,
      );
    }
    const state = this.#state(entry);
    await state.running;
    if (!(await this.#lead(state))) {
      throw new HevError(
        'HEV_CONFLICT',
        `another gateway replica is the snapshot writer of Index ${JSON.stringify(entry.name)} (it holds the lease); retry, or send the request to that replica`,
      );
    }
    const result = await this.#run(state, entry, this.#o.registry.current(), dispatch, 'manual');
    if (result.ok && result.summary !== undefined) return result.summary;
    if (isHevError(result.error)) throw result.error;
    throw new HevError(
      result.error instanceof ObjectStoreError ? 'HEV_OBJECT_STORE_UNAVAILABLE' : 'HEV_UPSTREAM_UNAVAILABLE',
      `the snapshot run failed: ${String((result.error as Error)?.message ?? result.error)}`,
    );
  }
}
