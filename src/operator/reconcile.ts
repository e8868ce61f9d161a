/**
 * reconcile(object, observed) → {status, actions}: what an Index's status should say, from the
 * object as the API server holds it and what the operator observed (its validation, the registry's
 * resolution of it, the upstream's answer). Pure: time comes in as `observed.now`, so every
 * transition is a table test (reconcile.test.ts). The shell (reconciler.ts) gathers `observed`,
 * applies `actions` and never writes spec.
 *
 * Conditions (metav1 conventions; lastTransitionTime moves only when status flips):
 *   SpecValid          False/InvalidSpec when the spec breaks the schema or a rule (never a crash)
 *   StoreResolved      the registry's store resolution (storeRef, else the single default store)
 *   UpstreamReachable  the upstream answered metadata for every upstream namespace
 *   Ready              all of the above, and the registry serves it (e.g. not a DuplicateName)
 * metadataSync: Synced once the registry holds this generation (labels and tags applied), Pending
 * until then, Failed for an invalid spec; lastSyncTime moves when what was synced changes.
 */
import { makeCondition, type ConditionInput } from '../registry/conditions.ts';
import type { IndexEntry } from '../registry/types.ts';
import type { IndexStatus } from '../resources/index-schema.ts';
import type { Condition } from '../resources/meta.ts';
import { RECONCILER, statusPatch, type StatusFields } from './status-patch.ts';

export interface UpstreamFacts {
  readonly approxRowCount: number;
  readonly approxLogicalBytes: number;
  /** `up-to-date`, `updating`, or `absent` while no upstream namespace exists yet. */
  readonly indexStatus: string;
  readonly lastWriteAt?: string;
}

export type UpstreamObservation =
  | { readonly reachable: true; readonly facts: UpstreamFacts }
  | { readonly reachable: false; readonly message: string };

export interface IndexObserved {
  /** RFC 3339. */
  readonly now: string;
  /** The object's validation errors, one line each; empty when valid. */
  readonly problems: readonly string[];
  /** The registry's entry for this object, when the registry holds it. */
  readonly entry?: IndexEntry;
  /** Absent when not probed (no resolved store). */
  readonly upstream?: UpstreamObservation;
}

export interface IndexObjectView {
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly generation?: number };
  readonly status?: StatusFields;
}

export type ReconcilerStatus = Pick<
  IndexStatus,
  'observedGeneration' | 'metadataSync' | 'backend' | 'upstream'
> & {
  readonly conditions: Condition[];
};

export type ReconcileAction =
  | { readonly type: 'patchStatus'; readonly patch: Record<string, unknown> }
  | { readonly type: 'requeue'; readonly afterMs: number; readonly reason: string };

export interface ReconcileResult {
  readonly status: ReconcilerStatus;
  readonly actions: ReconcileAction[];
}

/** How soon to look again while waiting for the registry, or while the upstream is down. */
export const PENDING_REQUEUE_MS = 1000;
export const UNREACHABLE_REQUEUE_MS = 5000;

type Phase = { kind: 'invalid' } | { kind: 'pending' } | { kind: 'synced'; entry: IndexEntry };

function phaseOf(object: IndexObjectView, observed: IndexObserved): Phase {
  if (observed.problems.length > 0) return { kind: 'invalid' };
  const entry = observed.entry;
  if (entry === undefined || entry.resource.metadata.generation !== object.metadata.generation)
    return { kind: 'pending' };
  return { kind: 'synced', entry };
}

