/**
 * Names in the shared cache store (docs/adr/read-cache.md "Keys"). Every replica sharing a cache
 * must derive the same names from the same config, so they are pure functions of it:
 * - the *upstream identity* of a VectorStore: where its namespaces live (not its timeouts or
 *   concurrency, which may differ between replicas during a rollout);
 * - an *epoch counter* per (upstream identity, upstream namespace): two Indexes naming the same
 *   upstream namespace share it;
 * - a *set* per Index (the unit of the byte cap);
 * - an *entry key*: a hash of the identity, the namespaces with their epochs, the kind of answer,
 *   the Index's consistency and the digest of the canonical request body.
 */
import { hash } from 'node:crypto';
import type { StoreEntry } from '../registry/types.ts';
import { stringifyJson } from '../wire/json.ts';

function sha256(text: string): string {
  return hash('sha256', text, 'hex');
}

/** Where a store's namespaces live: the local data path, or the turbopuffer endpoint and key source. */
export function upstreamIdentity(store: StoreEntry): string {
  if (store.provider === 'local') return `local:${store.localPath ?? ''}`;
  const tp = store.resource.spec.turbopuffer;
  return `turbopuffer:${JSON.stringify({
    region: tp?.region,
    baseURL: tp?.baseURL,
    apiKeyEnv: tp?.apiKeyEnv,
    apiKeySecretRef: tp?.apiKeySecretRef,
  })}`;
}

/** The write-epoch counter of one upstream namespace; hashed so no config detail reaches the store. */
export function epochCounter(identity: string, namespace: string): string {
  return `epoch:${sha256(`${identity}\n${namespace}`).slice(0, 40)}`;
}

const SAFE_SET = /^[A-Za-z0-9_.-]{1,40}$/;

/**
 * The Index's set: its name when short and plain (readable in redis-cli and asadm), else a prefix
 * plus a hash. Aerospike set names are at most 63 bytes.
 */
export function setName(k8sNamespace: string, index: string): string {
  const full = k8sNamespace === 'default' ? index : `${k8sNamespace}.${index}`;
  if (SAFE_SET.test(full)) return full;
  return `${full.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 24)}-${sha256(full).slice(0, 16)}`;
}

/** JSON with object keys sorted at every depth; arrays keep their order (it is meaningful). */
export function canonicalJson(value: unknown): string {
  return stringifyJson(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value !== 'object' || value === null) return value;
  const sorted: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort())
    sorted[key] = sortKeys((value as Record<string, unknown>)[key]);
  return sorted;
}

/** The digest of a request body's canonical JSON (128 bits; '' for operations without a body). */
export function bodyDigest(value: unknown): string {
  return value === undefined ? '' : sha256(canonicalJson(value)).slice(0, 32);
}

export interface EntryKeyParts {
  readonly identity: string;
  readonly namespaces: readonly string[];
  /** One per namespace, same order. */
  readonly epochs: readonly number[];
  /** The operation (`query`, `metadata`, …). */
  readonly op: string;
  /** The Index's consistency: an eventual answer is never served to a strong read. */
  readonly consistency: 'strong' | 'eventual';
}

/**
 * What an entry key shares with every other request of the same operation under the same epochs:
 * a hash of the store, the namespaces with their epochs, the operation and the consistency. It
 * changes only when an epoch does, so the layer computes it once per epoch, not once per request.
 */
export function entryPrefix(parts: EntryKeyParts): string {
  const spaces = parts.namespaces.map((ns, i) => `${ns}@${parts.epochs[i] ?? 0}`).join(',');
  return sha256(`${parts.identity}\n${spaces}\n${parts.op}\n${parts.consistency}`).slice(0, 32);
}

/** The entry key inside the Index's set: the prefix and the request body's `bodyDigest`. */
export function entryKey(prefix: string, body: string): string {
  return `${prefix}.${body}`;
}
