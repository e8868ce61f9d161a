/**
 * Bounded-concurrency scatter over shards: at most `fanOut` shard calls in flight, each given an
 * AbortSignal that follows the caller's.
 */

export type Settled<T> =
  | { readonly shard: number; readonly ok: true; readonly value: T }
  | { readonly shard: number; readonly ok: false; readonly error: unknown };

export interface ScatterOptions {
  readonly fanOut: number;
  readonly signal?: AbortSignal | undefined;
  /**
   * Stop starting new calls and abort the ones in flight at the first failure (reads: the
   * request fails anyway). Writes keep going, so the error can say which shards applied.
   */
  readonly failFast: boolean;
}

export interface ScatterResult<T> {
  /** One entry per shard, in the order given. */
  readonly settled: readonly Settled<T>[];
  /** The failure that happened first in time (with failFast, the others are mostly aborts). */
  readonly firstFailure: { readonly shard: number; readonly error: unknown } | undefined;
}

/** Calls `call(shard, signal)` for every shard in `shards`. Never rejects. */
export async function scatter<T>(
  shards: readonly number[],
  options: ScatterOptions,
  call: (shard: number, signal: AbortSignal) => Promise<T>,
): Promise<ScatterResult<T>> {
  const controller = new AbortController();
  const signal =
    options.signal === undefined ? controller.signal : AbortSignal.any([options.signal, controller.signal]);
  const results: Settled<T>[] = new Array<Settled<T>>(shards.length);
  let next = 0;
  let firstFailure: ScatterResult<T>['firstFailure'];
  const worker = async (): Promise<void> => {
    while (next < shards.length) {
      const i = next++;
      const shard = shards[i] as number;
      if (firstFailure !== undefined && options.failFast) {
        results[i] = { shard, ok: false, error: new Error('not started: another shard failed first') };
        continue;
      }
      try {
        signal.throwIfAborted();
        results[i] = { shard, ok: true, value: await call(shard, signal) };
      } catch (error) {
        results[i] = { shard, ok: false, error };
        if (firstFailure === undefined) {
          firstFailure = { shard, error };
          if (options.failFast) controller.abort(error);
        }
      }
    }
  };
  const width = Math.max(1, Math.min(options.fanOut, shards.length));
  await Promise.all(Array.from({ length: width }, worker));
  return { settled: results, firstFailure };
}
