/**
 * The object store behind the test API server (kube-api-server.ts): objects by resource, namespace
 * and name, one resourceVersion counter, the event history watches replay, and the write semantics
 * of a real kube-apiserver that controllers depend on:
 * - create sets uid, resourceVersion, generation 1 and creationTimestamp; drops status when the
 *   resource has a status subresource;
 * - update/patch of the main resource keeps status and bumps metadata.generation only when spec
 *   changed; update/patch of the status subresource changes status only (generation stays);
 * - a write naming a stale metadata.resourceVersion is 409 Conflict;
 * - history older than the compaction point is gone: a watch from there is 410 Expired.
 */
import { randomUUID } from 'node:crypto';

export interface ResourceType {
  readonly group: string; // '' for the core group
  readonly version: string;
  readonly plural: string;
  readonly kind: string;
  readonly statusSubresource: boolean;
}

export const RESOURCE_TYPES: readonly ResourceType[] = [
  { group: 'hevlayer.com', version: 'v1', plural: 'indexes', kind: 'Index', statusSubresource: true },
  {
    group: 'hevlayer.com',
    version: 'v1',
    plural: 'vectorstores',
    kind: 'VectorStore',
    statusSubresource: true,
  },
  {
    group: 'hevlayer.com',
    version: 'v1',
    plural: 'gatewayconfigs',
    kind: 'GatewayConfig',
    statusSubresource: true,
  },
  { group: '', version: 'v1', plural: 'secrets', kind: 'Secret', statusSubresource: false },
  { group: 'coordination.k8s.io', version: 'v1', plural: 'leases', kind: 'Lease', statusSubresource: false },
];

export type KubeObject = Record<string, unknown> & {
  metadata: Record<string, unknown> & { name: string; namespace?: string };
};

export interface WatchEvent {
  readonly rv: number;
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED';
  readonly resource: ResourceType;
  readonly object: KubeObject;
}

export class ApiError extends Error {
  readonly code: number;
  readonly reason: string;
  constructor(code: number, reason: string, message: string) {
    super(message);
    this.code = code;
    this.reason = reason;
  }
}

