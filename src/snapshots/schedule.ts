/**
 * When the writer takes an automatic snapshot of an Index (pure, tested on a hand-moved clock):
 * the upstream has writes, is stable (watermark.ts), has advanced past the last write time the
 * latest snapshot recorded, and at least `interval` has passed since the last automatic snapshot.
 */
import { hasAdvanced, isStable, type Observation, type UpstreamFacts } from './watermark.ts';

export interface ScheduleInput {
  readonly facts: UpstreamFacts;
  readonly seen: Observation | undefined;
  /** From latest.json; undefined before the first snapshot. */
  readonly latest:
    { readonly lastWriteAt: string | null; readonly lastAutomaticAt: string | null } | undefined;
  readonly now: number;
  readonly settleMs: number;
  readonly intervalMs: number;
}

export type ScheduleDecision =
  | { readonly run: true }
  | { readonly run: false; readonly why: 'no-writes' | 'not-stable' | 'not-advanced' | 'interval' };

export function decide(input: ScheduleInput): ScheduleDecision {
  const { facts, latest, now } = input;
  if (facts.lastWriteAt === undefined) return { run: false, why: 'no-writes' };
  if (!isStable(facts, input.seen, now, input.settleMs)) return { run: false, why: 'not-stable' };
  if (!hasAdvanced(facts.lastWriteAt, latest?.lastWriteAt ?? undefined))
    return { run: false, why: 'not-advanced' };
  const lastAuto = latest?.lastAutomaticAt == null ? Number.NaN : Date.parse(latest.lastAutomaticAt);
  if (!Number.isNaN(lastAuto) && now - lastAuto < input.intervalMs) return { run: false, why: 'interval' };
  return { run: true };
}
