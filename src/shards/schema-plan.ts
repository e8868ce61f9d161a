/**
 * One schema across the shards of an Index (pure): what each shard's schema holds, what the Index
 * as a whole knows (their union), and what a write must first add to which shard so that no row
 * ever reaches a shard whose schema disagrees with the others (docs/adr/sharding.md, "One schema
 * across shards").
 *
 * A write is judged here as one namespace would judge it, before anything is sent: a declared
 * type that differs from the Index's, a value that does not fit its attribute's type, an id of
 * the wrong type and a vector of the wrong width are the 400s an unsharded namespace answers, with
 * its words (the local engine's rules, which follow turbopuffer's). What the write introduces — new
 * attributes with their declared or inferred type — and what a shard lacks of the Index schema
 * become a schema-only write per shard, sent before the rows. Vector columns are not pre-applied:
 * they are created by the first rows, with the Index's distance metric.
 */
import { invalid, isHevError, type HevError } from '../wire/errors.ts';
import { isRecord } from '../wire/guards.ts';
import { inferIdType, isIdType, parseId, type IdType } from '../stores/local/ids.ts';
import { validateAttrName } from '../stores/local/schema.ts';
import { coerceValue, inferType, parseTypeName, type AttrType } from '../stores/local/values.ts';
import { parseVector } from '../stores/local/vectors.ts';
import { mergeSchemas } from './merge-namespace.ts';
import type { AttributeTypes } from './merge-query.ts';

/** An attribute's config as a schema endpoint renders it (or as a write declares it). */
export type AttrConfig = unknown;

/** What one shard's schema holds: attribute → config (`id` included); undefined: no namespace. */
export type ShardSchema = ReadonlyMap<string, AttrConfig> | undefined;

/** A schema-only write body per shard (`{attr: config}`), undefined where nothing is missing. */
export type SchemaSends = readonly (Record<string, AttrConfig> | undefined)[];

/** Reads a shard's schema endpoint answer; `undefined` (the shard's 404) stays undefined. */
export function shardSchemaOf(answer: unknown): ShardSchema {
  if (answer === undefined) return undefined;
  return new Map(isRecord(answer) ? Object.entries(answer) : []);
}

/** The type name of a config: `"int"` or `{type: "int", …}`. */
export function typeNameOf(config: AttrConfig): string | undefined {
  const type = isRecord(config) ? config.type : config;
  return typeof type === 'string' ? type : undefined;
}

/** Vector columns (dense `[N]f32`, sparse `{}f32`, multi-vector `[][N]f32`) are never pre-applied. */
function isVectorType(name: string | undefined): boolean {
  return name !== undefined && /^(\[\d+\]|\{\}|\[\]\[\d+\])f(16|32)$/.test(name);
}

/** The Index schema: the union of the shards', first shard first (merge-namespace.ts). */
export function indexSchemaOf(shards: readonly ShardSchema[]): Map<string, AttrConfig> {
  return new Map(
    Object.entries(mergeSchemas(shards.map((s) => (s === undefined ? s : Object.fromEntries(s))))),
  );
}

/** Attribute → type name, for ordering merged rows (merge-query.ts). */
export function attributeTypesOf(shards: readonly ShardSchema[]): AttributeTypes {
  const out = new Map<string, string>();
  for (const [attr, config] of indexSchemaOf(shards)) {
    const type = typeNameOf(config);
    if (type !== undefined) out.set(attr, type);
  }
  return out;
}

/** The 400 one namespace answers when a declaration would change an attribute's type. */
function typeChange(attr: string, from: string, to: string): HevError {
  return invalid(
    `invalid schema update for attribute '${attr}': cannot change attribute type from ${from} to ${to}`,
    { attribute: attr },
  );
}

/**
 * Rejects declarations (a write's `schema`, or the bare map of the schema endpoint) that change the
 * type of an attribute the Index already has.
 */
