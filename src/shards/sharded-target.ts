/**
 * A NamespaceTarget over the N upstream namespaces of a sharded Index: writes are split by the id
 * hash, everything else is scattered to all shards (at most `fanOut` calls in flight) and the
 * answers merged into what one namespace holding all documents would answer.
 *
 * A shard namespace that does not exist yet (no document ever hashed to it) answers 404; that is
 * an empty shard, not an error, as long as some shard of the Index exists. Only when every shard
 * is missing does the Index answer 404, like a namespace that was never written.
 */
import type { NamespaceTarget } from '../gateway/target.ts';
import type { StoreCallContext } from '../stores/port.ts';
import { Payload } from '../wire/payload.ts';
import { mergeQueryResponses } from './merge-query.ts';
import { mergeMetadata, mergeSchemas } from './merge-namespace.ts';
import { emptyWriteResult, mergeWriteResults } from './merge-write.ts';
import { planQuery } from './query-plan.ts';
import { scatter, type Settled } from './scatter.ts';
import { fanOutFailure, indexNotFound, isNotFound, readFailure, type ShardLabel } from './shard-errors.ts';
import { splitWrite, type WriteBody } from './split-write.ts';

export interface ShardedTargetOptions {
  /** Max concurrent shard calls of one request (the caller clamps it to scan.threads/server cap). */
  readonly fanOut: number;
  /** Names for error messages, e.g. the upstream namespaces; default `shard <i>`. */
  readonly shardNames?: readonly string[];
}

const WRITE_RETRY_HINT = 'Upserts and deletes are idempotent: retrying the same request converges.';

type Found<T> =
  { readonly found: true; readonly value: T } | { readonly found: false; readonly error: unknown };

function ctxWith(ctx: StoreCallContext, signal: AbortSignal): StoreCallContext {
  return ctx.requestId === undefined ? { signal } : { signal, requestId: ctx.requestId };
}

/** Missing shards count as done; every shard missing is the Index's 404. */
function missingAsDone(settled: readonly Settled<unknown>[]): Settled<unknown>[] {
  const missing = settled.filter((s) => !s.ok && isNotFound(s.error));
  if (missing.length === settled.length && missing[0] !== undefined && !missing[0].ok) {
    throw indexNotFound(missing[0].error, settled.length);
  }
  return settled.map((s) =>
    !s.ok && isNotFound(s.error) ? { shard: s.shard, ok: true, value: undefined } : s,
  );
}

