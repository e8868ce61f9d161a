/**
 * Keeps one lease for one holder: acquires it, renews it when a third of its TTL has passed, and
 * declares it lost *before* its TTL ends when renewals fail. `held()` is true only until
 * `start of the last successful renewal + ttl - margin` (margin a quarter of the TTL by default):
 * the store counts the TTL from when the renewal reached it, which is after the call started, so a
 * holder that cannot reach the store stops before another replica can take the lease. A store that
 * answers "held by someone else" ends the lease at once.
 */
import type { LeaseStore } from './port.ts';

export interface LeaseKeeperOptions {
  readonly store: LeaseStore;
  readonly name: string;
  readonly holder: string;
  readonly ttlMs: number;
  /** Safety margin before the TTL ends (default ttlMs / 4). */
  readonly marginMs?: number;
  readonly now?: () => number;
  /** Renewal failures (the store was unreachable); the message never holds credentials. */
  readonly onError?: (err: unknown) => void;
}

export class LeaseKeeper {
  readonly #o: LeaseKeeperOptions;
  readonly #now: () => number;
  #validUntil = Number.NEGATIVE_INFINITY;
  #renewedAt = Number.NEGATIVE_INFINITY;
  #pending: Promise<boolean> | undefined;

  constructor(options: LeaseKeeperOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
  }

  /** True while this holder may act under the lease. */
  held(): boolean {
    return this.#now() < this.#validUntil;
  }

  /** Acquires or renews when due; resolves to held(). Concurrent calls share one store call. */
  ensure(): Promise<boolean> {
    if (this.held() && this.#now() < this.#renewedAt + this.#o.ttlMs / 3) return Promise.resolve(true);
    this.#pending ??= this.#renew().finally(() => (this.#pending = undefined));
    return this.#pending;
  }

  async #renew(): Promise<boolean> {
    const { store, name, holder, ttlMs } = this.#o;
    const started = this.#now();
    try {
      if (await store.acquire(name, holder, ttlMs)) {
        this.#renewedAt = started;
        this.#validUntil = started + ttlMs - (this.#o.marginMs ?? ttlMs / 4);
      } else {
        this.#validUntil = Number.NEGATIVE_INFINITY;
      }
    } catch (err) {
      this.#o.onError?.(err); // held() runs out on its own before the store's TTL does
    }
    return this.held();
  }

  /** Gives the lease up (shutdown); held() is false afterwards. */
  async release(): Promise<void> {
    const wasHeld = this.held();
    this.#validUntil = Number.NEGATIVE_INFINITY;
    if (wasHeld)
      await this.#o.store.release(this.#o.name, this.#o.holder).catch((err) => this.#o.onError?.(err));
  }
}
