/**
 * Merging the WriteResults of the shards of one split write into the WriteResult an unsharded
 * namespace would return (pure): counters summed, affected ids concatenated in request order,
 * rows_remaining OR-ed, billing summed, performance combined.
 */
import { canonicalIdKey } from './hash.ts';
import { combinePerformance, sumBlocks } from './combine.ts';
import type { WriteBody } from './split-write.ts';
import { isRecord } from '../wire/guards.ts';
import { addNumbers, isNumeric } from './values.ts';

const COUNTERS = ['rows_affected', 'rows_upserted', 'rows_patched', 'rows_deleted'];
const ID_LISTS = ['upserted_ids', 'patched_ids', 'deleted_ids'];
const DEFAULT_MESSAGE = 'documents committed successfully';

function requestPosition(id: unknown, idOrder: ReadonlyMap<string, number>): number {
  try {
    return idOrder.get(canonicalIdKey(id)) ?? Number.MAX_SAFE_INTEGER;
  } catch {
    return Number.MAX_SAFE_INTEGER;
  }
}

/**
 * The result a shard "returns" when its namespace does not exist yet and its part could not
 * have created it (patches and deletes of missing documents): nothing happened there.
 */
export function emptyWriteResult(part: WriteBody): Record<string, unknown> {
  const out: Record<string, unknown> = { status: 'OK', message: DEFAULT_MESSAGE, rows_affected: 0 };
  if (
    part.patch_rows !== undefined ||
    part.patch_columns !== undefined ||
    part.patch_by_filter !== undefined
  ) {
    out.rows_patched = 0;
  }
  if (part.deletes !== undefined || part.delete_by_filter !== undefined) out.rows_deleted = 0;
  if (part.upsert_rows !== undefined || part.upsert_columns !== undefined) out.rows_upserted = 0;
  return out;
}

/** Merges shard WriteResults (in shard order); ids are ordered by their position in the request. */
export function mergeWriteResults(
  results: readonly unknown[],
  idOrder: ReadonlyMap<string, number>,
): Record<string, unknown> {
  const bodies = results.filter(isRecord);
  const out: Record<string, unknown> = { status: 'OK', message: DEFAULT_MESSAGE };
  const firstMessage = bodies.find((b) => typeof b.message === 'string')?.message;
  if (typeof firstMessage === 'string') out.message = firstMessage;
  for (const key of COUNTERS) {
    const values = bodies.map((b) => b[key]).filter(isNumeric);
    if (values.length > 0 || key === 'rows_affected') out[key] = values.reduce(addNumbers, 0);
  }
  for (const key of ID_LISTS) {
    const lists = bodies.map((b) => b[key]).filter(Array.isArray);
    if (lists.length === 0) continue;
    const ids = lists
      .flat()
      .map((id, i) => ({ id, pos: requestPosition(id, idOrder), i }))
      .sort((a, b) => a.pos - b.pos || a.i - b.i)
      .map((e) => e.id);
    if (ids.length > 0) out[key] = ids;
  }
  const remaining = bodies.map((b) => b.rows_remaining).filter((v) => typeof v === 'boolean');
  if (remaining.length > 0) out.rows_remaining = remaining.some(Boolean);
  out.billing = sumBlocks(bodies.map((b) => b.billing)) ?? {};
  const performance = combinePerformance(bodies.map((b) => b.performance));
  if (performance !== undefined) out.performance = performance;
  for (const body of bodies) {
    for (const [key, value] of Object.entries(body)) if (!(key in out)) out[key] = value;
  }
  return out;
}
