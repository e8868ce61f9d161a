/**
 * A dispatch layer that times every store operation (by operation and outcome) without touching
 * payloads. Outcome is `ok`, the HTTP status class of a HevError (`4xx`, `5xx`), or `error` for
 * anything else. It runs on every upstream call, so it adds no promise of its own and asks for each
 * (operation, outcome) recorder once.
 */
import type { Layer } from '../operations.ts';
import { isHevError } from '../../wire/errors.ts';

/** Returns the recorder for one (operation, outcome) pair; called once per pair. */
export type CallRecorderFactory = (op: string, outcome: string) => (seconds: number) => void;

function outcomeOf(err: unknown): string {
  if (!isHevError(err)) return 'error';
  return err.status >= 500 ? '5xx' : '4xx';
}

export function instrumentLayer(recorder: CallRecorderFactory): Layer {
  const recorders = new Map<string, (seconds: number) => void>();
  const record = (op: string, outcome: string, started: number): void => {
    const key = `${op} ${outcome}`;
    let observe = recorders.get(key);
    if (observe === undefined) {
      observe = recorder(op, outcome);
      recorders.set(key, observe);
    }
    observe((performance.now() - started) / 1000);
  };
  return (next) => (operation, ctx) => {
    const started = performance.now();
    let pending;
    try {
      pending = next(operation, ctx);
    } catch (err) {
      record(operation.op, outcomeOf(err), started);
      return Promise.reject(err as Error);
    }
    return pending.then(
      (result) => {
        record(operation.op, 'ok', started);
        return result;
      },
      (err: unknown) => {
        record(operation.op, outcomeOf(err), started);
        throw err;
      },
    );
  };
}
