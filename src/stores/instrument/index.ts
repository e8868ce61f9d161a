/**
 * A VectorStore decorator that times every call (by operation and outcome) without touching
 * payloads. Outcome is `ok`, the HTTP status class of a HevError (`4xx`, `5xx`), or `error` for
 * anything else. It runs on every upstream call, so it adds no promise of its own and asks for each
 * (operation, outcome) recorder once.
 */
import type { VectorStore } from '../port.ts';
import { isHevError } from '../../wire/errors.ts';

/** Returns the recorder for one (operation, outcome) pair; called once per pair. */
export type CallRecorderFactory = (op: string, outcome: string) => (seconds: number) => void;

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

export function withInstrumentation(store: VectorStore, recorder: CallRecorderFactory): VectorStore {
  const wrapped: Record<string, unknown> = { kind: store.kind, close: () => store.close() };
  for (const op of OPS) {
    const call = store[op] as (...args: unknown[]) => Promise<unknown>;
    const byOutcome = new Map<string, (seconds: number) => void>();
    const record = (outcome: string, started: number): void => {
      let observe = byOutcome.get(outcome);
      if (observe === undefined) {
        observe = recorder(op, outcome);
        byOutcome.set(outcome, observe);
      }
      observe((performance.now() - started) / 1000);
    };
    wrapped[op] = (...args: unknown[]) => {
      const started = performance.now();
      let pending: Promise<unknown>;
      try {
        pending = call.apply(store, args);
      } catch (err) {
        record(outcomeOf(err), started);
        return Promise.reject(err as Error);
      }
      return pending.then(
        (result) => {
          record('ok', started);
          return result;
        },
        (err: unknown) => {
          record(outcomeOf(err), started);
          throw err;
        },
      );
    };
  }
  return wrapped as unknown as VectorStore;
}
