/**
 * The cache warmer service (`{name, start, close}`, main/services.ts): keeps one warm state per
 * Index, runs a warm on demand (the hevlayer API), and for every Index with `cache.mode: warm`
 * after start and whenever the upstream's `last_write_at` advances (checked every `pollMs` through
 * the Index's metadata). At most one warm per Index runs at a time; close() stops them all.
 */
import { setName, upstreamIdentity } from '../cache/keys.ts';
import type { CacheRuntime } from '../cache/runtime.ts';
import type { RegistrySnapshot } from '../registry/types.ts';
import { isNotFound } from '../shards/shard-errors.ts';
import type { Logger } from '../telemetry/logger.ts';
import { isRecord } from '../wire/guards.ts';
import type { ScanTarget } from './engine.ts';
import { runWarm, type WarmProgress, type WarmTrigger } from './warmer.ts';

export type { WarmProgress } from './warmer.ts';

export interface IndexWarmer {
  /** Starts a warm unless one is running; answers the progress at once. */
  start(target: ScanTarget, trigger: WarmTrigger): WarmProgress;
  progress(): WarmProgress;
}

export interface Warmers {
  /** The warmer of a declared Index with `cache.mode: warm`; undefined otherwise (nothing would read documents). */
  get(index: string): IndexWarmer | undefined;
}

export interface WarmServiceOptions {
  readonly registry: { current(): RegistrySnapshot };
  readonly runtime: CacheRuntime;
  /** The Index's dispatch and entry (the gateway's resolver, without a caller). */
  readonly target: (index: string) => ScanTarget;
  readonly log: Logger;
  /** How often `cache.mode: warm` Indexes are checked for new writes. Default 30 s; 0: never (tests). */
  readonly pollMs?: number;
  readonly pageSize?: number;
}

interface State {
  progress: WarmProgress;
  running: Promise<WarmProgress> | undefined;
  /** The upstream last_write_at the last complete warm of this Index saw (a warm cut short by a write does not count). */
  warmedWrite: string | undefined;
}

export class WarmService implements Warmers {
  readonly name = 'warmer';
  readonly #options: WarmServiceOptions;
  readonly #states = new Map<string, State>();
  readonly #stop = new AbortController();
  #timer: NodeJS.Timeout | undefined;
  #polling: Promise<void> | undefined;

  constructor(options: WarmServiceOptions) {
    this.#options = options;
  }

  get(index: string): IndexWarmer | undefined {
    const entry = this.#options.registry.current().indexes.get(index);
    if (entry === undefined || entry.store === undefined || entry.policy.cacheMode !== 'warm')
      return undefined;
    const state = this.#state(index);
    return {
      start: (target, trigger) => this.#start(state, target, trigger),
      progress: () => state.progress,
    };
  }

  async start(): Promise<void> {
    if (this.#options.pollMs === 0) return;
    const tick = () => {
      this.#polling ??= this.#poll().finally(() => (this.#polling = undefined));
    };
    tick();
    this.#timer = setInterval(tick, this.#options.pollMs ?? 30_000);
    this.#timer.unref();
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    this.#stop.abort();
    await this.#polling;
    await Promise.all(
      [...this.#states.values()].flatMap((s) => (s.running === undefined ? [] : [s.running])),
    );
  }

  #state(index: string): State {
    let state = this.#states.get(index);
    if (state === undefined) {
      state = {
        progress: { index, state: 'idle', rows: 0, documents: 0, bytes: 0 },
        running: undefined,
        warmedWrite: undefined,
      };
      this.#states.set(index, state);
    }
    return state;
  }

  #start(state: State, target: ScanTarget, trigger: WarmTrigger, lastWriteAt?: string): WarmProgress {
    if (state.running !== undefined || this.#stop.signal.aborted) return state.progress;
    const entry = target.entry;
    const { runtime, log } = this.#options;
    const run = runWarm(target, trigger, {
      runtime,
      set: setName(entry.k8sNamespace, entry.name),
      identity: upstreamIdentity(entry.store ?? never(entry.name)),
      signal: this.#stop.signal,
      ...(this.#options.pageSize === undefined ? {} : { pageSize: this.#options.pageSize }),
      onProgress: (p) => (state.progress = p),
    });
    state.running = run;
    void run.then((p) => {
      state.running = undefined;
      if (p.state === 'succeeded' || p.stopReason === 'cap') state.warmedWrite = lastWriteAt;
      const level = p.state === 'failed' ? 'warn' : 'info';
      log[level]({ index: p.index, warm: { ...p } }, `cache warm ${p.state}`);
    });
    return state.progress;
  }

  /** Warms each `cache.mode: warm` Index whose upstream last_write_at moved since its last warm. */
  async #poll(): Promise<void> {
    const snapshot = this.#options.registry.current();
    for (const entry of snapshot.indexes.values()) {
      if (this.#stop.signal.aborted) return;
      if (entry.policy.cacheMode !== 'warm' || !entry.ready || entry.store === undefined) continue;
      const state = this.#state(entry.name);
      if (state.running !== undefined) continue;
      try {
        const target = this.#options.target(entry.name);
        const lastWriteAt = await this.#lastWriteAt(target);
        if (lastWriteAt === undefined || lastWriteAt === state.warmedWrite) continue;
        this.#start(state, target, state.warmedWrite === undefined ? 'start' : 'write', lastWriteAt);
      } catch (err) {
        this.#options.log.warn(
          { err, index: entry.name },
          'cache warmer could not read the upstream metadata',
        );
      }
    }
  }

  async #lastWriteAt(target: ScanTarget): Promise<string | undefined> {
    try {
      const meta = (
        await target.dispatch({ op: 'metadata', ns: target.entry.name }, { signal: this.#stop.signal })
      ).value();
      return isRecord(meta) && typeof meta.last_write_at === 'string' ? meta.last_write_at : undefined;
    } catch (err) {
      if (isNotFound(err)) return undefined; // never written: nothing to warm yet
      throw err;
    }
  }
}

function never(index: string): never {
  throw new Error(`Index ${index} has no resolved store`);
}
