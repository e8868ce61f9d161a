/**
 * The one operation table: every store operation the gateway knows, with the facts each layer of
 * the dispatch needs (HTTP routes, upstream call, limiter weight class, retry safety, how a sharded
 * Index serves it). Layers read these facts instead of naming operations, so adding an operation is
 * one entry here plus what each adapter does with it (docs/architecture.md).
 *
 * A store operation is one value, `{op, ns, body, params}`, passed down an ordered stack of layers
 * (`compose`, in the manner of undici's `Dispatcher.compose`): instrumentation, limiter, shards,
 * store pool, adapter — and the cache and scan layers to come.
 */
import type { Payload } from '../wire/payload.ts';
import type { ResolvedSource } from './copy-source.ts';

export type HttpMethod = 'GET' | 'POST' | 'DELETE' | 'PATCH';

/**
 * How a sharded Index serves the operation (shards/layer.ts):
 * - `split`: writes, divided by the id hash;
 * - `query`: scattered to every shard, answers merged;
 * - `merge-metadata` / `merge-schema`: read on every shard, merged;
 * - `schema-update`: applied on every shard (missing shards created with it);
 * - `broadcast`: sent to every shard, missing shards count as done, first answer returned;
 * - `update-metadata`: applied on every shard (missing shards count as done), merged metadata returned;
 * - `explain`: each shard explains the query it would run; the plans are labelled and concatenated;
 * - `recall`: measured on each shard, averaged (shards/namespace-ops.ts, docs/adr/sharding.md);
 * - `page`: sent to the one shard `Operation.shard` names (a scan pages each shard on its own).
 */
export type ShardStrategy =
  | 'split'
  | 'query'
  | 'merge-metadata'
  | 'merge-schema'
  | 'schema-update'
  | 'broadcast'
  | 'update-metadata'
  | 'explain'
  | 'recall'
  | 'page';

export interface OperationSpec {
  /** One line for the OpenAPI document. */
  readonly summary: string;
  /** `namespace`: addresses one namespace; `store`: the store as a whole. */
  readonly scope: 'namespace' | 'store';
  /** The turbopuffer routes a client may use for it (first = canonical, used upstream). */
  readonly routes: readonly { readonly method: HttpMethod; readonly path: string }[];
  /**
   * The upstream route, for an operation clients do not call by a turbopuffer route of its own
   * (`scanPage` is a query upstream); default: `routes[0]`.
   */
  readonly upstream?: { readonly method: HttpMethod; readonly path: string };
  /** HTTP status of a successful answer. */
  readonly status: number;
  /** Whether the request carries a JSON body. */
  readonly body: boolean;
  /** Limiter weight class (stores/limiter/weights.ts); `none` bypasses the limiter. */
  readonly weight: 'query' | 'other' | 'none';
  /**
   * `idempotent`: may be retried after the request reached the upstream; `unsafe`: only when the
   * connection failed before a byte was sent (stores/turbopuffer/retry-policy.ts).
   */
  readonly safety: 'idempotent' | 'unsafe';
  /** Reads change nothing; writes change data or schema. */
  readonly access: 'read' | 'write';
  readonly shards: ShardStrategy;
  /** How a sharded Index words a partial failure of a `broadcast` (shards/shard-errors.ts). */
  readonly fanOutFailure?: { readonly name: string; readonly hint: string };
  /**
   * The body may name another namespace (`copy_from_namespace` / `branch_from_namespace`): the
   * gateway resolves it as an Index the caller may read before dispatching (Operation.source).
   */
  readonly namesSource?: boolean;
  /**
   * What the read cache (cache/layer.ts) may keep of the answer: `result` (query answers, keyed by
   * the request body, full ttl), `metadata` (namespace facts, a short ttl), `none`. Only reads are
   * cached; every `write` invalidates its namespaces whatever this says.
   */
  readonly cache: 'result' | 'metadata' | 'none';
}

