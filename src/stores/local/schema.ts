/**
 * Namespace schemas: parsing the `schema` of a write and the bare map of `POST .../schema`,
 * the online-change rules, and the two rendered shapes (metadata omits nulls and expands `ann`;
 * the schema endpoint has every key with nulls).
 */
import { HevError, invalid, unsupported } from '../../wire/errors.ts';
import { isIdType, type IdType } from './ids.ts';
import { parseTypeName, type AttrType } from './values.ts';
import { isDistanceMetric, type DistanceMetric } from './vectors.ts';

export interface FtsConfig {
  readonly tokenizer: string;
  readonly case_sensitive: boolean;
  readonly language: string;
  readonly stemming: boolean;
  readonly remove_stopwords: boolean;
  readonly ascii_folding: boolean;
  readonly max_token_length: number;
  readonly k1: number;
  readonly b: number;
  readonly k3: number;
}

export interface AttrSchema {
  readonly type: AttrType;
  /** Meaningless (rendered null) for vectors. */
  readonly filterable: boolean;
  readonly regex: boolean;
  readonly glob: boolean;
  readonly fts: FtsConfig | undefined;
}

export interface NsSchema {
  readonly idType: IdType;
  readonly attrs: ReadonlyMap<string, AttrSchema>;
  readonly distanceMetric: DistanceMetric | undefined;
}

export const DEFAULT_FTS: FtsConfig = {
  tokenizer: 'word_v3',
  case_sensitive: false,
  language: 'english',
  stemming: false,
  remove_stopwords: true,
  ascii_folding: false,
  max_token_length: 39,
  k1: 1.2,
  b: 0.75,
  k3: 8,
};

const TOKENIZERS = ['word_v0', 'word_v1', 'word_v2', 'word_v3', 'word_v4', 'pre_tokenized_array'];

export function validateAttrName(name: string): void {
  if (name.length === 0) throw invalid('attribute names must not be empty');
  if (name.startsWith('$'))
    throw invalid(`invalid attribute name \`${name}\`: names must not start with \`$\``);
  if (Buffer.byteLength(name, 'utf8') > 128) {
    throw invalid(`invalid attribute name \`${name.slice(0, 40)}...\`: names are limited to 128 bytes`);
  }
}

function bool(raw: unknown, what: string): boolean {
  if (typeof raw !== 'boolean') throw invalid(`${what} must be a boolean, got ${JSON.stringify(raw)}`);
  return raw;
}

function num(raw: unknown, what: string, min: number, max: number): number {
  if (typeof raw !== 'number' || !(raw >= min && raw <= max)) {
    throw invalid(`${what} must be a number in ${min}..${max}, got ${JSON.stringify(raw)}`);
  }
  return raw;
}

function parseFts(raw: unknown, attr: string, base: FtsConfig): FtsConfig | undefined {
  if (raw === false || raw === null) return undefined;
  if (raw === true) return base;
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw invalid(`full_text_search for \`${attr}\` must be a boolean or an object`);
  }
  const o = raw as Record<string, unknown>;
  const what = (k: string) => `full_text_search.${k} for \`${attr}\``;
  const cfg = { ...base };
  if (o.tokenizer !== undefined) {
    if (typeof o.tokenizer !== 'string' || !TOKENIZERS.includes(o.tokenizer)) {
      throw invalid(`${what('tokenizer')} must be one of ${TOKENIZERS.join(', ')}`);
    }
    cfg.tokenizer = o.tokenizer;
  }
  if (o.language !== undefined) {
    if (typeof o.language !== 'string') throw invalid(`${what('language')} must be a string`);
    if (o.language !== 'english')
      throw unsupported(`full_text_search language ${JSON.stringify(o.language)}`);
    cfg.language = o.language;
  }
  for (const key of ['case_sensitive', 'stemming', 'remove_stopwords', 'ascii_folding'] as const) {
    if (o[key] !== undefined) cfg[key] = bool(o[key], what(key));
  }
  if (o.max_token_length !== undefined) {
    cfg.max_token_length = num(o.max_token_length, what('max_token_length'), 1, 254);
    if (!Number.isInteger(cfg.max_token_length))
      throw invalid(`${what('max_token_length')} must be an integer`);
  }
  if (o.k1 !== undefined) cfg.k1 = num(o.k1, what('k1'), 0, 1e6);
  if (o.b !== undefined) cfg.b = num(o.b, what('b'), 0, 1);
  if (o.k3 !== undefined) cfg.k3 = num(o.k3, what('k3'), 0, 1e6);
  return cfg;
}

