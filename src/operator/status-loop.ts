/**
 * The shell both status writers run in: for every Index in scope it asks a plan what the status
 * should say, writes the difference through status-writer.ts (merge patch on the status
 * subresource, 409 retried on the fresh object) and schedules the next run. Runs are serialized; a
 * trigger during a run causes one more. A run comes from triggers (the provider or the registry
 * changed), requeues the plan asks for, and a periodic resync. Writes happen only when the status
 * would change, so an idle cluster sees none.
 */
import type { Logger } from 'pino';
import type { ObjectValidation } from '../config/kubernetes/objects.ts';
import type { IndexEntry, RegistrySnapshot } from '../registry/types.ts';
import {
  writeStatus,
  type IndexObjectState,
  type IndexStatusApi,
  type WriteOutcome,
} from './status-writer.ts';

export interface StatusPlan {
  /** The patch for an object as it is now, or undefined when it already says everything. */
  readonly patchFor: (object: IndexObjectState) => Record<string, unknown> | undefined;
  /** Run again this soon (waiting for something). */
  readonly requeueMs?: number;
}

export interface StatusLoopOptions {
  /** For logs: `reconciler`, `status bridge`. */
  readonly name: string;
  readonly indexes: () => readonly ObjectValidation[];
  readonly registry: { current(): RegistrySnapshot };
  /** Undefined: nothing to write for this Index now. */
  readonly plan: (
    validation: ObjectValidation,
    entry: IndexEntry | undefined,
  ) => Promise<StatusPlan | undefined>;
  readonly api: IndexStatusApi;
  readonly logger: Logger;
  readonly intervalMs: number;
  readonly onWrite?: (outcome: WriteOutcome | 'conflict' | 'failed') => void;
}

const FAILURE_RETRY_MS = 2000;

export class StatusLoop {
  readonly #options: StatusLoopOptions;
  /** What our last write returned, keyed by the resourceVersion it was based on (the cache may lag). */
  readonly #written = new Map<string, { basedOn: string | undefined; object: IndexObjectState }>();
  #running: Promise<void> | undefined;
  #again = false;
  #stopped = true;
  #requeue: NodeJS.Timeout | undefined;
  #resync: NodeJS.Timeout | undefined;

  constructor(options: StatusLoopOptions) {
    this.#options = options;
  }

  start(): void {
    this.#stopped = false;
    this.#resync = setInterval(() => void this.trigger(), this.#options.intervalMs);
    this.#resync.unref();
    void this.trigger();
  }

  async close(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#resync);
    clearTimeout(this.#requeue);
    await this.#running;
  }

  /** Resolves when the run it causes (or the one it joins) is done. */
  trigger(): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    if (this.#running !== undefined) {
      this.#again = true;
      return this.#running;
    }
    this.#running = (async () => {
      do {
        this.#again = false;
        await this.#runOnce();
      } while (this.#again && !this.#stopped);
    })().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  async #runOnce(): Promise<void> {
    const snapshot = this.#options.registry.current();
    let requeueMs: number | undefined;
    const soonest = (ms: number) => (requeueMs = Math.min(requeueMs ?? ms, ms));
    for (const validation of this.#options.indexes()) {
      if (this.#stopped) return;
      try {
        const after = await this.#applyOne(validation, snapshot);
        if (after !== undefined) soonest(after);
      } catch (err) {
        this.#options.onWrite?.('failed');
        this.#options.logger.warn(
          { index: validation.key, writer: this.#options.name, error: (err as Error).message },
          'status write failed; retrying',
        );
        soonest(FAILURE_RETRY_MS);
      }
    }
    if (requeueMs !== undefined && !this.#stopped) {
      clearTimeout(this.#requeue);
      this.#requeue = setTimeout(() => void this.trigger(), requeueMs);
    }
  }

  async #applyOne(validation: ObjectValidation, snapshot: RegistrySnapshot): Promise<number | undefined> {
    const cached = validation.object as IndexObjectState;
    const { name, namespace = 'default' } = cached.metadata;
    const key = `${namespace}/${name}`;
    const mine = this.#written.get(key);
    const object =
      mine !== undefined && mine.basedOn === cached.metadata.resourceVersion ? mine.object : cached;
    const entry = snapshot.allIndexes.find((e) => e.name === name && e.k8sNamespace === namespace);
    const plan = await this.#options.plan(validation, entry);
    if (plan === undefined) return undefined;
    if (plan.patchFor(object) !== undefined) {
      const api = this.#options.api;
      const outcome = await writeStatus(
        {
          get: (ref) => api.get(ref),
          patchStatus: async (ref, rv, status) => {
            const written = await api.patchStatus(ref, rv, status);
            this.#written.set(key, { basedOn: cached.metadata.resourceVersion, object: written });
            return written;
          },
        },
        { namespace, name },
        object,
        plan.patchFor,
        () => this.#options.onWrite?.('conflict'),
      );
      this.#options.onWrite?.(outcome);
      if (outcome === 'written')
        this.#options.logger.debug({ index: key, writer: this.#options.name }, 'Index status written');
    }
    return plan.requeueMs;
  }
}
