/**
 * The document cache: single documents, keyed by id, in the Index's set of the read cache, filled
 * by the cache warmer (scan/warmer.ts) from scanned rows and read by id lookups — queries whose
 * only filter is `["id","Eq",x]` or `["id","In",[…]]`, ranked by id (PRODUCT.md "Cache contents").
 * A lookup is answered from the cache only when every id is present; otherwise it goes upstream.
 *
 * Strong consistency holds the same way as for results (docs/adr/read-cache.md): a document's key
 * holds the write epochs of the Index's upstream namespaces current when its scan *started*, so a
 * write during or after warming moves the epochs and the warmed entries are never read again.
 */
import { isRecord } from '../wire/guards.ts';
import { Payload } from '../wire/payload.ts';
import { bodyDigest, canonicalJson, entryKey, entryPrefix } from './keys.ts';
import type { CacheRuntime } from './runtime.ts';

/** More ids than this go upstream: one cache read per id would cost more than it saves. */
export const MAX_LOOKUP_IDS = 256;

/** Where an Index's documents live and under which epochs. */
export interface DocumentScope {
  readonly index: string;
  readonly set: string;
  readonly identity: string;
  readonly namespaces: readonly string[];
  readonly epochs: readonly number[];
  /** The Index's consistency (part of every entry key, keys.ts). */
  readonly consistency: 'strong' | 'eventual';
}

export interface IdLookup {
  readonly ids: readonly unknown[];
  /** `true`: every attribute; `false`: id only; a list: those (missing ones as null). */
  readonly include: boolean | readonly string[];
  readonly descending: boolean;
  readonly limit: number;
}

const LOOKUP_KEYS = new Set(['rank_by', 'filters', 'top_k', 'limit', 'include_attributes', 'consistency']);

function isId(value: unknown): boolean {
  return (
    typeof value === 'string' ||
    typeof value === 'bigint' ||
    (typeof value === 'number' && Number.isInteger(value))
  );
}

/** The id lookup a query body is, or undefined when it is any other query. */
export function idLookup(body: unknown): IdLookup | undefined {
  if (!isRecord(body) || Object.keys(body).some((k) => !LOOKUP_KEYS.has(k))) return undefined;
  const rank = body.rank_by;
  if (
    !Array.isArray(rank) ||
    rank.length !== 2 ||
    rank[0] !== 'id' ||
    (rank[1] !== 'asc' && rank[1] !== 'desc')
  ) {
    return undefined;
  }
  const f = body.filters;
  if (!Array.isArray(f) || f.length !== 3 || f[0] !== 'id') return undefined;
  const ids = f[1] === 'Eq' ? [f[2]] : f[1] === 'In' && Array.isArray(f[2]) ? (f[2] as unknown[]) : undefined;
  if (ids === undefined || ids.length === 0 || ids.length > MAX_LOOKUP_IDS || !ids.every(isId))
    return undefined;
  const limit = body.top_k ?? body.limit;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1) return undefined;
  const include = body.include_attributes ?? false;
  if (
    typeof include !== 'boolean' &&
    !(Array.isArray(include) && include.every((a) => typeof a === 'string'))
  ) {
    return undefined;
  }
  return { ids, include: include as IdLookup['include'], descending: rank[1] === 'desc', limit };
}

export function documentKey(scope: DocumentScope, id: unknown): string {
  return entryKey(entryPrefix({ ...scope, op: 'document' }), bodyDigest(id));
}

function compareIds(a: unknown, b: unknown): number {
  if (typeof a === 'string' || typeof b === 'string')
    return String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0;
  const x = BigInt(a as number | bigint);
  const y = BigInt(b as number | bigint);
  return x < y ? -1 : x > y ? 1 : 0;
}

function project(row: Record<string, unknown>, include: IdLookup['include']): Record<string, unknown> {
  if (include === true) return row;
  if (include === false) return { id: row.id };
  const out: Record<string, unknown> = { id: row.id };
  for (const name of include) if (name !== 'id') out[name] = row[name] ?? null;
  return out;
}

/**
 * The answer to an id lookup from the document cache, or undefined (some id is not cached, or an
 * included attribute is on none of the documents: only the upstream knows whether it exists).
 */
export async function documentAnswer(
  runtime: CacheRuntime,
  scope: DocumentScope,
  lookup: IdLookup,
): Promise<Payload | undefined> {
  const unique = [...new Map(lookup.ids.map((id) => [canonicalJson(id), id])).values()];
  const found = await runtime.call(scope.index, 'get', () =>
    Promise.all(unique.map((id) => runtime.store.get(scope.set, documentKey(scope, id)))),
  );
  if (found === undefined || found.value.some((b) => b === undefined)) return undefined;
  const rows = found.value.map((b) => Payload.fromBytes(b as Buffer).value() as Record<string, unknown>);
  const include = lookup.include;
  if (Array.isArray(include) && !include.every((a) => a === 'id' || rows.some((r) => a in r)))
    return undefined;
  rows.sort((a, b) => compareIds(a.id, b.id) * (lookup.descending ? -1 : 1));
  return Payload.fromValue({
    rows: rows.slice(0, lookup.limit).map((r) => project(r, include)),
    billing: { billable_logical_bytes_queried: 0, billable_logical_bytes_returned: 0 },
    performance: { cache_hit_ratio: 1, cache_temperature: 'hot', server_total_ms: 0, query_execution_ms: 0 },
  });
}

/** A document ready to keep: its id and its serialized row (every attribute). */
export interface Document {
  readonly id: unknown;
  readonly value: Buffer;
}

export function toDocument(row: Record<string, unknown>): Document {
  return { id: row.id, value: Payload.fromValue(row).bytes() };
}

/** Bytes of a document as the CacheStore counts them (cache/port.ts entryBytes: key + value). */
export function documentBytes(scope: DocumentScope, document: Document): number {
  return Buffer.byteLength(documentKey(scope, document.id)) + document.value.length;
}

/**
 * Keeps documents under `scope.epochs`, each for `ttlMs`, in the Index's set (capped at `capBytes`).
 * `unavailable` when a cache call failed (the warmer stops).
 */
export async function storeDocuments(
  runtime: CacheRuntime,
  scope: DocumentScope,
  documents: readonly Document[],
  ttlMs: number,
  capBytes: number,
): Promise<{ unavailable: boolean; bytes: number; stored: number }> {
  const outcomes = await Promise.all(
    documents.map((d) =>
      runtime.set(scope.index, scope.set, documentKey(scope, d.id), d.value, ttlMs, capBytes),
    ),
  );
  let bytes = 0;
  let stored = 0;
  outcomes.forEach((outcome, i) => {
    if (outcome?.value !== 'stored') return;
    bytes += documentBytes(scope, documents[i] as Document);
    stored++;
  });
  return { unavailable: outcomes.includes(undefined), bytes, stored };
}
