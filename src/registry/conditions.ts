/**
 * metav1.Condition helpers. `lastTransitionTime` moves only when a condition's status flips
 * (KEP-1623), so a reload that changes nothing about an Index leaves its times alone.
 */
import type { Condition, ConditionStatus } from '../resources/meta.ts';

export interface ConditionInput {
  readonly type: string;
  readonly status: ConditionStatus;
  readonly reason: string;
  readonly message: string;
}

export function makeCondition(
  input: ConditionInput,
  now: string,
  previous: readonly Condition[] | undefined,
  observedGeneration?: number,
): Condition {
  const before = previous?.find((c) => c.type === input.type);
  const lastTransitionTime =
    before !== undefined && before.status === input.status ? before.lastTransitionTime : now;
  return {
    type: input.type,
    status: input.status,
    reason: input.reason,
    message: input.message,
    lastTransitionTime,
    ...(observedGeneration === undefined ? {} : { observedGeneration }),
  };
}

export function findCondition(conditions: readonly Condition[], type: string): Condition | undefined {
  return conditions.find((c) => c.type === type);
}

/** Replaces (or appends) a condition by type, keeping the others in order. */
export function upsertCondition(conditions: readonly Condition[], condition: Condition): Condition[] {
  const i = conditions.findIndex((c) => c.type === condition.type);
  if (i === -1) return [...conditions, condition];
  return conditions.map((c, j) => (j === i ? condition : c));
}