const clone = <T>(value: T): T => structuredClone(value);
const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/** RFC 7386 JSON merge patch. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return clone(patch);
  const out: Record<string, unknown> =
    target !== null && typeof target === 'object' && !Array.isArray(target)
      ? { ...(target as Record<string, unknown>) }
      : {};
  for (const [key, value] of Object.entries(patch as Record<string, unknown>)) {
    if (value === null) delete out[key];
    else out[key] = mergePatch(out[key], value);
  }
  return out;
}

export class KubeObjectStore {
  readonly #objects = new Map<string, KubeObject>();
  readonly #history: WatchEvent[] = [];
  readonly #listeners = new Set<(event: WatchEvent) => void>();
  #rv = 100;
  /** Watches from a resourceVersion below this are 410 Gone. */
  #compactedAt = 0;

  get resourceVersion(): number {
    return this.#rv;
  }

  get compactedAt(): number {
    return this.#compactedAt;
  }

  /** Forgets every event so far: a watch resuming from before now gets 410 Expired. */
  compact(): void {
    this.#compactedAt = this.#rv + 1;
    this.#history.length = 0;
  }

  subscribe(listener: (event: WatchEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Events after `rv` for one resource (and namespace, when given). */
  eventsSince(rv: number, type: ResourceType, namespace: string | undefined): WatchEvent[] {
    return this.#history.filter(
      (e) =>
        e.rv > rv &&
        e.resource === type &&
        (namespace === undefined || e.object.metadata.namespace === namespace),
    );
  }

  list(type: ResourceType, namespace: string | undefined): KubeObject[] {
    return [...this.#objects.entries()]
      .filter(([key]) =>
        key.startsWith(`${type.group}/${type.plural}/${namespace === undefined ? '' : `${namespace}/`}`),
      )
      .map(([, obj]) => clone(obj))
      .sort((a, b) => Number(a.metadata.resourceVersion) - Number(b.metadata.resourceVersion));
  }

  get(type: ResourceType, namespace: string, name: string): KubeObject {
    const found = this.#objects.get(this.#key(type, namespace, name));
    if (found === undefined) {
      throw new ApiError(404, 'NotFound', `${type.plural}.${type.group} "${name}" not found`);
    }
    return clone(found);
  }

  create(type: ResourceType, namespace: string, body: KubeObject): KubeObject {
    const name = body.metadata?.name;
    if (typeof name !== 'string' || name === '')
      throw new ApiError(422, 'Invalid', 'metadata.name: Required value');
    const key = this.#key(type, namespace, name);
    if (this.#objects.has(key)) {
      throw new ApiError(409, 'AlreadyExists', `${type.plural}.${type.group} "${name}" already exists`);
    }
    const obj = clone(body);
    if (type.statusSubresource) delete obj.status;
    obj.apiVersion = type.group === '' ? type.version : `${type.group}/${type.version}`;
    obj.kind = type.kind;
    obj.metadata = {
      ...obj.metadata,
      namespace,
      uid: randomUUID(),
      generation: 1,
      creationTimestamp: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    };
    return this.#commit(type, key, obj, 'ADDED');
  }

  /** PUT: the whole object (main resource) or its status (subresource). */
  update(type: ResourceType, namespace: string, name: string, body: KubeObject, status: boolean): KubeObject {
    const current = this.get(type, namespace, name);
    this.#precondition(current, body.metadata?.resourceVersion);
    return this.#write(type, namespace, name, current, body, status);
  }

  /** PATCH with a JSON merge patch; metadata.resourceVersion in the patch is a precondition. */
  patch(type: ResourceType, namespace: string, name: string, patch: unknown, status: boolean): KubeObject {
    const current = this.get(type, namespace, name);
    const rv = (patch as { metadata?: { resourceVersion?: unknown } } | null)?.metadata?.resourceVersion;
    this.#precondition(current, rv);
    const merged = mergePatch(current, patch) as KubeObject;
    return this.#write(type, namespace, name, current, merged, status);
  }

  delete(type: ResourceType, namespace: string, name: string): KubeObject {
    const current = this.get(type, namespace, name);
    const key = this.#key(type, namespace, name);
    this.#objects.delete(key);
    this.#rv += 1;
    current.metadata.resourceVersion = String(this.#rv);
    this.#emit({ rv: this.#rv, type: 'DELETED', resource: type, object: current });
    return current;
  }

  #write(
    type: ResourceType,
    namespace: string,
    name: string,
    current: KubeObject,
    body: KubeObject,
    status: boolean,
  ): KubeObject {
    const next = clone(current);
    if (status) {
      if (body.status === undefined) delete next.status;
      else next.status = clone(body.status);
    } else {
      for (const [field, value] of Object.entries(body)) {
        if (field === 'metadata' || field === 'apiVersion' || field === 'kind') continue;
        if (field === 'status' && type.statusSubresource) continue;
        next[field] = clone(value);
      }
      for (const field of Object.keys(current)) {
        if (!(field in body) && field !== 'status' && field !== 'metadata') delete next[field];
      }
      const { labels, annotations, finalizers } = body.metadata ?? {};
      next.metadata = { ...current.metadata, labels, annotations, finalizers };
      for (const field of ['labels', 'annotations', 'finalizers']) {
        if (next.metadata[field] === undefined) delete next.metadata[field];
      }
      if (!same(current.spec, next.spec)) next.metadata.generation = Number(current.metadata.generation) + 1;
    }
    // A write that changes nothing is not an event and keeps the resourceVersion (like a real server).
    if (same(current, next)) return current;
    return this.#commit(type, this.#key(type, namespace, name), next, 'MODIFIED');
  }

  #precondition(current: KubeObject, rv: unknown): void {
    if (rv === undefined || rv === null || rv === '') return;
    if (String(rv) !== current.metadata.resourceVersion) {
      throw new ApiError(
        409,
        'Conflict',
        `Operation cannot be fulfilled on ${String(current.kind)} "${current.metadata.name}": the object has been modified; please apply your changes to the latest version and try again`,
      );
    }
  }

  #commit(type: ResourceType, key: string, obj: KubeObject, event: 'ADDED' | 'MODIFIED'): KubeObject {
    this.#rv += 1;
    obj.metadata.resourceVersion = String(this.#rv);
    this.#objects.set(key, obj);
    this.#emit({ rv: this.#rv, type: event, resource: type, object: clone(obj) });
    return clone(obj);
  }

  #emit(event: WatchEvent): void {
    this.#history.push(event);
    for (const listener of this.#listeners) listener(event);
  }

  #key(type: ResourceType, namespace: string, name: string): string {
    return `${type.group}/${type.plural}/${namespace}/${name}`;
  }
}