export function checkDeclarations(index: ReadonlyMap<string, AttrConfig>, declared: unknown): void {
  if (!isRecord(declared)) return; // malformed: every shard rejects it alike
  for (const [attr, config] of Object.entries(declared)) {
    const from = typeNameOf(index.get(attr));
    const to = typeNameOf(config);
    if (from !== undefined && to !== undefined && from !== to) throw typeChange(attr, from, to);
  }
}

/** Every value a write gives each attribute, and whether it patches it. */
interface WriteValues {
  readonly values: Map<string, unknown[]>;
  readonly patched: Set<string>;
  readonly ids: unknown[];
}

function collectValues(body: Readonly<Record<string, unknown>>): WriteValues {
  const values = new Map<string, unknown[]>();
  const patched = new Set<string>();
  const ids: unknown[] = [];
  const add = (attr: string, value: unknown, patch: boolean) => {
    if (attr === 'id') return;
    let list = values.get(attr);
    if (list === undefined) values.set(attr, (list = []));
    list.push(value);
    if (patch) patched.add(attr);
  };
  // In the engine's order (upserts, then patches; rows before columns): the first id types a new namespace.
  for (const [key, patch] of [
    ['upsert_rows', false],
    ['upsert_columns', false],
    ['patch_rows', true],
    ['patch_columns', true],
  ] as const) {
    const given = body[key];
    if (Array.isArray(given)) {
      for (const row of given) {
        if (!isRecord(row)) continue;
        ids.push(row.id);
        for (const [attr, value] of Object.entries(row)) add(attr, value, patch);
      }
    } else if (isRecord(given) && Array.isArray(given.id)) {
      const rows = given.id.length;
      ids.push(...(given.id as unknown[]));
      for (const [attr, column] of Object.entries(given)) {
        // Per-row arrays only; flat and base64 vector columns are checked by the shards.
        if (Array.isArray(column) && column.length === rows) for (const v of column) add(attr, v, patch);
        else add(attr, undefined, patch);
      }
    }
  }
  if (Array.isArray(body.deletes)) ids.push(...(body.deletes as unknown[]));
  const byFilter = body.patch_by_filter;
  if (isRecord(byFilter) && isRecord(byFilter.patch)) {
    for (const [attr, value] of Object.entries(byFilter.patch)) add(attr, value, true);
  }
  return { values, patched, ids };
}

/**
 * Runs one of the engine's checks; a feature the engine does not know (a turbopuffer upstream may)
 * is not judged here — the shards judge it, all alike.
 */
function judged<T>(check: () => T): T | undefined {
  try {
    return check();
  } catch (error) {
    if (isHevError(error) && error.code === 'HEV_UNSUPPORTED') return undefined;
    throw error;
  }
}

/**
 * The engine's view of a declared or known type; undefined for a type it does not know (a newer
 * turbopuffer type, or a malformed declaration that every shard rejects alike).
 */
function knownType(config: AttrConfig, attr: string): AttrType | undefined {
  try {
    return parseTypeName(typeNameOf(config), attr);
  } catch {
    return undefined;
  }
}

function isVectorLike(v: unknown): boolean {
  return typeof v === 'string' || (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'number'));
}

/** Checks every value of an attribute of a known type, as the engine coerces it. */
function checkValues(attr: string, type: AttrType, values: readonly unknown[], patched: boolean): void {
  const vector = type.vector;
  if (vector !== undefined && patched) {
    throw invalid(`vector attribute \`${attr}\` cannot be patched (patch_rows); upsert the document instead`);
  }
  for (const value of values) {
    if (value === null || value === undefined) continue;
    if (vector === undefined) coerceValue(type, value, attr);
    else parseVector(value, attr, vector.dims, vector.precision);
  }
}

/** The type a write gives a new attribute, as the engine infers it (undefined: only nulls). */
function inferredType(attr: string, values: readonly unknown[]): AttrType | undefined {
  const first = values.find((v) => v !== null && v !== undefined);
  if (attr === 'vector' && first !== undefined && isVectorLike(first)) {
    const dims = parseVector(first, attr, undefined, 'f32').length;
    return parseTypeName(`[${dims}]f32`, attr);
  }
  return inferType(values, attr);
}

