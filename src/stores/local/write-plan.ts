/**
 * Turns a parsed write into typed documents against the namespace's next schema: ids normalized
 * and checked for duplicates, schema declarations and inferred types merged (type changes are
 * 400s), values coerced, vectors decoded. Nothing here touches storage.
 */
import { HevError, invalid } from '../../wire/errors.ts';
import { inferIdType, parseId, type DocId, type IdType } from './ids.ts';
import {
  parseAttrConfig,
  parseIdConfig,
  validateAttrName,
  type AttrSchema,
  type NsSchema,
} from './schema.ts';
import type { Doc } from './table.ts';
import { coerceValue, describeValue, inferType, vectorType } from './values.ts';
import { parseVector, type DistanceMetric } from './vectors.ts';
import type { ParsedWrite, RawRow } from './write-parse.ts';

export interface Patch {
  readonly id: DocId;
  /** Attributes to set (internal form); `undefined` value = set to null. */
  readonly set: ReadonlyMap<string, unknown>;
}

export interface WritePlan {
  readonly schema: NsSchema;
  readonly schemaChanged: boolean;
  readonly upserts: readonly Doc[] | undefined;
  readonly patches: readonly Patch[] | undefined;
  readonly deletes: readonly DocId[] | undefined;
  readonly patchByFilter: ReadonlyMap<string, unknown> | undefined;
}

function firstId(w: ParsedWrite): unknown {
  return w.upserts?.[0]?.id ?? w.patches?.[0]?.id ?? w.deletes?.[0];
}

function resolveIdType(current: NsSchema | undefined, w: ParsedWrite): IdType {
  const declared = w.schema?.id === undefined ? undefined : parseIdConfig(w.schema.id);
  if (current !== undefined) {
    if (declared !== undefined && declared !== current.idType) {
      throw invalid(
        `invalid schema update for attribute 'id': cannot change attribute type from ${current.idType} to ${declared}`,
        { attribute: 'id' },
      );
    }
    return current.idType;
  }
  if (declared !== undefined) return declared;
  const first = firstId(w);
  return first === undefined ? 'uint' : inferIdType(first);
}

function isVectorLike(v: unknown): boolean {
  return typeof v === 'string' || (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'number'));
}

/** The schema after this write: declarations, distance metric, then inference for new attributes. */
function evolveSchema(current: NsSchema | undefined, w: ParsedWrite, rowCount: number): NsSchema {
  const idType = resolveIdType(current, w);
  const attrs = new Map<string, AttrSchema>(current?.attrs ?? []);
  let metric: DistanceMetric | undefined = current?.distanceMetric;
  const setMetric = (m: DistanceMetric) => {
    if (metric !== undefined && metric !== m) {
      throw invalid(
        `distance_metric ${m} does not match this namespace's distance_metric ${metric}; it is fixed at creation`,
      );
    }
    metric = m;
  };
  if (w.distanceMetric !== undefined) setMetric(w.distanceMetric);
  for (const [name, cfg] of Object.entries(w.schema ?? {})) {
    if (name === 'id') continue;
    const parsed = parseAttrConfig(name, cfg, attrs.get(name));
    if (parsed.distanceMetric !== undefined) setMetric(parsed.distanceMetric);
    attrs.set(name, parsed.schema);
  }
  const seen = new Map<string, unknown[]>();
  const collect = (name: string, value: unknown) => {
    validateAttrName(name);
    if (attrs.has(name)) return;
    let list = seen.get(name);
    if (list === undefined) seen.set(name, (list = []));
    list.push(value);
  };
  for (const row of [...(w.upserts ?? []), ...(w.patches ?? [])])
    for (const [k, v] of row.attrs) collect(k, v);
  for (const [k, v] of w.patchByFilter?.patch ?? []) collect(k, v);
  for (const [name, values] of seen) {
    if (name === 'vector') {
      const first = values.find((v) => v !== null && v !== undefined);
      if (first !== undefined && isVectorLike(first)) {
        attrs.set(name, vectorAttr(parseVector(first, name, undefined, 'f32').length));
        continue;
      }
    }
    const type = inferType(values, name);
    if (type !== undefined)
      attrs.set(name, { type, filterable: true, regex: false, glob: false, fts: undefined });
  }
  checkSchemaLimits(attrs);
  for (const [name, a] of attrs) {
    if (a.type.vector === undefined) continue;
    if (metric === undefined) {
      throw invalid(
        `distance_metric is required when creating vector attribute \`${name}\` (cosine_distance or euclidean_squared)`,
      );
    }
    if (rowCount > 0 && current?.attrs.get(name) === undefined) {
      throw invalid(
        `cannot add vector attribute \`${name}\` to a namespace that already has documents; vector columns are fixed at creation`,
      );
    }
  }
  return { idType, attrs, distanceMetric: metric };
}

