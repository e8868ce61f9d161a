/**
 * The shards layer of an Index's dispatch: the Index name in an operation becomes its upstream
 * namespace(s). With one upstream namespace that is all it does. With N (a sharded Index), writes
 * are split by the id hash, everything else is scattered to all shards (at most `fanOut` calls in
 * flight) and the answers merged into what one namespace holding all documents would answer; how
 * each operation is served is its `shards` strategy in the operation table.
 *
 * A shard namespace that does not exist yet (no document ever hashed to it) answers 404; that is
 * an empty shard, not an error, as long as some shard of the Index exists. Only when every shard
 * is missing does the Index answer 404, like a namespace that was never written.
 *
 * The shards keep one schema (schema-sync.ts): a write is judged against the Index schema and its
 * schema additions reach every shard before its rows; queries repair a shard that lacks an
 * attribute the Index knows, and order merged rows by the attributes' types.
 */
import {
  bodyOf,
  specOf,
  type CallContext,
  type Dispatch,
  type Layer,
  type Operation,
  type OpName,
  type OperationSpec,
  type ShardStrategy,
} from '../stores/operations.ts';
import type { ResolvedSource } from '../stores/copy-source.ts';
import { isHevError } from '../wire/errors.ts';
import { Payload } from '../wire/payload.ts';
import { explainAndRecall } from './explain-recall.ts';
import { COPY_RETRY_HINT, planCopy } from './copy-plan.ts';
import { mergeQueryResponses } from './merge-query.ts';
import { mergeMetadata, mergeSchemas } from './merge-namespace.ts';
import { emptyWriteResult, mergeWriteResults } from './merge-write.ts';
import { orderedAttributes, planQuery } from './query-plan.ts';
import { scatter, type Settled } from './scatter.ts';
import { createSchemaSync } from './schema-sync.ts';
import { fanOutFailure, indexNotFound, isNotFound, readFailure, type ShardLabel } from './shard-errors.ts';
import { splitWrite, type WriteBody } from './split-write.ts';

export interface ShardsLayerOptions {
  /** The Index's upstream namespaces: shard i is `namespaces[i]`. */
  readonly namespaces: readonly string[];
  /** Max concurrent shard calls of one request (registry/fan-out.ts: scan.threads, server cap). */
  readonly fanOut: number;
}

const WRITE_RETRY_HINT = 'Upserts and deletes are idempotent: retrying the same request converges.';

type Found<T> =
  { readonly found: true; readonly value: T } | { readonly found: false; readonly error: unknown };