export interface ParsedAttr {
  readonly schema: AttrSchema;
  /** Set when the config named an `ann.distance_metric`. */
  readonly distanceMetric?: DistanceMetric;
}

/**
 * Parses one attribute's config against its current schema (if any). Options not given keep
 * their current value; a new attribute gets the defaults. The type can never change.
 */
export function parseAttrConfig(attr: string, raw: unknown, current: AttrSchema | undefined): ParsedAttr {
  validateAttrName(attr);
  const o: Record<string, unknown> =
    typeof raw === 'string' ? { type: raw } : (raw as Record<string, unknown>);
  if (o === null || typeof o !== 'object' || Array.isArray(o)) {
    throw invalid(`invalid schema for attribute \`${attr}\`: expected a type string or an object`);
  }
  if (o.type === undefined) {
    throw new HevError(
      'HEV_UNPROCESSABLE',
      `invalid schema for attribute \`${attr}\`: missing field \`type\``,
    );
  }
  const type = parseTypeName(o.type, attr);
  if (current !== undefined && current.type.name !== type.name) {
    throw invalid(
      `invalid schema update for attribute '${attr}': cannot change attribute type from ${current.type.name} to ${type.name}`,
      { attribute: attr },
    );
  }
  if (o.fuzzy === true) throw unsupported('Fuzzy filters (schema option `fuzzy`)');
  if (o.embed !== undefined && o.embed !== null) throw unsupported('Embed (schema option `embed`)');
  if (o.sparse_knn !== undefined && o.sparse_knn !== null)
    throw unsupported('SparseKNN (schema option `sparse_knn`)');

  if (type.vector !== undefined) {
    for (const key of ['full_text_search', 'regex', 'glob'] as const) {
      if (o[key] !== undefined && o[key] !== null && o[key] !== false) {
        throw invalid(`${key} is not valid for vector attribute \`${attr}\``);
      }
    }
    let distanceMetric: DistanceMetric | undefined;
    const ann = o.ann;
    if (ann === false) throw invalid(`vector attribute \`${attr}\` needs an ANN index (ann: true)`);
    if (ann !== undefined && ann !== null && ann !== true) {
      if (typeof ann !== 'object' || Array.isArray(ann))
        throw invalid(`ann for \`${attr}\` must be true or an object`);
      const a = ann as Record<string, unknown>;
      if (a.late_interaction === true) throw unsupported('late interaction (ann.late_interaction)');
      if (a.distance_metric !== undefined) {
        if (!isDistanceMetric(a.distance_metric)) {
          throw invalid(`ann.distance_metric for \`${attr}\` must be cosine_distance or euclidean_squared`);
        }
        distanceMetric = a.distance_metric;
      }
    }
    const schema: AttrSchema = { type, filterable: false, regex: false, glob: false, fts: undefined };
    return distanceMetric === undefined ? { schema } : { schema, distanceMetric };
  }

  if (o.ann !== undefined && o.ann !== null && o.ann !== false) {
    throw invalid(`ann is only valid for vector attributes, not \`${attr}\` (${type.name})`);
  }
  const stringy = type.scalar === 'string';
  const fts =
    o.full_text_search === undefined
      ? current?.fts
      : parseFts(o.full_text_search, attr, current?.fts ?? DEFAULT_FTS);
  const regex = o.regex === undefined ? (current?.regex ?? false) : bool(o.regex, `regex for \`${attr}\``);
  const glob = o.glob === undefined ? (current?.glob ?? false) : bool(o.glob, `glob for \`${attr}\``);
  if (!stringy && (fts !== undefined || regex || glob)) {
    throw invalid(
      `full_text_search, regex and glob need a string or []string attribute; \`${attr}\` is ${type.name}`,
    );
  }
  if (fts?.tokenizer === 'pre_tokenized_array' && !type.array) {
    throw invalid(
      `the pre_tokenized_array tokenizer needs a []string attribute; \`${attr}\` is ${type.name}`,
    );
  }
  const filterable =
    o.filterable === undefined || o.filterable === null
      ? (current?.filterable ?? !(fts !== undefined || regex || glob))
      : bool(o.filterable, `filterable for \`${attr}\``);
  return { schema: { type, filterable, regex, glob, fts } };
}

