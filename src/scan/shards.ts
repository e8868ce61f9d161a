/**
 * Which shards of an Index a scan pages: the upstream namespaces that exist (a shard never written
 * answers 404 to its metadata and is skipped), with their approximate row counts (the CLI's ETA).
 * Each probe is one metadata call pinned to one shard (`Operation.shard`), at most `fanOut` at once.
 */
import { scatter } from '../shards/scatter.ts';
import { isNotFound, readFailure } from '../shards/shard-errors.ts';
import type { CallContext, Dispatch } from '../stores/operations.ts';
import { isRecord } from '../wire/guards.ts';

export interface ActiveShards {
  /** Shard numbers that exist upstream, ascending. */
  readonly active: readonly number[];
  /** Sum of their `approx_row_count` (0 when the upstream does not say). */
  readonly approxRows: number;
}

export async function probeShards(
  dispatch: Dispatch,
  index: string,
  shards: readonly number[],
  fanOut: number,
  ctx: CallContext,
): Promise<ActiveShards> {
  const { settled, firstFailure } = await scatter(
    shards,
    { fanOut, signal: ctx.signal, failFast: true },
    async (shard, signal) => {
      try {
        const meta = (await dispatch({ op: 'metadata', ns: index, shard }, { ...ctx, signal })).value();
        const count = isRecord(meta) ? meta.approx_row_count : undefined;
        return { exists: true, rows: typeof count === 'number' ? count : 0 };
      } catch (err) {
        if (isNotFound(err)) return { exists: false, rows: 0 };
        throw err;
      }
    },
  );
  if (firstFailure !== undefined) {
    throw readFailure(firstFailure.shard, firstFailure.error, (i) => `shard ${i} of Index ${index}`);
  }
  const found = settled.flatMap((s) =>
    s.ok && s.value.exists ? [{ shard: s.shard, rows: s.value.rows }] : [],
  );
  return { active: found.map((f) => f.shard), approxRows: found.reduce((sum, f) => sum + f.rows, 0) };
}