function ctxWith(ctx: CallContext, signal: AbortSignal): CallContext {
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

export function shardsLayer(options: ShardsLayerOptions): Layer {
  const names = options.namespaces;
  if (names.length === 0) throw new RangeError('an Index needs at least one upstream namespace');
  if (!Number.isInteger(options.fanOut) || options.fanOut < 1) {
    throw new RangeError(`fanOut must be a positive integer, got ${options.fanOut}`);
  }
  if (names.length === 1) {
    const ns = names[0] as string;
    return (next) => (operation, ctx) => {
      if (specOf(operation.op).scope !== 'namespace') return next(operation, ctx);
      if (pinnedShard(operation, 1) !== undefined) return next({ ...operation, ns }, ctx);
      if (!hasSource(operation)) return next({ ...operation, ns }, ctx);
      return next({ op: operation.op, ns, body: planCopy(operation, 1)[0] }, ctx);
    };
  }
  return (next) => scatterGather(next, options);
}

/** The N-shard dispatch. */
function scatterGather(next: Dispatch, options: ShardsLayerOptions): Dispatch {
  const names = options.namespaces;
  const all = names.map((_, i) => i);
  const shards = { length: names.length };
  const label: ShardLabel = (i) => `shard ${i} (${names[i]})`;
  /** One operation on shard i; a body is sent as fresh bytes so no shard shares a parsed value. */
  const shard = (i: number, op: OpName, ctx: CallContext, body?: Payload) =>
    next({ op, ns: names[i] as string, body }, ctx);
  const schemas = createSchemaSync({ shardCount: names.length, fanOut: options.fanOut, label, call: shard });

  /** Calls every shard in `targets`; a write-like fan-out keeps going after a failure. */
  async function sendAll<T>(
    targets: readonly number[],
    ctx: CallContext,
    call: (c: CallContext, i: number) => Promise<T>,
  ): Promise<readonly Settled<T>[]> {
    const { settled } = await scatter(
      targets,
      { fanOut: options.fanOut, signal: ctx.signal, failFast: false },
      (i, signal) => call(ctxWith(ctx, signal), i),
    );
    return settled;
  }

  /** A read on every shard: the first real failure fails it; missing shards are left out. */
  async function readAll<T>(ctx: CallContext, call: (c: CallContext, i: number) => Promise<T>): Promise<T[]> {
    const { settled, firstFailure } = await scatter<Found<T>>(
      all,
      { fanOut: options.fanOut, signal: ctx.signal, failFast: true },
      async (i, signal) => {
        try {
          return { found: true, value: await call(ctxWith(ctx, signal), i) };
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
  async function anyExists(others: readonly number[], ctx: CallContext): Promise<boolean> {
    if (others.length === 0) return false;
    return (await sendAll(others, ctx, (c, i) => shard(i, 'metadata', c))).some((s) => s.ok);
  }

  /** Every shard's answer (the operation's body, if any, sent to each); missing shards count as done. */
  async function broadcastAll(operation: Operation, ctx: CallContext): Promise<unknown[]> {
    const bytes = operation.body?.bytes();
    const settled = await sendAll(all, ctx, async (c, i) =>
      (await shard(i, operation.op, c, bytes === undefined ? undefined : Payload.fromBytes(bytes))).value(),
    );
    const outcomes = missingAsDone(settled);
    if (outcomes.some((o) => !o.ok)) {
      const spec: OperationSpec = specOf(operation.op);
      const what = spec.fanOutFailure ?? { name: operation.op, hint: 'Retrying converges.' };
      // A missing shard neither applied nor failed anything: it is left out of the account.
      const real = settled.filter((s) => s.ok || !isNotFound(s.error));
      throw fanOutFailure(what.name, real, label, what.hint);
    }
    return outcomes.flatMap((o) => (o.ok && o.value !== undefined ? [o.value] : []));
  }

  /** A copy/branch: source shard i into shard i (copy-plan.ts); a missing source shard is an empty one. */
  async function copyShards(operation: Operation & { source: ResolvedSource }, ctx: CallContext) {
    const bodies = planCopy(operation, shards.length);
    schemas.forget(); // the copy brings the source's schema
    const outcomes = missingAsDone(
      await sendAll(all, ctx, async (c, i) => (await shard(i, operation.op, c, bodies[i])).value()),
    );
    if (outcomes.some((o) => !o.ok))
      throw fanOutFailure(operation.source.field, outcomes, label, COPY_RETRY_HINT);
    return Payload.fromValue(
      mergeWriteResults(
        outcomes.map((o) => (o.ok ? o.value : undefined)),
        new Map(),
      ),
    );
  }

  const handlers: Record<ShardStrategy, (operation: Operation, ctx: CallContext) => Promise<Payload>> = {
    async split(operation, ctx) {
      if (hasSource(operation)) return copyShards(operation, ctx);
      const request = bodyOf(operation).value();
      const { parts, idOrder } = splitWrite(request, shards.length);
      const part = (i: number) => parts[i] as WriteBody;
      // A part that upserts or declares a schema creates its namespace.
      const creates = (i: number) =>
        parts[i] !== undefined &&
        ['upsert_rows', 'upsert_columns', 'schema'].some((k) => part(i)[k] !== undefined);
      const schemaPlan = await schemas.beforeWrite(request as WriteBody, creates, ctx);
      const targets = all.filter((i) => parts[i] !== undefined);
      const settled = await sendAll(targets, ctx, async (c, i) =>
        (await shard(i, operation.op, c, Payload.fromBytes(Payload.fromValue(part(i)).bytes()))).value(),
      );
      // A shard namespace that does not exist has nothing to patch or delete; a part that creates
      // its namespace answering 404 is a real failure.
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
        schemas.forget();
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
      schemas.afterWrite(schemaPlan, targets);
      return Payload.fromValue(
        mergeWriteResults(
          outcomes.map((o) => (o.ok ? o.value : undefined)),
          idOrder,
        ),
      );
    },

    async query(operation, ctx) {
      const { shardRequest, plan } = planQuery(bodyOf(operation).value());
      const bytes = Payload.fromValue(shardRequest).bytes();
      const ordered = orderedAttributes(plan);
      const run = async () => {
        const types = await schemas.beforeQuery(ordered, ctx);
        const responses = await readAll(ctx, async (c, i) =>
          (await shard(i, operation.op, c, Payload.fromBytes(bytes))).value(),
        );
        return Payload.fromValue(mergeQueryResponses(plan, responses, types));
      };
      try {
        return await run();
      } catch (error) {
        // A shard rejecting an attribute the Index knows (a divergence the cache missed): repair, retry once.
        if (!isRepairable(error) || !(await schemas.repairAfterFailure(ctx))) throw error;
        return run();
      }
    },

    async 'merge-metadata'(operation, ctx) {
      return Payload.fromValue(
        mergeMetadata(await readAll(ctx, async (c, i) => (await shard(i, operation.op, c)).value())),
      );
    },

    async 'merge-schema'(operation, ctx) {
      return Payload.fromValue(
        mergeSchemas(await readAll(ctx, async (c, i) => (await shard(i, operation.op, c)).value())),
      );
    },

    async 'schema-update'(operation, ctx) {
      const declared = bodyOf(operation).value();
      await schemas.beforeSchemaUpdate(declared, ctx);
      const bytes = Payload.fromValue(declared).bytes();
      const update = async (c: CallContext, i: number) =>
        (await shard(i, operation.op, c, Payload.fromBytes(bytes))).value();
      // Shard 0 first: of two updates racing to type one attribute, the one shard 0 refuses
      // touches no other shard.
      const leader = await sendAll([0], ctx, update);
      const refused = leader.some((s) => !s.ok && !isNotFound(s.error));
      const settled = refused ? leader : [...leader, ...(await sendAll(all.slice(1), ctx, update))];
      const updated = settled.flatMap((s) => (s.ok ? [s.value] : []));
      const missing = settled.filter((s) => !s.ok && isNotFound(s.error)).map((s) => s.shard);
      if (missing.length === shards.length) {
        throw indexNotFound((settled[0] as { error: unknown }).error, shards.length);
      }
      if (refused) throw fanOutFailure('schema update', settled, label, '');
      let outcomes: readonly Settled<unknown>[] = settled;
      if (missing.length > 0 && updated.length > 0) {
        // A shard that does not exist yet is created with the schema, so that its first documents
        // are not typed by inference differently from the other shards.
        const writeBody = Buffer.from(`{"schema":${bytes.toString('utf8')}}`, 'utf8');
        const created = await sendAll(missing, ctx, (c, i) =>
          shard(i, 'write', c, Payload.fromBytes(writeBody)),
        );
        outcomes = settled.map((s) => created.find((c) => c.shard === s.shard) ?? s);
      }
      if (outcomes.some((o) => !o.ok)) {
        throw fanOutFailure('schema update', outcomes, label, 'Retrying the same schema update converges.');
      }
      return Payload.fromValue(mergeSchemas(updated));
    },

    async broadcast(operation, ctx) {
      if (specOf(operation.op).access === 'write') schemas.forget();
      // Some shard exists (broadcastAll throws otherwise): its answer is the Index's.
      return Payload.fromValue((await broadcastAll(operation, ctx))[0] ?? { status: 'OK' });
    },

    async 'update-metadata'(operation, ctx) {
      return Payload.fromValue(mergeMetadata(await broadcastAll(operation, ctx)));
    },

    ...explainAndRecall({ count: names.length, label, shard, readAll }),

    // Reached only without `Operation.shard` (a pinned call is routed below): a programming error.
    page: (operation) => Promise.reject(new TypeError(`${operation.op} needs Operation.shard`)),
  };
  return (operation, ctx) => {
    const spec = specOf(operation.op);
    if (spec.scope !== 'namespace') return next(operation, ctx);
    const pinned = pinnedShard(operation, names.length);
    if (pinned !== undefined) return next({ ...operation, ns: names[pinned] as string }, ctx);
    return handlers[spec.shards](operation, ctx);
  };
}

/** The one shard a call addresses (`Operation.shard`), checked against the Index's shard count. */
function pinnedShard(operation: Operation, count: number): number | undefined {
  const i = operation.shard;
  if (i === undefined) {
    if (specOf(operation.op).shards === 'page') throw new TypeError(`${operation.op} needs Operation.shard`);
    return undefined;
  }
  if (!Number.isInteger(i) || i < 0 || i >= count) {
    throw new RangeError(`shard ${i} is not a shard of this Index (it has ${count})`);
  }
  return i;
}

function hasSource(operation: Operation): operation is Operation & { source: ResolvedSource } {
  return operation.source !== undefined;
}

/** A 400 may come from a shard lacking an attribute the Index knows (never a 404 or a 429). */
function isRepairable(error: unknown): boolean {
  return isHevError(error) && error.status === 400;
}