function syncMessage(entry: IndexEntry, generation: number): string {
  const labels = Object.entries(entry.labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  return `generation ${generation} applied to the registry (labels: ${labels === '' ? 'none' : labels}; tags: ${entry.tags.length === 0 ? 'none' : entry.tags.join(',')})`;
}

export function reconcile(object: IndexObjectView, observed: IndexObserved): ReconcileResult {
  const generation = object.metadata.generation ?? 0;
  const previous = object.status?.conditions;
  const condition = (input: ConditionInput) => makeCondition(input, observed.now, previous, generation);
  const phase = phaseOf(object, observed);
  const actions: ReconcileAction[] = [];

  const specValid: ConditionInput =
    phase.kind === 'invalid'
      ? { type: 'SpecValid', status: 'False', reason: 'InvalidSpec', message: observed.problems.join('; ') }
      : { type: 'SpecValid', status: 'True', reason: 'Valid', message: 'the spec is valid' };
  let storeResolved: ConditionInput;
  let reachable: ConditionInput;
  let ready: ConditionInput;
  let sync: { state: 'Synced' | 'Pending' | 'Failed'; message: string };
  let backend: IndexStatus['backend'];
  let upstream = (object.status?.upstream ?? undefined) as IndexStatus['upstream'];

  if (phase.kind !== 'synced') {
    const reason = phase.kind === 'invalid' ? 'InvalidSpec' : 'SyncPending';
    const message =
      phase.kind === 'invalid'
        ? 'the spec is invalid (see SpecValid)'
        : `waiting for the registry to apply generation ${generation}`;
    storeResolved = { type: 'StoreResolved', status: 'Unknown', reason, message };
    reachable = { type: 'UpstreamReachable', status: 'Unknown', reason, message };
    ready = { type: 'Ready', status: 'False', reason, message };
    sync =
      phase.kind === 'invalid'
        ? { state: 'Failed', message: `not applied: ${observed.problems.join('; ')}` }
        : { state: 'Pending', message };
    if (phase.kind === 'pending')
      actions.push({ type: 'requeue', afterMs: PENDING_REQUEUE_MS, reason: 'SyncPending' });
  } else {
    const { entry } = phase;
    const resolved = entry.conditions.find((c) => c.type === 'StoreResolved');
    const served = entry.conditions.find((c) => c.type === 'Ready');
    storeResolved = {
      type: 'StoreResolved',
      status: resolved?.status ?? 'Unknown',
      reason: resolved?.reason ?? 'Unknown',
      message: resolved?.message ?? '',
    };
    sync = { state: 'Synced', message: syncMessage(entry, generation) };
    backend = {
      ...(entry.store === undefined ? {} : { store: entry.store.name }),
      namespace: entry.resource.spec.backend.namespace ?? entry.name,
      upstreamNamespaces: [...entry.upstreamNamespaces],
    };
    const seen = observed.upstream;
    if (entry.store === undefined || seen === undefined) {
      reachable = {
        type: 'UpstreamReachable',
        status: 'Unknown',
        reason: entry.store === undefined ? 'StoreNotResolved' : 'NotProbed',
        message: entry.store === undefined ? 'no store to ask' : 'the upstream has not been asked yet',
      };
    } else if (seen.reachable) {
      reachable = {
        type: 'UpstreamReachable',
        status: 'True',
        reason: 'Reachable',
        message: `VectorStore "${entry.store.name}" answered for ${entry.upstreamNamespaces.length} upstream namespace(s)`,
      };
      upstream = { ...seen.facts };
    } else {
      reachable = {
        type: 'UpstreamReachable',
        status: 'False',
        reason: 'Unreachable',
        message: seen.message,
      };
      actions.push({ type: 'requeue', afterMs: UNREACHABLE_REQUEUE_MS, reason: 'UpstreamUnreachable' });
    }
    if (served?.status !== 'True') {
      ready = {
        type: 'Ready',
        status: 'False',
        reason: served?.reason ?? 'NotServed',
        message: served?.message ?? '',
      };
    } else if (reachable.status !== 'True') {
      ready = {
        type: 'Ready',
        status: reachable.status === 'False' ? 'False' : 'Unknown',
        reason: reachable.status === 'False' ? 'UpstreamUnreachable' : reachable.reason,
        message: reachable.message,
      };
    } else {
      ready = { type: 'Ready', status: 'True', reason: 'Ready', message: served.message };
    }
  }

  const before = object.status?.metadataSync as IndexStatus['metadataSync'];
  const lastSyncTime =
    before !== undefined &&
    before.state === sync.state &&
    before.message === sync.message &&
    before.lastSyncTime !== undefined
      ? before.lastSyncTime
      : observed.now;
  const status: ReconcilerStatus = {
    observedGeneration: generation,
    metadataSync: { ...sync, lastSyncTime },
    ...(backend === undefined ? {} : { backend }),
    ...(upstream === undefined ? {} : { upstream }),
    conditions: [specValid, storeResolved, reachable, ready].map(condition),
  };
  const patch = statusPatch(object.status, status, RECONCILER);
  if (patch !== undefined) actions.unshift({ type: 'patchStatus', patch });
  return { status, actions };
}