export function parseIdConfig(raw: unknown): IdType {
  const type = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>).type : raw;
  if (type === undefined)
    throw new HevError('HEV_UNPROCESSABLE', 'invalid schema for `id`: missing field `type`');
  if (!isIdType(type))
    throw invalid(`invalid id type ${JSON.stringify(type)}: expected uint, uuid or string`);
  return type;
}

function ftsBody(fts: FtsConfig): Record<string, unknown> {
  return { ...fts };
}

/** The `schema` of GET metadata: no nulls, `ann` expanded. */
export function renderMetadataSchema(schema: NsSchema): Record<string, unknown> {
  const out: Record<string, unknown> = { id: { type: schema.idType } };
  for (const [name, a] of schema.attrs) {
    if (a.type.vector !== undefined) {
      out[name] = { type: a.type.name, ann: { distance_metric: schema.distanceMetric ?? 'cosine_distance' } };
      continue;
    }
    const body: Record<string, unknown> = { type: a.type.name, filterable: a.filterable };
    if (a.fts !== undefined) body.full_text_search = ftsBody(a.fts);
    if (a.regex) body.regex = true;
    if (a.glob) body.glob = true;
    out[name] = body;
  }
  return out;
}

/** The body of GET /v1/namespaces/:ns/schema: every key present, nulls where not applicable. */
export function renderSchemaEndpoint(schema: NsSchema): Record<string, unknown> {
  const out: Record<string, unknown> = {
    id: { type: schema.idType, filterable: null, full_text_search: null },
  };
  for (const [name, a] of schema.attrs) {
    if (a.type.vector !== undefined) {
      out[name] = { type: a.type.name, ann: true, filterable: null, full_text_search: null };
      continue;
    }
    const body: Record<string, unknown> = {
      type: a.type.name,
      filterable: a.filterable,
      full_text_search: a.fts === undefined ? null : ftsBody(a.fts),
    };
    if (a.regex) body.regex = true;
    if (a.glob) body.glob = true;
    out[name] = body;
  }
  return out;
}

/** Catalog persistence form. */
export function serializeSchema(schema: NsSchema): string {
  const attrs: Record<string, unknown> = {};
  for (const [name, a] of schema.attrs) {
    attrs[name] = {
      type: a.type.name,
      filterable: a.filterable,
      regex: a.regex,
      glob: a.glob,
      fts: a.fts ?? null,
    };
  }
  return JSON.stringify({ idType: schema.idType, distanceMetric: schema.distanceMetric ?? null, attrs });
}

export function deserializeSchema(text: string): NsSchema {
  const o = JSON.parse(text) as {
    idType: IdType;
    distanceMetric: DistanceMetric | null;
    attrs: Record<
      string,
      { type: string; filterable: boolean; regex: boolean; glob: boolean; fts: FtsConfig | null }
    >;
  };
  const attrs = new Map<string, AttrSchema>();
  for (const [name, a] of Object.entries(o.attrs)) {
    attrs.set(name, {
      type: parseTypeName(a.type, name),
      filterable: a.filterable,
      regex: a.regex,
      glob: a.glob,
      fts: a.fts ?? undefined,
    });
  }
  return { idType: o.idType, distanceMetric: o.distanceMetric ?? undefined, attrs };
}

/** Vector columns in a stable order (the layout of the stored vector blob). */
export function vectorColumns(schema: NsSchema): { name: string; dims: number }[] {
  const out: { name: string; dims: number }[] = [];
  for (const [name, a] of schema.attrs)
    if (a.type.vector !== undefined) out.push({ name, dims: a.type.vector.dims });
  return out.sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
}
