/**
 * The scan path of facet counting: every row of the Index from the scan engine (scan/engine.ts:
 * each active shard paged by id, the fan-out rule's threads at once, only the facet fields),
 * counted in memory, all fields in one pass. Used when the store cannot group, or an array field
 * has more distinct elements than one grouped answer holds. Rows cost one upstream page per
 * `pageSize`; the grouped path is the fast one.
 */
import { openScan, type ScanTarget } from '../scan/engine.ts';

/** Value → count; `null` is the null/missing bucket. */
export type Tally = Map<unknown, number>;

function bump(tally: Tally, value: unknown): void {
  tally.set(value, (tally.get(value) ?? 0) + 1);
}

export async function scanCounts(
  target: ScanTarget,
  fields: readonly string[],
  /** The fields the schema has (asking for another is an error; it is missing on every row). */
  readable: readonly string[],
  arrays: ReadonlySet<string>,
  pageSize: number,
  signal: AbortSignal | undefined,
): Promise<{ tallies: Map<string, Tally>; rows: number }> {
  const tallies = new Map(fields.map((f) => [f, new Map() as Tally]));
  const scan = await openScan(
    target,
    { pageSize, ...(readable.length === 0 ? {} : { includeAttributes: [...readable] }) },
    signal === undefined ? {} : { signal },
  );
  let rows = 0;
  for await (const page of scan) {
    for (const row of page.rows) {
      for (const field of fields) {
        const tally = tallies.get(field) as Tally;
        const v = row[field];
        if (arrays.has(field) && Array.isArray(v) && v.length > 0) for (const e of new Set(v)) bump(tally, e);
        else bump(tally, v === undefined || (Array.isArray(v) && v.length === 0) ? null : v);
      }
    }
    rows += page.rows.length;
  }
  return { tallies, rows };
}
