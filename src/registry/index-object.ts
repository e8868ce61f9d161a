/**
 * An IndexEntry as the hevlayer API (and a CRD status writer) shows it: the Index object with spec
 * defaults filled and a status. The registry contributes StoreResolved/Ready, the resolved backend
 * and metadataSync; the config source contributes ConfigValid (False while the latest change to
 * the config is rejected); the data plane may add upstream, snapshot and cache facts.
 */
import type { IndexResource, IndexStatus } from '../resources/index-schema.ts';
import { formatProblem, type ConfigProblem } from '../resources/problems.ts';
import { upsertCondition } from './conditions.ts';
import type { ConfigSourceStatus } from './holder.ts';
import type { IndexEntry, RegistrySnapshot } from './types.ts';

export interface IndexObject extends Omit<IndexResource, 'status'> {
  readonly status: IndexStatus;
}

export interface IndexObjectOptions {
  readonly config?: ConfigSourceStatus;
  /** Facts only the data plane knows (upstream, snapshot, cache). */
  readonly extraStatus?: Omit<IndexStatus, 'conditions' | 'metadataSync' | 'backend'>;
  /** Extra conditions from the data plane (UpstreamReachable, SnapshotsHealthy, …). */
  readonly extraConditions?: IndexStatus['conditions'];
}

const MAX_LISTED_PROBLEMS = 3;

/** The rejected change's problems, those naming this Index first. */
export function problemsFor(name: string, problems: readonly ConfigProblem[]): ConfigProblem[] {
  const errors = problems.filter((p) => p.severity === 'error');
  const own = errors.filter((p) => p.kind === 'Index' && p.name === name);
  return [...own, ...errors.filter((p) => !own.includes(p))];
}

export function summarizeProblems(problems: readonly ConfigProblem[]): string {
  const shown = problems.slice(0, MAX_LISTED_PROBLEMS).map(formatProblem);
  const more = problems.length - shown.length;
  return shown.join('; ') + (more > 0 ? `; and ${more} more` : '');
}

export function indexObject(
  entry: IndexEntry,
  snapshot: RegistrySnapshot,
  options: IndexObjectOptions = {},
): IndexObject {
  const { managedFields: _managed, ...metadata } = entry.resource.metadata;
  const rejected = options.config?.lastError;
  const origin = entry.source === undefined ? '' : ` from ${entry.source.file}`;

  let conditions = [...entry.conditions, ...(options.extraConditions ?? [])];
  if (rejected !== undefined) {
    const summary = summarizeProblems(problemsFor(entry.name, rejected.problems));
    conditions = upsertCondition(conditions, {
      type: 'ConfigValid',
      status: 'False',
      reason: 'ChangeRejected',
      message: `the config change at ${rejected.at} was rejected, still serving generation ${snapshot.generation}: ${summary}`,
      lastTransitionTime: rejected.at,
    });
  } else {
    conditions = upsertCondition(conditions, {
      type: 'ConfigValid',
      status: 'True',
      reason: 'Loaded',
      message: `config generation ${snapshot.generation}${origin}`,
      lastTransitionTime: snapshot.loadedAt,
    });
  }

  const status: IndexStatus = {
    ...(metadata.generation === undefined ? {} : { observedGeneration: metadata.generation }),
    metadataSync: {
      state: rejected === undefined ? 'Synced' : 'Failed',
      lastSyncTime: snapshot.loadedAt,
      message:
        rejected === undefined
          ? `synced into registry generation ${snapshot.generation}${origin}`
          : `the latest config change was rejected; labels, tags and policies are those of generation ${snapshot.generation}`,
    },
    conditions,
    backend: {
      ...(entry.store === undefined ? {} : { store: entry.store.name }),
      namespace: entry.resource.spec.backend.namespace ?? entry.name,
      upstreamNamespaces: [...entry.upstreamNamespaces],
    },
    ...options.extraStatus,
  };
  return {
    apiVersion: entry.resource.apiVersion,
    kind: 'Index',
    metadata: { ...metadata, namespace: entry.k8sNamespace },
    spec: entry.resource.spec,
    status,
  };
}
