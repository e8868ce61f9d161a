/**
 * The one mutable cell between config providers and the data plane: it holds the current
 * RegistrySnapshot and swaps it atomically. Providers call publish() with a fully validated
 * snapshot, or reject() when a change was invalid (the current snapshot stays). Readers call
 * current() and subscribe() for changes. It also records how the last load went, for the API.
 */
import type { ConfigProblem } from '../resources/problems.ts';
import type { RegistrySnapshot } from './types.ts';

export interface ConfigSourceStatus {
  /** `file` or `kubernetes`. */
  readonly source: string;
  /** The config directory, or the watched cluster scope. */
  readonly location: string;
  readonly lastAttemptAt?: string;
  readonly lastSuccessAt?: string;
  /** Set while the most recent change is rejected; cleared by the next successful load. */
  readonly lastError?: { readonly at: string; readonly problems: readonly ConfigProblem[] };
}

export type RegistryListener = (snapshot: RegistrySnapshot, previous: RegistrySnapshot) => void;

export interface RegistryHolderOptions {
  readonly initial: RegistrySnapshot;
  readonly source: string;
  readonly location: string;
  /** Called when a listener throws; the other listeners still run. */
  readonly onListenerError?: (err: unknown) => void;
}

export class RegistryHolder {
  #snapshot: RegistrySnapshot;
  #status: ConfigSourceStatus;
  readonly #listeners = new Set<RegistryListener>();
  readonly #onListenerError: (err: unknown) => void;

  constructor(options: RegistryHolderOptions) {
    this.#snapshot = options.initial;
    this.#status = { source: options.source, location: options.location };
    this.#onListenerError = options.onListenerError ?? (() => undefined);
  }

  current(): RegistrySnapshot {
    return this.#snapshot;
  }

  /** True once a config has been loaded (generation > 0). */
  isLoaded(): boolean {
    return this.#snapshot.generation > 0;
  }

  status(): ConfigSourceStatus {
    return this.#status;
  }

  /** Returns the unsubscribe function. */
  subscribe(listener: RegistryListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  publish(snapshot: RegistrySnapshot): void {
    if (snapshot.generation <= this.#snapshot.generation) {
      throw new Error(`generation must grow: ${snapshot.generation} after ${this.#snapshot.generation}`);
    }
    const previous = this.#snapshot;
    this.#snapshot = snapshot;
    const { lastError: _cleared, ...rest } = this.#status;
    this.#status = { ...rest, lastAttemptAt: snapshot.loadedAt, lastSuccessAt: snapshot.loadedAt };
    for (const listener of this.#listeners) {
      try {
        listener(snapshot, previous);
      } catch (err) {
        this.#onListenerError(err);
      }
    }
  }

  /** Records a rejected change; the current snapshot keeps serving. */
  reject(problems: readonly ConfigProblem[], at: string): void {
    this.#status = { ...this.#status, lastAttemptAt: at, lastError: { at, problems: [...problems] } };
  }
}
