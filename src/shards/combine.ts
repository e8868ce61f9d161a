/**
 * Combining the per-shard `billing` and `performance` blocks of query and write responses into
 * the one block an unsharded namespace would report.
 */
import { isRecord } from '../wire/guards.ts';
import { compareStrings } from '../wire/strings.ts';
import { addNumbers, isNumeric } from './values.ts';

/** Billing is additive: every shard really did bill its bytes. Nested objects are summed too. */
export function sumBlocks(blocks: readonly unknown[]): Record<string, unknown> | undefined {
  const present = blocks.filter(isRecord);
  if (present.length === 0) return undefined;
  const out: Record<string, unknown> = {};
  for (const block of present) {
    for (const [key, value] of Object.entries(block)) {
      const prev = out[key];
      if (isNumeric(value)) out[key] = isNumeric(prev) ? addNumbers(prev, value) : value;
      else if (isRecord(value)) out[key] = sumBlocks([prev, value]);
      else if (!(key in out)) out[key] = value;
    }
  }
  return out;
}

const TEMPERATURE_RANK: Record<string, number> = { hot: 0, warm: 1, cold: 2 };

// Shards run in parallel, so wall-clock times take the slowest shard; sizes and scanned-document
// counts add up; the cache is as cold as its coldest shard; a write is "included" only if every
// shard included it, hence the earliest last_included_write_at.
const SUMMED = new Set(['approx_namespace_size', 'exhaustive_search_count']);

/** Combines performance blocks (see the rules above); unknown numeric fields take the max. */
export function combinePerformance(blocks: readonly unknown[]): Record<string, unknown> | undefined {
  const present = blocks.filter(isRecord);
  if (present.length === 0) return undefined;
  const out: Record<string, unknown> = {};
  const ratios: number[] = [];
  for (const block of present) {
    for (const [key, value] of Object.entries(block)) {
      const prev = out[key];
      if (key === 'cache_hit_ratio' && typeof value === 'number') {
        ratios.push(value);
      } else if (key === 'cache_temperature' && typeof value === 'string') {
        const rank = TEMPERATURE_RANK[value] ?? -1;
        if (typeof prev !== 'string' || rank > (TEMPERATURE_RANK[prev] ?? -1)) out[key] = value;
      } else if (key === 'last_included_write_at' && typeof value === 'string') {
        if (typeof prev !== 'string' || compareStrings(value, prev) < 0) out[key] = value;
      } else if (isNumeric(value)) {
        if (!isNumeric(prev)) out[key] = value;
        else if (SUMMED.has(key)) out[key] = addNumbers(prev, value);
        else if (value > prev) out[key] = value;
      } else if (!(key in out)) {
        out[key] = value;
      }
    }
  }
  if (ratios.length > 0) out.cache_hit_ratio = ratios.reduce((a, b) => a + b, 0) / ratios.length;
  return out;
}