const MAX_ATTRIBUTES = 1024;
const MAX_VECTOR_COLUMNS = 8;

/** turbopuffer's per-namespace limits: 1,024 attribute names, 8 vector columns. */
export function checkSchemaLimits(attrs: ReadonlyMap<string, AttrSchema>): void {
  if (attrs.size > MAX_ATTRIBUTES) {
    throw invalid(`too many attributes: a namespace may have at most ${MAX_ATTRIBUTES} attribute names`);
  }
  let vectors = 0;
  for (const a of attrs.values()) if (a.type.vector !== undefined) vectors++;
  if (vectors > MAX_VECTOR_COLUMNS) {
    throw invalid(`too many vector attributes: a namespace may have at most ${MAX_VECTOR_COLUMNS}`);
  }
}

function vectorAttr(dims: number): AttrSchema {
  return { type: vectorType(dims, 'f32'), filterable: false, regex: false, glob: false, fts: undefined };
}

function coerceUpsert(row: RawRow, id: DocId, schema: NsSchema): Doc {
  const attrs: Record<string, unknown> = {};
  const vectors: Record<string, Float32Array> = {};
  for (const [name, raw] of row.attrs) {
    const a = schema.attrs.get(name);
    if (raw === null || raw === undefined) continue;
    if (a === undefined) continue;
    if (a.type.vector !== undefined) {
      vectors[name] = parseVector(raw, name, a.type.vector.dims, a.type.vector.precision);
    } else {
      attrs[name] = coerceValue(a.type, raw, name);
    }
  }
  for (const [name, a] of schema.attrs) {
    if (a.type.vector !== undefined && vectors[name] === undefined) {
      throw invalid(
        `document ${describeValue(id)} is missing vector attribute \`${name}\`; every document must carry every vector column`,
      );
    }
  }
  return { id, attrs, vectors };
}

export function coercePatch(
  attrsRaw: ReadonlyMap<string, unknown>,
  schema: NsSchema,
  what: string,
): Map<string, unknown> {
  const set = new Map<string, unknown>();
  for (const [name, raw] of attrsRaw) {
    const a = schema.attrs.get(name);
    if (a?.type.vector !== undefined)
      throw invalid(`vector attribute \`${name}\` cannot be patched (${what}); upsert the document instead`);
    if (raw === null || raw === undefined || a === undefined) set.set(name, undefined);
    else set.set(name, coerceValue(a.type, raw, name));
  }
  return set;
}

export function planWrite(w: ParsedWrite, current: NsSchema | undefined, rowCount: number): WritePlan {
  const schema = evolveSchema(current, w, rowCount);
  const seen = new Set<DocId>();
  const idOf = (raw: unknown): DocId => {
    const id = parseId(raw, schema.idType);
    if (seen.has(id)) {
      throw new HevError(
        'HEV_DUPLICATE_ID',
        `duplicate document id ${describeValue(id)} in one write request; each id may appear once across upserts, patches and deletes`,
      );
    }
    seen.add(id);
    return id;
  };
  const upserts = w.upserts?.map((row) => coerceUpsert(row, idOf(row.id), schema));
  const patches = w.patches?.map((row) => ({
    id: idOf(row.id),
    set: coercePatch(row.attrs, schema, 'patch_rows'),
  }));
  const deletes = w.deletes?.map(idOf);
  const patchByFilter =
    w.patchByFilter === undefined ? undefined : coercePatch(w.patchByFilter.patch, schema, 'patch_by_filter');
  return {
    schema,
    schemaChanged:
      current === undefined ||
      JSON.stringify([...schema.attrs]) !== JSON.stringify([...current.attrs]) ||
      schema.distanceMetric !== current.distanceMetric,
    upserts,
    patches,
    deletes,
    patchByFilter,
  };
}
