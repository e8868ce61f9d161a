/**
 * Two writers share an Index's status: the reconciler (observedGeneration, metadataSync, backend,
 * upstream and the conditions SpecValid, StoreResolved, UpstreamReachable, Ready) and the gateway's
 * history bridge (snapshot, cache and the conditions CacheDegraded, SnapshotsHealthy). Each writes
 * a JSON merge patch naming only its own fields, so neither clobbers the other's. `conditions` is
 * one list, and a merge patch replaces a list whole: a writer sends the list it read with only its
 * own condition types replaced, together with the resourceVersion it read, so a concurrent change
 * is a 409 and the writer retries on the fresh object (status-writer.ts).
 */
import type { Condition } from '../resources/meta.ts';

export interface StatusOwner {
  /** Top-level status fields this writer owns. */
  readonly fields: readonly string[];
  /** Condition types this writer owns. */
  readonly conditionTypes: readonly string[];
}

export const RECONCILER: StatusOwner = {
  fields: ['observedGeneration', 'metadataSync', 'backend', 'upstream'],
  conditionTypes: ['SpecValid', 'StoreResolved', 'UpstreamReachable', 'Ready'],
};

export const BRIDGE: StatusOwner = {
  fields: ['snapshot', 'cache'],
  conditionTypes: ['CacheDegraded', 'SnapshotsHealthy'],
};

export type StatusFields = Readonly<Record<string, unknown>> & { readonly conditions?: readonly Condition[] };

/** JSON with object keys sorted: equal values compare equal whatever the key order. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)),
        )
      : v,
  );
}

/** The part of a status one writer owns (its fields, its conditions in their order). */
export function ownedPart(status: StatusFields | undefined, owner: StatusOwner): Record<string, unknown> {
  const part: Record<string, unknown> = {};
  for (const field of owner.fields) if (status?.[field] !== undefined) part[field] = status[field];
  part.conditions = (status?.conditions ?? []).filter((c) => owner.conditionTypes.includes(c.type));
  return part;
}

/**
 * The merge patch that makes `current` carry `desired` in the owner's fields, or undefined when it
 * already does (no write: an idle cluster sees none).
 */
export function statusPatch(
  current: StatusFields | undefined,
  desired: StatusFields,
  owner: StatusOwner,
): Record<string, unknown> | undefined {
  if (canonical(ownedPart(current, owner)) === canonical(ownedPart(desired, owner))) return undefined;
  const patch: Record<string, unknown> = {};
  for (const field of owner.fields) {
    if (desired[field] !== undefined) patch[field] = desired[field];
    else if (current?.[field] !== undefined) patch[field] = null;
  }
  const others = (current?.conditions ?? []).filter((c) => !owner.conditionTypes.includes(c.type));
  const mine = (desired.conditions ?? []).filter((c) => owner.conditionTypes.includes(c.type));
  patch.conditions = [...mine, ...others].sort((a, b) => conditionRank(a.type) - conditionRank(b.type));
  return patch;
}

const ORDER = [...RECONCILER.conditionTypes, ...BRIDGE.conditionTypes];
function conditionRank(type: string): number {
  const i = ORDER.indexOf(type);
  return i === -1 ? ORDER.length : i;
}
