/**
 * Reachability of the stores that serve Indexes, for /readyz and the UpstreamReachable condition.
 * Pings are cached for a short while so probes and status reads do not turn into upstream load; a
 * check never waits longer than its timeout.
 */
import type { Condition } from '../../resources/meta.ts';
import type { IndexEntry, RegistrySnapshot, StoreEntry } from '../../registry/types.ts';
import { storeKey } from '../../registry/types.ts';
import type { VectorStore } from '../port.ts';

export interface StoreHealthOptions {
  readonly registry: { current(): RegistrySnapshot };
  readonly stores: { get(entry: StoreEntry): VectorStore };
  readonly ttlMs?: number;
  readonly timeoutMs?: number;
  readonly now?: () => number;
}

interface Observation {
  readonly ok: boolean;
  readonly message: string;
  readonly at: number;
  readonly since: string;
}

export interface HealthReport {
  readonly ok: boolean;
  readonly stores: { name: string; ok: boolean; message: string }[];
}

export class StoreHealth {
  readonly #options: StoreHealthOptions;
  readonly #observed = new Map<string, Observation>();
  readonly #inFlight = new Map<string, Promise<Observation>>();

  constructor(options: StoreHealthOptions) {
    this.#options = options;
  }

  /** Pings every store that serves a declared Index (cached for ttlMs). */
  async check(): Promise<HealthReport> {
    const snapshot = this.#options.registry.current();
    const used = new Map<string, StoreEntry>();
    for (const entry of snapshot.indexes.values()) {
      if (entry.store !== undefined)
        used.set(storeKey(entry.store.k8sNamespace, entry.store.name), entry.store);
    }
    const results = await Promise.all(
      [...used.entries()].map(async ([key, store]) => ({
        name: store.name,
        ...(await this.#observe(key, store)),
      })),
    );
    return {
      ok: results.every((r) => r.ok),
      stores: results.map(({ name, ok, message }) => ({ name, ok, message })),
    };
  }

  /** UpstreamReachable from the last observation (no I/O); undefined before the first check. */
  condition(entry: IndexEntry): Condition | undefined {
    if (entry.store === undefined) return undefined;
    const seen = this.#observed.get(storeKey(entry.store.k8sNamespace, entry.store.name));
    if (seen === undefined) return undefined;
    return {
      type: 'UpstreamReachable',
      status: seen.ok ? 'True' : 'False',
      reason: seen.ok ? 'PingSucceeded' : 'PingFailed',
      message: seen.message,
      lastTransitionTime: seen.since,
    };
  }

  async #observe(key: string, store: StoreEntry): Promise<Observation> {
    const now = this.#options.now ?? Date.now;
    const cached = this.#observed.get(key);
    if (cached !== undefined && now() - cached.at < (this.#options.ttlMs ?? 5000)) return cached;
    let pending = this.#inFlight.get(key);
    if (pending === undefined) {
      pending = this.#ping(key, store).finally(() => this.#inFlight.delete(key));
      this.#inFlight.set(key, pending);
    }
    return pending;
  }

  async #ping(key: string, store: StoreEntry): Promise<Observation> {
    const now = this.#options.now ?? Date.now;
    const timeoutMs = this.#options.timeoutMs ?? 2000;
    let ok = true;
    let message = `store ${store.name} answered`;
    try {
      const signal = AbortSignal.timeout(timeoutMs);
      await Promise.race([
        this.#options.stores.get(store).ping({ signal }),
        new Promise((_, reject) =>
          signal.addEventListener('abort', () => reject(new Error('ping timed out'))),
        ),
      ]);
    } catch (err) {
      ok = false;
      message = `store ${store.name} unreachable: ${(err as Error).message}`;
    }
    const previous = this.#observed.get(key);
    const since =
      previous !== undefined && previous.ok === ok ? previous.since : new Date(now()).toISOString();
    const observation = { ok, message, at: now(), since };
    this.#observed.set(key, observation);
    return observation;
  }
}
