/**
 * A VectorStore decorator that times every call (by store name, operation and outcome) without
 * touching payloads. Outcome is `ok`, the HTTP status class of a HevError (`4xx`, `5xx`), or
 * `error` for anything else.
 */
import type { VectorStore } from '../port.ts';
import { isHevError } from '../../wire/errors.ts';

export interface CallObserver {
  (sample: { store: string; op: string; outcome: string; seconds: number }): void;
}

type Op = Exclude<keyof VectorStore, 'kind' | 'close'>;
const OPS: readonly Op[] = [
  'write',
  'query',
  'metadata',
  'getSchema',
  'updateSchema',
  'deleteNamespace',
  'listNamespaces',
  'hintCacheWarm',
  'ping',
];

function outcomeOf(err: unknown): string {
  if (!isHevError(err)) return 'error';
  return err.status >= 500 ? '5xx' : '4xx';
}

export function withInstrumentation(
  store: VectorStore,
  storeName: string,
  observe: CallObserver,
): VectorStore {
  const wrapped: Record<string, unknown> = { kind: store.kind, close: () => store.close() };
  for (const op of OPS) {
    const call = store[op] as (...args: unknown[]) => Promise<unknown>;
    wrapped[op] = async (...args: unknown[]) => {
      const started = process.hrtime.bigint();
      const seconds = () => Number(process.hrtime.bigint() - started) / 1e9;
      try {
        const result = await call.apply(store, args);
        observe({ store: storeName, op, outcome: 'ok', seconds: seconds() });
        return result;
      } catch (err) {
        observe({ store: storeName, op, outcome: outcomeOf(err), seconds: seconds() });
        throw err;
      }
    };
  }
  return wrapped as unknown as VectorStore;
}
