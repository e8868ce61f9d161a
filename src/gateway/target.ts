/**
 * What a turbopuffer route talks to once the namespace in the URL has been resolved: the dispatch
 * of one Index (targets/index-chain.ts). The route sends `{op, ns: <name in the URL>, body}`; the
 * chain decides which upstream namespace(s) and store serve it. The routes never know.
 */
import type { ResolvedSource } from '../stores/copy-source.ts';
import type { CallContext, Dispatch, ListNamespacesParams, VectorStore } from '../stores/port.ts';
import type { Payload } from '../wire/payload.ts';
import type { Principal } from './auth.ts';

export interface ResolveContext {
  /** Who is asking (set by authentication; undefined when the server runs without auth). */
  readonly principal?: Principal | undefined;
}

export interface ResolvedTarget {
  readonly dispatch: Dispatch;
  /** The declared Index name (used as a log field and metrics label). */
  readonly index?: string;
  /** The VectorStore name serving it. */
  readonly store?: string;
}

export interface TargetResolver {
  /** Resolves a namespace named in a URL; throws HevError (404, 403, 503) when it cannot. */
  resolve(name: string, rctx: ResolveContext): ResolvedTarget;
  /**
   * The copy/branch source a write to Index `name` names in its body, authorized and translated
   * (404, 403, 400); undefined when the body names none.
   */
  resolveSource(name: string, body: Payload | undefined, rctx: ResolveContext): ResolvedSource | undefined;
  /** `GET /v1/namespaces`. */
  list(params: ListNamespacesParams, rctx: ResolveContext, ctx: CallContext): Promise<Payload>;
}

/**
 * Every namespace name maps to the namespace of the same name on one store: a plain
 * turbopuffer-compatible server over one store, with no Index policy. Used by the local engine's
 * own tests; the gateway's dev-only `implicitIndexes` mode goes through the Index resolver instead.
 */
export function openResolver(store: VectorStore): TargetResolver {
  const resolved: ResolvedTarget = { dispatch: store.dispatch };
  return {
    resolve: () => resolved,
    // Names are namespaces of the one store: a source goes to the store as sent.
    resolveSource: () => undefined,
    list: (params, _rctx, ctx) => store.dispatch({ op: 'listNamespaces', ns: '', params }, ctx),
  };
}
