/**
 * What the read cache reports per Index: outcome counters (hit ratio), failed cache calls, and the
 * `CacheDegraded` condition — True from the first failed or late cache call, False again at the
 * first call that succeeds after it. Counters live for the process, across registry reloads.
 * Messages name the call and the backend, never an error text (it could hold a URL with a password).
 */
import type { Condition } from '../registry/types.ts';
import type { CacheOutcome } from '../stores/operations.ts';
import type { GatewayMetrics } from '../telemetry/metrics.ts';

export type CacheCall = 'get' | 'set' | 'counter' | 'increment' | 'usage';

interface IndexHealth {
  hits: number;
  misses: number;
  coalesced: number;
  bypassed: number;
  /** Failed calls since the last success; 0 = healthy. */
  failures: number;
  lastFailure: string;
  /** Time of the last flip of the condition. */
  transition: string;
}

export interface CacheHealthOptions {
  readonly backend: string;
  readonly budgetMs: number;
  readonly metrics?: GatewayMetrics | undefined;
  readonly now?: () => Date;
}

export class CacheHealth {
  readonly #options: CacheHealthOptions;
  readonly #indexes = new Map<string, IndexHealth>();
  readonly #started: string;

  constructor(options: CacheHealthOptions) {
    this.#options = options;
    this.#started = this.#now();
  }

  #now(): string {
    return (this.#options.now?.() ?? new Date()).toISOString();
  }

  #of(index: string): IndexHealth {
    let health = this.#indexes.get(index);
    if (health === undefined) {
      health = {
        hits: 0,
        misses: 0,
        coalesced: 0,
        bypassed: 0,
        failures: 0,
        lastFailure: '',
        transition: this.#started,
      };
      this.#indexes.set(index, health);
    }
    return health;
  }

  outcome(index: string, outcome: CacheOutcome): void {
    const health = this.#of(index);
    if (outcome === 'hit') health.hits++;
    else if (outcome === 'miss') health.misses++;
    else if (outcome === 'coalesced') health.coalesced++;
    else health.bypassed++;
    this.#options.metrics?.cacheRequests.labels({ index, outcome }).inc();
  }

  failed(index: string, call: CacheCall, timedOut: boolean): void {
    const health = this.#of(index);
    if (health.failures === 0) health.transition = this.#now();
    health.failures++;
    health.lastFailure = `${call} ${timedOut ? `exceeded its ${this.#options.budgetMs} ms budget` : 'failed'}`;
    this.#options.metrics?.cacheFailures.inc({ index, call, kind: timedOut ? 'timeout' : 'error' });
  }

  succeeded(index: string): void {
    const health = this.#of(index);
    if (health.failures === 0) return;
    health.failures = 0;
    health.transition = this.#now();
  }

  writeHeld(index: string): void {
    this.#options.metrics?.cacheWritesHeld.inc({ index });
  }

  notStored(index: string, reason: 'too-large' | 'refused' | 'epoch-moved' | 'expired'): void {
    this.#options.metrics?.cacheNotStored.inc({ index, reason });
  }

  degraded(index: string): boolean {
    return (this.#indexes.get(index)?.failures ?? 0) > 0;
  }

  /** (hit + coalesced) / lookups since start; undefined before the first lookup. Bypasses are not lookups. */
  hitRatio(index: string): number | undefined {
    const h = this.#indexes.get(index);
    if (h === undefined) return undefined;
    const lookups = h.hits + h.coalesced + h.misses;
    return lookups === 0 ? undefined : (h.hits + h.coalesced) / lookups;
  }

  condition(index: string): Condition {
    const h = this.#of(index);
    const backend = this.#options.backend;
    if (h.failures > 0) {
      return {
        type: 'CacheDegraded',
        status: 'True',
        reason: 'CacheUnavailable',
        message: `${h.failures} cache call(s) to the ${backend} backend failed or timed out since ${h.transition} (last: ${h.lastFailure}); reads are answered by the upstream`,
        lastTransitionTime: h.transition,
      };
    }
    return {
      type: 'CacheDegraded',
      status: 'False',
      reason: 'CacheHealthy',
      message: `the ${backend} cache backend answers within its ${this.#options.budgetMs} ms budget`,
      lastTransitionTime: h.transition,
    };
  }
}
