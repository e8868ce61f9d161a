/**
 * The VectorStore port: what the gateway needs from any backend that speaks the turbopuffer data
 * model. Methods mirror the turbopuffer wire API one to one and take/return wire bodies, so an
 * adapter in front of turbopuffer can pass bytes through and the embedded engine can work on
 * parsed values. Failures are thrown as `HevError` (see `wire/errors.ts`); an adapter that relays
 * an upstream error keeps the upstream status and body (`HevError.rawBody`).
 */
import type { Payload } from '../wire/payload.ts';

export interface StoreCallContext {
  /** Aborts the call (client went away, deadline passed). */
  readonly signal?: AbortSignal;
  /** Correlates logs across gateway and upstream. */
  readonly requestId?: string;
}

export interface ListNamespacesParams {
  readonly prefix?: string;
  readonly cursor?: string;
  /** 1..1000, default 100. */
  readonly pageSize?: number;
}

export type VectorStoreKind = 'local' | 'turbopuffer';

export interface VectorStore {
  readonly kind: VectorStoreKind;

  /** `POST /v2/namespaces/:ns` — returns the WriteResult body. */
  write(ns: string, body: Payload, ctx?: StoreCallContext): Promise<Payload>;
  /** `POST /v2/namespaces/:ns/query` — single query or multi-query (`queries`). */
  query(ns: string, body: Payload, ctx?: StoreCallContext): Promise<Payload>;
  /** `GET /v2/namespaces/:ns/metadata`. */
  metadata(ns: string, ctx?: StoreCallContext): Promise<Payload>;
  /** `GET /v1/namespaces/:ns/schema`. */
  getSchema(ns: string, ctx?: StoreCallContext): Promise<Payload>;
  /** `POST /v1/namespaces/:ns/schema` with the bare attribute map. */
  updateSchema(ns: string, body: Payload, ctx?: StoreCallContext): Promise<Payload>;
  /** `DELETE /v2/namespaces/:ns`. */
  deleteNamespace(ns: string, ctx?: StoreCallContext): Promise<Payload>;
  /** `GET /v1/namespaces` — `{namespaces:[{id}], next_cursor}`. */
  listNamespaces(params: ListNamespacesParams, ctx?: StoreCallContext): Promise<Payload>;
  /** `GET /v1/namespaces/:ns/hint_cache_warm` — answered with HTTP 202. */
  hintCacheWarm(ns: string, ctx?: StoreCallContext): Promise<Payload>;

  /** Throws when the store cannot serve (used by `/readyz` and status). */
  ping(ctx?: StoreCallContext): Promise<void>;
  close(): Promise<void>;
}