/** Creates the scatter/gather target; `shards[i]` is shard i (upstream `<namespace>-<i>`). */
export function createShardedTarget(
  shards: readonly NamespaceTarget[],
  options: ShardedTargetOptions,
): NamespaceTarget {
  if (shards.length === 0) throw new RangeError('a sharded target needs at least one shard');
  if (!Number.isInteger(options.fanOut) || options.fanOut < 1) {
    throw new RangeError(`fanOut must be a positive integer, got ${options.fanOut}`);
  }
  const all = shards.map((_, i) => i);
  const label: ShardLabel = (i) => {
    const name = options.shardNames?.[i];
    return name === undefined ? `shard ${i}` : `shard ${i} (${name})`;
  };
  const shard = (i: number): NamespaceTarget => shards[i] as NamespaceTarget;

  /** Calls every shard in `targets`; a write-like fan-out keeps going after a failure. */
  async function sendAll<T>(
    targets: readonly number[],
    ctx: StoreCallContext,
    call: (target: NamespaceTarget, c: StoreCallContext, i: number) => Promise<T>,
  ): Promise<readonly Settled<T>[]> {
    const { settled } = await scatter(
      targets,
      { fanOut: options.fanOut, signal: ctx.signal, failFast: false },
      (i, signal) => call(shard(i), ctxWith(ctx, signal), i),
    );
    return settled;
  }

  /** A read on every shard: the first real failure fails it; missing shards are left out. */
  async function readAll<T>(
    ctx: StoreCallContext,
    call: (target: NamespaceTarget, c: StoreCallContext) => Promise<T>,
  ): Promise<T[]> {
    const { settled, firstFailure } = await scatter<Found<T>>(
      all,
      { fanOut: options.fanOut, signal: ctx.signal, failFast: true },
      async (i, signal) => {
        try {
          return { found: true, value: await call(shard(i), ctxWith(ctx, signal)) };
        } catch (error) {
          if (isNotFound(error)) return { found: false, error };
          throw error;
        }
      },
    );
    if (firstFailure !== undefined) throw readFailure(firstFailure.shard, firstFailure.error, label);
    const answers = settled.flatMap((s) => (s.ok ? [s.value] : []));
    const found = answers.flatMap((a) => (a.found ? [a.value] : []));
    const [first] = answers;
    if (found.length === 0 && first !== undefined && !first.found)
      throw indexNotFound(first.error, shards.length);
    return found;
  }

  /** True when one of `others` exists: then a 404 from the rest just means "empty shard". */
  async function anyExists(others: readonly number[], ctx: StoreCallContext): Promise<boolean> {
    if (others.length === 0) return false;
    return (await sendAll(others, ctx, (t, c) => t.metadata(c))).some((s) => s.ok);
  }

  return {
    async write(body, ctx) {
      const { parts, idOrder } = splitWrite(body.value(), shards.length);
      const part = (i: number) => parts[i] as WriteBody;
      const targets = all.filter((i) => parts[i] !== undefined);
      const settled = await sendAll(targets, ctx, async (t, c, i) =>
        (await t.write(Payload.fromBytes(Payload.fromValue(part(i)).bytes()), c)).value(),
      );
      // A shard namespace that does not exist has nothing to patch or delete; a part that upserts
      // or declares a schema creates its namespace, so a 404 there is a real failure.
      const creates = (i: number) =>
        ['upsert_rows', 'upsert_columns', 'schema'].some((k) => part(i)[k] !== undefined);
      const missing = settled.filter((s) => !s.ok && isNotFound(s.error)).map((s) => s.shard);
      let missingIsEmpty = missing.length > 0 && !missing.some(creates);
      if (missingIsEmpty && missing.length === targets.length) {
        missingIsEmpty = await anyExists(
          all.filter((i) => !targets.includes(i)),
          ctx,
        );
      }
      const outcomes = settled.map((s): Settled<unknown> =>
        !s.ok && missingIsEmpty && missing.includes(s.shard)
          ? { shard: s.shard, ok: true, value: emptyWriteResult(part(s.shard)) }
          : s,
      );
      if (outcomes.some((o) => !o.ok)) {
        if (
          missing.length === targets.length &&
          !missingIsEmpty &&
          settled[0] !== undefined &&
          !settled[0].ok
        ) {
          throw indexNotFound(settled[0].error, shards.length);
        }
        throw fanOutFailure('write', outcomes, label, WRITE_RETRY_HINT);
      }
      return Payload.fromValue(
        mergeWriteResults(
          outcomes.map((o) => (o.ok ? o.value : undefined)),
          idOrder,
        ),
      );
    },

    async query(body, ctx) {
      const { shardRequest, plan } = planQuery(body.value());
      const bytes = Payload.fromValue(shardRequest).bytes();
      const responses = await readAll(ctx, async (t, c) =>
        (await t.query(Payload.fromBytes(bytes), c)).value(),
      );
      return Payload.fromValue(mergeQueryResponses(plan, responses));
    },

    async metadata(ctx) {
      return Payload.fromValue(
        mergeMetadata(await readAll(ctx, async (t, c) => (await t.metadata(c)).value())),
      );
    },

    async getSchema(ctx) {
      return Payload.fromValue(
        mergeSchemas(await readAll(ctx, async (t, c) => (await t.getSchema(c)).value())),
      );
    },

    async updateSchema(body, ctx) {
      const bytes = Payload.fromValue(body.value()).bytes();
      const settled = await sendAll(all, ctx, async (t, c) =>
        (await t.updateSchema(Payload.fromBytes(bytes), c)).value(),
      );
      const updated = settled.flatMap((s) => (s.ok ? [s.value] : []));
      const missing = settled.filter((s) => !s.ok && isNotFound(s.error)).map((s) => s.shard);
      if (missing.length === shards.length) {
        throw indexNotFound((settled[0] as { error: unknown }).error, shards.length);
      }
      let outcomes: readonly Settled<unknown>[] = settled;
      if (missing.length > 0 && updated.length > 0) {
        // A shard that does not exist yet is created with the schema, so that its first documents
        // are not typed by inference differently from the other shards.
        const writeBody = Buffer.from(`{"schema":${bytes.toString('utf8')}}`, 'utf8');
        const created = await sendAll(missing, ctx, (t, c) => t.write(Payload.fromBytes(writeBody), c));
        outcomes = settled.map((s) => created.find((c) => c.shard === s.shard) ?? s);
      }
      if (outcomes.some((o) => !o.ok)) {
        throw fanOutFailure('schema update', outcomes, label, 'Retrying the same schema update converges.');
      }
      return Payload.fromValue(mergeSchemas(updated));
    },

    async deleteNamespace(ctx) {
      const outcomes = missingAsDone(
        await sendAll(all, ctx, async (t, c) => (await t.deleteNamespace(c)).value()),
      );
      if (outcomes.some((o) => !o.ok))
        throw fanOutFailure('namespace delete', outcomes, label, 'Retrying the delete converges.');
      return Payload.fromValue(firstValue(outcomes) ?? { status: 'OK' });
    },

    async hintCacheWarm(ctx) {
      const outcomes = missingAsDone(
        await sendAll(all, ctx, async (t, c) => (await t.hintCacheWarm(c)).value()),
      );
      if (outcomes.some((o) => !o.ok))
        throw fanOutFailure('cache warm hint', outcomes, label, 'The hint can be repeated.');
      return Payload.fromValue(
        firstValue(outcomes) ?? { status: 'ACCEPTED', message: 'cache warm hint accepted' },
      );
    },
  };
}

function firstValue(outcomes: readonly Settled<unknown>[]): unknown {
  for (const o of outcomes) if (o.ok && o.value !== undefined) return o.value;
  return undefined;
}
