/**
 * Which snapshot bodies to delete after a successful write (pure, table-tested). The writer calls
 * it only after the new body and `latest.json` are both written, so a failing writer never deletes
 * history.
 * - Retention `never` (null) keeps every committed body; a duration prunes committed bodies taken
 *   more than that long ago — never the latest.
 * - Orphans: bodies between the previous latest and the new one were written by runs that failed
 *   before moving `latest.json` (readers never listed them); they are deleted whatever the
 *   retention. Bodies newer than the latest are left alone (nothing can be newer under the lease).
 */

export interface RetainedBody {
  readonly id: string;
  readonly takenAtMs: number;
}

export function bodiesToPrune(
  bodies: readonly RetainedBody[],
  latestId: string,
  previousLatestId: string | undefined,
  retentionMs: number | null,
  now: number,
): string[] {
  return bodies
    .filter((b) => {
      if (b.id >= latestId) return false;
      const orphan = previousLatestId === undefined || b.id > previousLatestId;
      return orphan || (retentionMs !== null && now - b.takenAtMs > retentionMs);
    })
    .map((b) => b.id);
}
