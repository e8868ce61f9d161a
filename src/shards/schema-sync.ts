/**
 * Keeps the shards of one Index on one schema (the I/O around schema-plan.ts). It caches what each
 * shard's schema holds — read from the shards on first use and again whenever a request brings
 * something the cache does not know — and, before a split write, sends the schema additions the
 * write needs to every shard: shard 0 first, then the others. A type is fixed once a shard has it,
 * so two requests racing to add one attribute with different types are decided on shard 0: the
 * loser is rejected there before it touches any other shard. Queries repair a divergence left by
 * older writes (a shard lacking an attribute the Index knows) before they run.
 * See docs/adr/sharding.md, "One schema across shards".
 */
import type { CallContext, OpName } from '../stores/operations.ts';
import { Payload } from '../wire/payload.ts';
import type { AttributeTypes } from './merge-query.ts';
import {
  attributeTypesOf,
  checkDeclarations,
  indexSchemaOf,
  planWriteSchema,
  repairsOf,
  shardSchemaOf,
  type SchemaSends,
  type ShardSchema,
  type WriteSchemaPlan,
} from './schema-plan.ts';
import { scatter } from './scatter.ts';
import { fanOutFailure, isNotFound, readFailure, type ShardLabel } from './shard-errors.ts';

export interface SchemaSyncOptions {
  readonly shardCount: number;
  readonly fanOut: number;
  readonly label: ShardLabel;
  /** One operation on shard i. */
  readonly call: (i: number, op: OpName, ctx: CallContext, body?: Payload) => Promise<Payload>;
}

const PREFLIGHT_HINT =
  'Schema additions are idempotent: retrying the same request converges, and no row was written.';

export interface SchemaSync {
  /** Judges a split write (throws one namespace's 400) and brings every shard's schema in line. */
  beforeWrite(
    body: Readonly<Record<string, unknown>>,
    creates: (shard: number) => boolean,
    ctx: CallContext,
  ): Promise<WriteSchemaPlan>;
  /** Records what a write's rows created on the shards that received them. */
  afterWrite(plan: WriteSchemaPlan, targets: readonly number[]): void;
  /** Rejects a schema update that changes the type of an attribute the Index has. */
  beforeSchemaUpdate(declared: unknown, ctx: CallContext): Promise<void>;
  /** The Index's attribute types for a query naming `attributes`, after repairing any divergence. */
  beforeQuery(attributes: readonly string[], ctx: CallContext): Promise<AttributeTypes>;
  /** After a query failed with a client error: re-reads and repairs; true when something changed. */
  repairAfterFailure(ctx: CallContext): Promise<boolean>;
  /** Drops the cache (the namespaces were deleted, or a write failed part-way). */
  forget(): void;
}

export function createSchemaSync(options: SchemaSyncOptions): SchemaSync {
  const all = Array.from({ length: options.shardCount }, (_, i) => i);
  let cached: ShardSchema[] | undefined;

  async function read(ctx: CallContext): Promise<ShardSchema[]> {
    const { settled, firstFailure } = await scatter(
      all,
      { fanOut: options.fanOut, signal: ctx.signal, failFast: true },
      async (i, signal) => {
        try {
          return shardSchemaOf((await options.call(i, 'getSchema', { ...ctx, signal })).value());
        } catch (error) {
          if (isNotFound(error)) return undefined;
          throw error;
        }
      },
    );
    if (firstFailure !== undefined) throw readFailure(firstFailure.shard, firstFailure.error, options.label);
    cached = settled.map((s) => (s.ok ? s.value : undefined));
    return cached;
  }

  /** Sends the schema-only writes: shard 0 (or the first shard with something to add) first. */
  async function push(sends: SchemaSends, ctx: CallContext): Promise<void> {
    const targets = all.filter((i) => sends[i] !== undefined);
    if (targets.length === 0) return;
    const send = async (i: number, signal: AbortSignal) => {
      const body = Payload.fromValue({ schema: sends[i] });
      await options.call(i, 'write', { ...ctx, signal }, body);
      const shard = new Map(cached?.[i] ?? []);
      for (const [attr, config] of Object.entries(sends[i] ?? {}))
        if (!shard.has(attr)) shard.set(attr, config);
      if (cached !== undefined) cached[i] = shard;
    };
    const [leader, ...rest] = targets;
    const first = await scatter([leader as number], { fanOut: 1, signal: ctx.signal, failFast: false }, send);
    const others = first.firstFailure
      ? []
      : (await scatter(rest, { fanOut: options.fanOut, signal: ctx.signal, failFast: false }, send)).settled;
    const outcomes = [...first.settled, ...others];
    if (outcomes.some((o) => !o.ok)) {
      cached = undefined;
      throw fanOutFailure('schema pre-flight', outcomes, options.label, PREFLIGHT_HINT);
    }
  }

  async function repair(shards: readonly ShardSchema[], ctx: CallContext): Promise<boolean> {
    const sends = repairsOf(shards);
    if (!sends.some((s) => s !== undefined)) return false;
    await push(sends, ctx);
    return true;
  }

  return {
    async beforeWrite(body, creates, ctx) {
      let plan: WriteSchemaPlan | undefined;
      if (cached !== undefined) {
        try {
          plan = planWriteSchema(cached, body, creates);
        } catch {
          plan = undefined; // judged on the fresh schema below
        }
      }
      // Anything new or missing is decided on what the shards hold now, not on the cache.
      if (plan === undefined || plan.inferred.size > 0 || plan.sends.some((s) => s !== undefined)) {
        plan = planWriteSchema(await read(ctx), body, creates);
        await push(plan.sends, ctx);
      }
      return plan;
    },

    afterWrite(plan, targets) {
      if (cached === undefined) return;
      for (const i of targets) {
        const shard = new Map(cached[i] ?? []);
        for (const [attr, type] of plan.inferred) if (!shard.has(attr)) shard.set(attr, { type });
        cached[i] = shard;
      }
    },

    async beforeSchemaUpdate(declared, ctx) {
      checkDeclarations(indexSchemaOf(await read(ctx)), declared);
      cached = undefined; // the update changes the shards: read them again on next use
    },

    async beforeQuery(attributes, ctx) {
      let shards = cached;
      const index = shards === undefined ? undefined : indexSchemaOf(shards);
      if (shards === undefined || attributes.some((a) => a !== 'id' && index?.has(a) !== true)) {
        shards = await read(ctx);
        // Best effort: a query that does not touch the missing attributes still has its answer.
        await repair(shards, ctx).catch(() => false);
      }
      return attributeTypesOf(cached ?? shards);
    },

    async repairAfterFailure(ctx) {
      try {
        return await repair(await read(ctx), ctx);
      } catch {
        return false; // the query's own error is the one to report
      }
    },

    forget() {
      cached = undefined;
    },
  };
}