export const OPERATIONS = {
  write: {
    summary: 'Write documents (upsert, patch, delete, conditional, by filter)',
    scope: 'namespace',
    routes: [{ method: 'POST', path: '/v2/namespaces/:ns' }],
    status: 200,
    body: true,
    weight: 'other',
    safety: 'unsafe',
    access: 'write',
    shards: 'split',
    cache: 'none',
    namesSource: true,
  },
  query: {
    summary: 'Query or multi-query (`queries`)',
    scope: 'namespace',
    routes: [{ method: 'POST', path: '/v2/namespaces/:ns/query' }],
    status: 200,
    body: true,
    weight: 'query',
    safety: 'idempotent',
    access: 'read',
    shards: 'query',
    cache: 'result',
  },
  metadata: {
    summary: 'Namespace metadata',
    scope: 'namespace',
    routes: [
      { method: 'GET', path: '/v2/namespaces/:ns/metadata' },
      { method: 'GET', path: '/v1/namespaces/:ns/metadata' },
    ],
    status: 200,
    body: false,
    weight: 'other',
    safety: 'idempotent',
    access: 'read',
    shards: 'merge-metadata',
    cache: 'metadata',
  },
  /** Pinning (a turbopuffer-cloud provisioning setting); answers the full metadata. */
  updateMetadata: {
    summary: 'Update namespace metadata (pinning)',
    scope: 'namespace',
    routes: [{ method: 'PATCH', path: '/v1/namespaces/:ns/metadata' }],
    status: 200,
    body: true,
    weight: 'other',
    // Sets a value: replaying it converges.
    safety: 'idempotent',
    access: 'write',
    shards: 'update-metadata',
    cache: 'none',
    fanOutFailure: { name: 'metadata update', hint: 'Retrying the same update converges.' },
  },
  /** The query plan of a query body (`{"plan_text": "…"}`); weighed like the query it explains. */
  explainQuery: {
    summary: 'Explain the plan of a query',
    scope: 'namespace',
    routes: [{ method: 'POST', path: '/v2/namespaces/:ns/explain_query' }],
    status: 200,
    body: true,
    weight: 'query',
    safety: 'idempotent',
    access: 'read',
    shards: 'explain',
    cache: 'none',
  },
  /** Recall of the ANN index against exhaustive search over sampled queries (a debug endpoint). */
  recall: {
    summary: 'Evaluate ANN recall (debug)',
    scope: 'namespace',
    routes: [{ method: 'POST', path: '/v1/namespaces/:ns/_debug/recall' }],
    status: 200,
    body: true,
    weight: 'other',
    safety: 'idempotent',
    access: 'read',
    shards: 'recall',
    cache: 'none',
  },
  getSchema: {
    summary: 'Namespace schema',
    scope: 'namespace',
    routes: [{ method: 'GET', path: '/v1/namespaces/:ns/schema' }],
    status: 200,
    body: false,
    weight: 'other',
    safety: 'idempotent',
    access: 'read',
    shards: 'merge-schema',
    cache: 'metadata',
  },
  updateSchema: {
    summary: 'Update the schema (bare attribute map)',
    scope: 'namespace',
    routes: [{ method: 'POST', path: '/v1/namespaces/:ns/schema' }],
    status: 200,
    body: true,
    weight: 'other',
    safety: 'unsafe',
    access: 'write',
    shards: 'schema-update',
    cache: 'none',
  },
  // Not retried after the request left: a replayed delete could remove a namespace that a
  // concurrent writer has just re-created (docs/adr/turbopuffer-adapter.md).
  deleteNamespace: {
    summary: 'Delete the namespace (all shards of a sharded Index)',
    scope: 'namespace',
    routes: [
      { method: 'DELETE', path: '/v2/namespaces/:ns' },
      { method: 'DELETE', path: '/v1/namespaces/:ns' },
    ],
    status: 200,
    body: false,
    weight: 'other',
    safety: 'unsafe',
    access: 'write',
    shards: 'broadcast',
    cache: 'none',
    fanOutFailure: { name: 'namespace delete', hint: 'Retrying the delete converges.' },
  },
  hintCacheWarm: {
    summary: 'Hint the upstream to warm its cache',
    scope: 'namespace',
    routes: [{ method: 'GET', path: '/v1/namespaces/:ns/hint_cache_warm' }],
    status: 202,
    body: false,
    weight: 'other',
    safety: 'idempotent',
    access: 'read',
    shards: 'broadcast',
    cache: 'none',
    fanOutFailure: { name: 'cache warm hint', hint: 'The hint can be repeated.' },
  },
  /**
   * One page of a scan (scan/): a query body ranked by `["id","asc"]` after the shard's last id,
   * sent to the one shard `Operation.shard` names. No turbopuffer route of its own (clients scan
   * with `POST /hevlayer/v1/indexes/:name/scan`); upstream it is a query, limited like one.
   */
  scanPage: {
    summary: 'One page of one shard of a scan',
    scope: 'namespace',
    routes: [],
    upstream: { method: 'POST', path: '/v2/namespaces/:ns/query' },
    status: 200,
    body: true,
    weight: 'query',
    safety: 'idempotent',
    access: 'read',
    shards: 'page',
    cache: 'none',
  },
  listNamespaces: {
    summary: 'List declared Indexes visible to the caller',
    scope: 'store',
    routes: [{ method: 'GET', path: '/v1/namespaces' }],
    status: 200,
    body: false,
    weight: 'none',
    safety: 'idempotent',
    access: 'read',
    shards: 'broadcast',
    cache: 'none',
  },
} as const satisfies Record<string, OperationSpec>;

