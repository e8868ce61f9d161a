/**
 * The debug reads of a sharded Index (strategies `explain` and `recall` of the operation table):
 * - explain: every shard explains the request it would get for the query (the shard request of
 *   query-plan.ts, so a query the merge cannot serve is the same 400 as `/query`); the answer is
 *   the shards' plans, each under its label, after a line saying how the answers are merged.
 * - recall: every shard measures its own ANN index on its own documents (`num` queries each);
 *   the Index's figures are the mean over the shards that exist, weighted equally since each ran
 *   `num` queries. They describe the shards' indexes, which is what recall measures; the merged
 *   top-k of the Index finds a true neighbour whenever its shard's ANN search does.
 *   `include_ground_truth` is a 400: a shard's ground truth holds only its own documents, not the
 *   Index's nearest neighbours.
 * docs/adr/sharding.md has the rules.
 */
import type { CallContext, OpName, Operation } from '../stores/operations.ts';
import { bodyOf } from '../stores/operations.ts';
import { HevError } from '../wire/errors.ts';
import { isRecord } from '../wire/guards.ts';
import { Payload } from '../wire/payload.ts';
import { planQuery } from './query-plan.ts';
import type { ShardLabel } from './shard-errors.ts';

export interface ShardReads {
  readonly count: number;
  readonly label: ShardLabel;
  readonly shard: (i: number, op: OpName, ctx: CallContext, body?: Payload) => Promise<Payload>;
  /** Every shard's answer; missing shards left out, the first failure fails the read. */
  readonly readAll: <T>(ctx: CallContext, call: (c: CallContext, i: number) => Promise<T>) => Promise<T[]>;
}

type Handler = (operation: Operation, ctx: CallContext) => Promise<Payload>;

const RECALL_FIGURES = ['avg_recall', 'avg_exhaustive_count', 'avg_ann_count'] as const;

export function explainAndRecall(s: ShardReads): { explain: Handler; recall: Handler } {
  /** The same bytes to every shard, each as a fresh Payload. */
  const toAll = <T>(op: OpName, ctx: CallContext, bytes: Buffer, read: (value: unknown) => T) =>
    s.readAll(ctx, async (c, i) => ({
      i,
      value: read((await s.shard(i, op, c, Payload.fromBytes(bytes))).value()),
    }));

  return {
    async explain(operation, ctx) {
      const { shardRequest } = planQuery(bodyOf(operation).value());
      const plans = new Map(
        (await toAll(operation.op, ctx, Payload.fromValue(shardRequest).bytes(), planText)).map((p) => [
          p.i,
          p.value,
        ]),
      );
      const lines = [
        `sharded Index over ${s.count} namespaces: each shard runs the query below and the gateway merges the answers (docs/adr/sharding.md)`,
      ];
      for (let i = 0; i < s.count; i++) {
        const plan = plans.get(i);
        lines.push(`${s.label(i)}:`);
        lines.push(
          plan === undefined
            ? '  not created yet (no document has hashed to it): nothing to run'
            : plan.replace(/^/gm, '  '),
        );
      }
      return Payload.fromValue({ plan_text: lines.join('\n') });
    },

    async recall(operation, ctx) {
      const body = bodyOf(operation);
      const value = body.value();
      if (isRecord(value) && value.include_ground_truth === true) {
        throw new HevError(
          'HEV_UNSUPPORTED',
          "include_ground_truth is not supported on a sharded Index: each shard's ground truth holds only its own documents, not the Index's nearest neighbours; ask without it",
        );
      }
      const answers = (await toAll(operation.op, ctx, body.bytes(), recallFigures)).map((a) => a.value);
      const mean = (key: (typeof RECALL_FIGURES)[number]) =>
        answers.reduce((sum, a) => sum + a[key], 0) / answers.length;
      return Payload.fromValue(Object.fromEntries(RECALL_FIGURES.map((key) => [key, mean(key)])));
    },
  };
}

function planText(value: unknown): string {
  return isRecord(value) && typeof value.plan_text === 'string'
    ? value.plan_text
    : '(the shard returned no plan_text)';
}

function recallFigures(value: unknown): Record<(typeof RECALL_FIGURES)[number], number> {
  const figures = isRecord(value) ? value : {};
  for (const key of RECALL_FIGURES) {
    if (typeof figures[key] !== 'number') {
      throw new HevError('HEV_UPSTREAM_ERROR', `a shard's recall answer has no numeric ${key}`);
    }
  }
  return figures as Record<(typeof RECALL_FIGURES)[number], number>;
}
