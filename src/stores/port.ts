/**
 * The VectorStore port: what the gateway needs from any backend that speaks the turbopuffer data
 * model. A store answers one call, `dispatch(operation, ctx)`, for every operation of the table in
 * `operations.ts`; bodies are wire bodies (Payloads), so an adapter in front of turbopuffer can pass
 * bytes through and the embedded engine can work on parsed values. Failures are thrown as
 * `HevError` (see `wire/errors.ts`); an adapter that relays an upstream error keeps the upstream
 * status and body (`HevError.rawBody`).
 */
import type { Payload } from '../wire/payload.ts';
import {
  OP_NAMES,
  specOf,
  type OPERATIONS,
  type CallContext,
  type Dispatch,
  type ListNamespacesParams,
  type OpName,
  type Operation,
} from './operations.ts';

export type { CallContext, Dispatch, ListNamespacesParams, Operation, OpName } from './operations.ts';

export type VectorStoreKind = 'local' | 'turbopuffer';

export interface VectorStore {
  readonly kind: VectorStoreKind;
  /** Runs one operation of the table (`operations.ts`). */
  readonly dispatch: Dispatch;
  /** Throws when the store cannot serve (used by `/readyz` and status). */
  ping(ctx?: CallContext): Promise<void>;
  close(): Promise<void>;
}

/** What an adapter does with each operation: one handler per entry of the table. */
export type OperationHandlers = { readonly [K in OpName]: Dispatch };

/** A dispatch that looks the handler up by operation name. */
export function dispatchTo(handlers: OperationHandlers): Dispatch {
  return (operation, ctx) => handlers[operation.op](operation, ctx);
}

/**
 * Typed calls at the edges (tests, CLI, benches): one method per operation of the table, derived
 * from it, so the list of operations is still written once.
 */
export type StoreMethods = {
  readonly [K in OpName]: (typeof OPERATIONS)[K]['scope'] extends 'store'
    ? (params?: ListNamespacesParams, ctx?: CallContext) => Promise<Payload>
    : (typeof OPERATIONS)[K]['body'] extends true
      ? (ns: string, body: Payload, ctx?: CallContext) => Promise<Payload>
      : (ns: string, ctx?: CallContext) => Promise<Payload>;
};

export function storeMethods(dispatch: Dispatch): StoreMethods {
  const methods: Record<string, unknown> = {};
  for (const op of OP_NAMES) {
    const spec = specOf(op);
    methods[op] =
      spec.scope === 'store'
        ? (params: ListNamespacesParams = {}, ctx: CallContext = {}) => dispatch({ op, ns: '', params }, ctx)
        : spec.body
          ? (ns: string, body: Payload, ctx: CallContext = {}) =>
              dispatch({ op, ns, body } satisfies Operation, ctx)
          : (ns: string, ctx: CallContext = {}) => dispatch({ op, ns } satisfies Operation, ctx);
  }
  return methods as StoreMethods;
}