export type OpName = keyof typeof OPERATIONS;

export const OP_NAMES = Object.keys(OPERATIONS) as OpName[];

export function specOf(op: OpName): OperationSpec {
  return OPERATIONS[op];
}

export interface ListNamespacesParams {
  readonly prefix?: string;
  readonly cursor?: string;
  /** 1..1000, default 100. */
  readonly pageSize?: number;
}

/** One store operation. `ns` is '' for store-scoped operations. */
export interface Operation {
  readonly op: OpName;
  readonly ns: string;
  /** The JSON body, for operations whose spec has `body: true`. */
  readonly body?: Payload | undefined;
  /** `listNamespaces` only. */
  readonly params?: ListNamespacesParams | undefined;
  /**
   * The copy/branch source the body names, resolved and authorized by the gateway; the shards
   * layer writes its upstream namespace into the body (stores/copy-source.ts).
   */
  readonly source?: ResolvedSource | undefined;
  /**
   * Addresses shard i of the Index only (scans page and probe each shard on its own); the shards
   * layer routes it, and the read cache does not keep it (it is not the Index's answer).
   */
  readonly shard?: number | undefined;
}

export interface CallContext {
  /** Aborts the call (client went away, deadline passed, shutdown). */
  readonly signal?: AbortSignal | undefined;
  /** Correlates logs across gateway and upstream. */
  readonly requestId?: string | undefined;
  /** Set by the caller that wants to know what the read cache did (the `x-hevlayer-cache` header). */
  readonly cache?: CacheReport | undefined;
}

/** What the read cache did for one call: `coalesced` = answered by an identical in-flight miss. */
export type CacheOutcome = 'hit' | 'miss' | 'bypass' | 'coalesced';

/** A per-call slot the cache layer fills in (the dispatch itself returns only the payload). */
export interface CacheReport {
  outcome?: CacheOutcome;
}

export type Dispatch = (operation: Operation, ctx: CallContext) => Promise<Payload>;

/** A layer wraps the dispatch below it; it handles what it cares about and passes the rest on. */
export type Layer = (next: Dispatch) => Dispatch;

/** `compose([a, b, c], base)` = a(b(c(base))): the first layer sees an operation first. */
export function compose(layers: readonly Layer[], base: Dispatch): Dispatch {
  let dispatch = base;
  for (let i = layers.length - 1; i >= 0; i--) dispatch = (layers[i] as Layer)(dispatch);
  return dispatch;
}

/** The operation's body; a programming error (not a client error) when an op that needs one has none. */
export function bodyOf(operation: Operation): Payload {
  if (operation.body === undefined) throw new TypeError(`operation ${operation.op} needs a body`);
  return operation.body;
}
