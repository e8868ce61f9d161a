/**
 * What a turbopuffer route talks to once the namespace in the URL has been resolved: one upstream
 * namespace on one store, or (for sharded Indexes) a scatter/gather over several. The routes never
 * know which.
 */
import type { ListNamespacesParams, StoreCallContext, VectorStore } from '../stores/port.ts';
import type { Payload } from '../wire/payload.ts';
import type { Principal } from './auth.ts';

export interface NamespaceTarget {
  write(body: Payload, ctx: StoreCallContext): Promise<Payload>;
  query(body: Payload, ctx: StoreCallContext): Promise<Payload>;
  metadata(ctx: StoreCallContext): Promise<Payload>;
  getSchema(ctx: StoreCallContext): Promise<Payload>;
  updateSchema(body: Payload, ctx: StoreCallContext): Promise<Payload>;
  deleteNamespace(ctx: StoreCallContext): Promise<Payload>;
  hintCacheWarm(ctx: StoreCallContext): Promise<Payload>;
}

export interface ResolveContext {
  /** Who is asking (set by the auth hook; undefined when the server runs without auth). */
  readonly principal?: Principal | undefined;
}

export interface ResolvedTarget {
  readonly target: NamespaceTarget;
  /** The declared Index name (used as a log field and metrics label). */
  readonly index?: string;
  /** The VectorStore name serving it. */
  readonly store?: string;
}

export interface TargetResolver {
  /** Resolves a namespace named in a URL; throws HevError (404, 403, 503) when it cannot. */
  resolve(name: string, rctx: ResolveContext): ResolvedTarget;
  /** `GET /v1/namespaces`. */
  list(params: ListNamespacesParams, rctx: ResolveContext, ctx: StoreCallContext): Promise<Payload>;
}

/** A target that is exactly one namespace on one store. */
export function bindStore(store: VectorStore, ns: string): NamespaceTarget {
  return {
    write: (body, ctx) => store.write(ns, body, ctx),
    query: (body, ctx) => store.query(ns, body, ctx),
    metadata: (ctx) => store.metadata(ns, ctx),
    getSchema: (ctx) => store.getSchema(ns, ctx),
    updateSchema: (body, ctx) => store.updateSchema(ns, body, ctx),
    deleteNamespace: (ctx) => store.deleteNamespace(ns, ctx),
    hintCacheWarm: (ctx) => store.hintCacheWarm(ns, ctx),
  };
}

/**
 * Every namespace name maps to the namespace of the same name on one store: a plain
 * turbopuffer-compatible server over one store, with no Index policy. Used by the local engine's
 * own tests; the gateway's dev-only `implicitIndexes` mode goes through the Index resolver instead.
 */
export function openResolver(store: VectorStore): TargetResolver {
  return {
    resolve: (name) => ({ target: bindStore(store, name) }),
    list: (params, _rctx, ctx) => store.listNamespaces(params, ctx),
  };
}
