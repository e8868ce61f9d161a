/**
 * Merging namespace-level answers of the shards of one Index (pure): metadata and schema.
 * Shards that do not exist yet (no document ever landed there) are left out by the caller.
 */
import { isRecord } from '../wire/guards.ts';
import { compareStrings } from '../wire/strings.ts';
import { addNumbers, isNumeric } from './values.ts';

type Body = Record<string, unknown>;

/**
 * The union of the shards' schemas, first shard first. Shards receive the same schema on every
 * write that declares one, so they agree in practice; an attribute only some shards have seen
 * yet (inferred from their documents) still shows up, as it would in one namespace.
 */
export function mergeSchemas(schemas: readonly unknown[]): Body {
  const out: Body = {};
  for (const schema of schemas) {
    if (!isRecord(schema)) continue;
    for (const [attr, config] of Object.entries(schema)) if (!(attr in out)) out[attr] = config;
  }
  return out;
}

function pickTime(values: readonly unknown[], latest: boolean): string | undefined {
  let best: string | undefined;
  let bestMs = 0;
  for (const v of values) {
    if (typeof v !== 'string') continue;
    const ms = Date.parse(v);
    if (Number.isNaN(ms)) {
      if (best === undefined) best = v;
      continue;
    }
    if (
      best === undefined ||
      (latest ? ms > bestMs : ms < bestMs) ||
      (ms === bestMs && compareStrings(v, best) < 0)
    ) {
      best = v;
      bestMs = ms;
    }
  }
  return best;
}

function mergeIndexStatus(indexes: readonly unknown[]): Body {
  const updating = indexes.filter((i): i is Body => isRecord(i) && i.status === 'updating');
  if (updating.length === 0) return { status: 'up-to-date' };
  const bytes = updating.map((i) => i.unindexed_bytes).filter(isNumeric);
  return { status: 'updating', unindexed_bytes: bytes.reduce(addNumbers, 0) };
}

/**
 * One NamespaceMetadata for the whole Index: row and byte counts summed, created_at the earliest,
 * updated_at/last_write_at the latest, the index `updating` while any shard is (unindexed bytes
 * summed), the schema the union of the shards'. Everything else (encryption, sharding, pinning…)
 * is the first shard's.
 */
export function mergeMetadata(bodies: readonly unknown[]): Body {
  const shards = bodies.filter(isRecord);
  const out: Body = { schema: mergeSchemas(shards.map((s) => s.schema)) };
  for (const key of ['approx_row_count', 'approx_logical_bytes']) {
    out[key] = shards
      .map((s) => s[key])
      .filter(isNumeric)
      .reduce(addNumbers, 0);
  }
  const created = pickTime(
    shards.map((s) => s.created_at),
    false,
  );
  if (created !== undefined) out.created_at = created;
  for (const key of ['updated_at', 'last_write_at']) {
    const t = pickTime(
      shards.map((s) => s[key]),
      true,
    );
    if (t !== undefined) out[key] = t;
  }
  if (shards.some((s) => s.index !== undefined)) out.index = mergeIndexStatus(shards.map((s) => s.index));
  for (const shard of shards) {
    for (const [key, value] of Object.entries(shard)) if (!(key in out)) out[key] = value;
  }
  return out;
}
