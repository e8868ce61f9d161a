/**
 * Custom resources as the API server returns them → validated resources, one object at a time: an
 * invalid object is left out of the registry and keeps its problems (the reconciler reports them
 * as a condition), so one bad Index never stops the others. Each object's source is named
 * `kubernetes:<namespace>/<Kind>/<name>` in problem lines. The fingerprint covers what the
 * registry is built from (spec, labels, generation, referenced Secret values), not status or
 * resourceVersion, so the operator's own status writes never cause a republish.
 */
import { createHash } from 'node:crypto';
import type { ValidatedResource } from '../../resources/manifests.ts';
import type { ConfigProblem } from '../../resources/problems.ts';
import { validateDocument } from '../../resources/validate.ts';
import { API_VERSION, DEFAULT_K8S_NAMESPACE } from '../../resources/meta.ts';

export interface KubeObject {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly metadata?: {
    readonly name?: string;
    readonly namespace?: string;
    readonly generation?: number;
    readonly resourceVersion?: string;
    readonly labels?: Record<string, string>;
  };
  readonly spec?: unknown;
  readonly status?: unknown;
}

export interface ObjectValidation {
  readonly key: string;
  readonly object: KubeObject;
  readonly resource?: ValidatedResource;
  readonly problems: readonly ConfigProblem[];
}

export function objectKey(kind: string, object: KubeObject): string {
  return `${object.metadata?.namespace ?? DEFAULT_K8S_NAMESPACE}/${kind}/${object.metadata?.name ?? ''}`;
}

/** What the registry sees of an object: no status, no server bookkeeping. */
export function manifestOf(kind: string, object: KubeObject): Record<string, unknown> {
  const { resourceVersion: _rv, ...metadata } = (object.metadata ?? {}) as Record<string, unknown>;
  delete metadata.managedFields;
  delete metadata.uid;
  delete metadata.creationTimestamp;
  return {
    apiVersion: object.apiVersion ?? API_VERSION,
    kind: object.kind ?? kind,
    metadata,
    ...(object.spec === undefined ? {} : { spec: object.spec }),
  };
}

export function validateObject(kind: string, object: KubeObject): ObjectValidation {
  const key = objectKey(kind, object);
  const result = validateDocument(manifestOf(kind, object), { file: `kubernetes:${key}`, document: 1 });
  const errors = result.problems.filter((p) => p.severity === 'error');
  return {
    key,
    object,
    ...(result.resource === undefined || errors.length > 0
      ? {}
      : { resource: { resource: result.resource, source: { file: `kubernetes:${key}`, document: 1 } } }),
    problems: result.problems,
  };
}

/** A stable digest of the inputs of a registry build (secret values hashed, never kept). */
export function fingerprint(manifests: readonly unknown[], secretValues: readonly string[]): string {
  const hash = createHash('sha256');
  hash.update(JSON.stringify(manifests));
  for (const value of secretValues) hash.update(`\0${createHash('sha256').update(value).digest('hex')}`);
  return hash.digest('hex');
}