function idTypeOf(index: ReadonlyMap<string, AttrConfig>, declared: unknown, ids: readonly unknown[]) {
  const known = typeNameOf(index.get('id')) ?? (isRecord(declared) ? typeNameOf(declared.id) : undefined);
  if (known !== undefined) return isIdType(known) ? known : undefined;
  const first = ids.find((id) => id !== undefined && id !== null);
  return first === undefined ? undefined : inferIdType(first);
}

export interface WriteSchemaPlan {
  /** Schema-only writes to send, per shard, before the rows (none: send the rows right away). */
  readonly sends: SchemaSends;
  /** Types the write creates by inference (vector columns included): known once its rows land. */
  readonly inferred: ReadonlyMap<string, string>;
}

/**
 * Judges a split write against the Index schema (throws the 400 one namespace would answer) and
 * plans what must reach which shard before its rows. `shards[i]` is what shard i holds; `creates(i)`
 * says whether shard i's part of the write creates its namespace (upserts or a schema). A shard
 * namespace that does not exist is created by the pre-flight only when its part would create it
 * anyway: with the whole Index schema, so its first rows cannot infer other types.
 */
export function planWriteSchema(
  shards: readonly ShardSchema[],
  body: Readonly<Record<string, unknown>>,
  creates: (shard: number) => boolean,
): WriteSchemaPlan {
  const index = indexSchemaOf(shards);
  const declared = isRecord(body.schema) ? body.schema : {};
  checkDeclarations(index, declared);
  const { values, patched, ids } = collectValues(body);
  const idType: IdType | undefined = idTypeOf(index, declared, ids);
  if (idType !== undefined) for (const id of ids) if (id !== undefined) parseId(id, idType);

  const inferred = new Map<string, string>();
  for (const [attr, list] of values) {
    validateAttrName(attr);
    const config = declared[attr] ?? index.get(attr);
    if (config !== undefined) {
      const type = knownType(config, attr);
      if (type !== undefined) checkValues(attr, type, list, patched.has(attr));
      continue;
    }
    const type = judged(() => inferredType(attr, list));
    if (type !== undefined) inferred.set(attr, type.name);
  }

  // What every shard must hold before the rows: the Index schema, the declarations, the inferences.
  const target = new Map<string, AttrConfig>(index);
  for (const [attr, type] of inferred) target.set(attr, { type });
  for (const [attr, config] of Object.entries(declared)) target.set(attr, config);
  const sends = missingPerShard(shards, target, idType).map((send, i) =>
    shards[i] === undefined && !creates(i) ? undefined : send,
  );
  return { sends, inferred };
}

/**
 * Per shard, what it lacks of `target` (vector columns left out: the rows create them, with the
 * Index's distance metric). A shard without a namespace gets the id type too, so that its first
 * row cannot infer another.
 */
export function missingPerShard(
  shards: readonly ShardSchema[],
  target: ReadonlyMap<string, AttrConfig>,
  idType?: string,
): SchemaSends {
  return shards.map((shard) => {
    const send: Record<string, AttrConfig> = {};
    for (const [attr, config] of target) {
      if (attr === 'id' || isVectorType(typeNameOf(config)) || shard?.has(attr) === true) continue;
      send[attr] = config;
    }
    if (shard === undefined && idType !== undefined && Object.keys(send).length > 0)
      send.id = { type: idType };
    return Object.keys(send).length === 0 ? undefined : send;
  });
}

/** What the existing shards lack of the Index schema (a divergence left by older writes). */
export function repairsOf(shards: readonly ShardSchema[]): SchemaSends {
  const index = indexSchemaOf(shards);
  return missingPerShard(shards, index).map((send, i) => (shards[i] === undefined ? undefined : send));
}
