/**
 * The scan path of facet counting: every row of the Index, paged by id (`rank_by ["id","asc"]`,
 * `[id, "Gt", last id]`, only the facet fields), counted in memory, all fields in one pass. Used
 * when the store cannot group, or an array field has more distinct elements than one grouped
 * answer holds. Rows cost one upstream page per `pageSize`; the grouped path is the fast one.
 */

/** Value → count; `null` is the null/missing bucket. */
export type Tally = Map<unknown, number>;

type Query = (body: Record<string, unknown>) => Promise<Record<string, unknown>>;

function bump(tally: Tally, value: unknown): void {
  tally.set(value, (tally.get(value) ?? 0) + 1);
}

export async function scanCounts(
  query: Query,
  fields: readonly string[],
  /** The fields the schema has (asking for another is an error; it is missing on every row). */
  readable: readonly string[],
  arrays: ReadonlySet<string>,
  pageSize: number,
): Promise<{ tallies: Map<string, Tally>; rows: number }> {
  const tallies = new Map(fields.map((f) => [f, new Map() as Tally]));
  let rows = 0;
  let after: unknown;
  for (;;) {
    const answer = await query({
      rank_by: ['id', 'asc'],
      top_k: pageSize,
      ...(readable.length === 0 ? {} : { include_attributes: [...readable] }),
      consistency: { level: 'strong' },
      ...(after === undefined ? {} : { filters: ['id', 'Gt', after] }),
    });
    const page = (answer.rows ?? []) as Record<string, unknown>[];
    for (const row of page) {
      for (const field of fields) {
        const tally = tallies.get(field) as Tally;
        const v = row[field];
        if (arrays.has(field) && Array.isArray(v) && v.length > 0) for (const e of new Set(v)) bump(tally, e);
        else bump(tally, v === undefined || (Array.isArray(v) && v.length === 0) ? null : v);
      }
    }
    rows += page.length;
    if (page.length < pageSize) return { tallies, rows };
    after = page[page.length - 1]?.id;
  }
}
