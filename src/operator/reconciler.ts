/**
 * The reconciler: reconcile() run in the status loop. For each Index it observes the object's
 * validation, the registry's entry and (for a resolved store) the upstream's metadata, and writes
 * the reconciler's part of the status. Re-reads upstream facts on every resync (default 30 s).
 */
import type { Logger } from 'pino';
import type { ObjectValidation } from '../config/kubernetes/objects.ts';
import { formatProblem } from '../resources/problems.ts';
import type { IndexEntry, RegistrySnapshot } from '../registry/types.ts';
import {
  reconcile,
  type IndexObjectView,
  type IndexObserved,
  type UpstreamObservation,
} from './reconcile.ts';
import { StatusLoop } from './status-loop.ts';
import type { IndexStatusApi, WriteOutcome } from './status-writer.ts';

export interface ReconcilerOptions {
  readonly indexes: () => readonly ObjectValidation[];
  readonly registry: { current(): RegistrySnapshot };
  readonly observeUpstream: (entry: IndexEntry) => Promise<UpstreamObservation>;
  readonly api: IndexStatusApi;
  readonly logger: Logger;
  readonly clock?: () => Date;
  readonly resyncMs?: number;
  readonly onWrite?: (outcome: WriteOutcome | 'conflict' | 'failed') => void;
}

export function createReconciler(options: ReconcilerOptions): StatusLoop {
  return new StatusLoop({
    name: 'reconciler',
    indexes: options.indexes,
    registry: options.registry,
    api: options.api,
    logger: options.logger,
    intervalMs: options.resyncMs ?? 30_000,
    ...(options.onWrite === undefined ? {} : { onWrite: options.onWrite }),
    async plan(validation, entry) {
      const observed: IndexObserved = {
        now: (options.clock?.() ?? new Date()).toISOString(),
        problems: validation.problems.filter((p) => p.severity === 'error').map(formatProblem),
        ...(entry === undefined ? {} : { entry }),
        ...(entry?.store === undefined ? {} : { upstream: await options.observeUpstream(entry) }),
      };
      const patchFor = (object: IndexObjectView) => {
        const patch = reconcile(object, observed).actions.find((a) => a.type === 'patchStatus');
        return patch?.type === 'patchStatus' ? patch.patch : undefined;
      };
      const requeues = reconcile(validation.object as IndexObjectView, observed).actions.flatMap((a) =>
        a.type === 'requeue' ? [a.afterMs] : [],
      );
      return { patchFor, ...(requeues.length === 0 ? {} : { requeueMs: Math.min(...requeues) }) };
    },
  });
}
