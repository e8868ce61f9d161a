/**
 * Filters, compiled once per query into a predicate over slots. Evaluated in JS so turbopuffer's
 * semantics hold exactly: `Eq null` = missing, `NotEq null` = present, every `Not*` op is the
 * negation of its positive op (so missing values match `NotEq "x"`), comparisons treat null as
 * the smallest value (so `Lt`/`Lte` match missing values; see docs/adr/local-engine.md), `In` on
 * an array attribute means "any element in the list". Operand types are checked against the
 * schema up front; a mismatch is a 400 naming the key.
 */
import { invalid } from '../../wire/errors.ts';
import type { FtsIndex } from './bm25.ts';
import type { DocId, IdType } from './ids.ts';
import { globToRegExp, rustRegexToRegExp } from './patterns.ts';
import type { AttrSchema, FtsConfig, NsSchema } from './schema.ts';
import { tokenizeQuery, tokenizeValue } from './tokenizer.ts';
import {
  coerceScalar,
  compareScalars,
  describeValue,
  scalarType,
  valuesEqual,
  type AttrType,
  type ScalarType,
} from './values.ts';

export type Predicate = (slot: number) => boolean;

export interface FilterSource {
  readonly schema: NsSchema;
  /** Value getter of an attribute (internal form; undefined when null/missing). */
  value(attr: string): (slot: number) => unknown;
  id(slot: number): DocId;
  /** Full-text index for fast token filters over all slots (absent when evaluating single docs). */
  fts?(attr: string): FtsIndex | undefined;
  /** Resolves `{"$ref_new": attr}` at evaluation time (conditional writes only). */
  refNew?(attr: string): unknown;
}

const COMPARE_OPS = ['Lt', 'Lte', 'Gt', 'Gte'] as const;
const ANY_OPS = ['AnyLt', 'AnyLte', 'AnyGt', 'AnyGte'] as const;
const TOKEN_OPS = ['ContainsAllTokens', 'ContainsAnyToken', 'ContainsTokenSequence'] as const;
const NEGATED: Record<string, string> = {
  NotEq: 'Eq',
  NotIn: 'In',
  NotContains: 'Contains',
  NotContainsAny: 'ContainsAny',
  NotGlob: 'Glob',
  NotIGlob: 'IGlob',
};
const ALL_OPS = new Set<string>([
  'Eq',
  'In',
  'Contains',
  'ContainsAny',
  'Regex',
  'Glob',
  'IGlob',
  ...Object.keys(NEGATED),
  ...COMPARE_OPS,
  ...ANY_OPS,
  ...TOKEN_OPS,
]);

/** Whether `op` names a filter operator (so a rank_by clause `[attr, op, …]` is a filter). */
export function isFilterOperator(op: unknown): boolean {
  return typeof op === 'string' && (ALL_OPS.has(op) || op === 'Fuzzy');
}

interface Key {
  readonly name: string;
  readonly type: AttrType | undefined;
  readonly schema: AttrSchema | undefined;
}

function keyOf(attr: string, source: FilterSource): Key {
  if (attr === 'id')
    return { name: attr, type: scalarType(idScalar(source.schema.idType)), schema: undefined };
  const schema = source.schema.attrs.get(attr);
  return { name: attr, type: schema?.type, schema };
}

function idScalar(type: IdType): ScalarType {
  return type === 'uint' ? 'uint' : type === 'uuid' ? 'uuid' : 'string';
}

function fail(key: string, message: string): Error {
  return invalid(`filter error in key \`${key}\`: ${message}`);
}

function mismatch(key: Key, op: string, expects: string, raw: unknown): Error {
  return fail(key.name, `type mismatch, ${op} expects ${expects}, but got ${describeValue(raw)}`);
}

function isRef(raw: unknown): raw is { $ref_new: string } {
  return typeof raw === 'object' && raw !== null && !Array.isArray(raw) && '$ref_new' in raw;
}

type Operand = () => unknown;

/** Turns a filter operand into a getter of its internal value (constant, or `$ref_new`). */
function operand(
  key: Key,
  op: string,
  raw: unknown,
  source: FilterSource,
  shape: 'scalar' | 'list' | 'array',
): Operand {
  if (isRef(raw)) {
    const attr = raw.$ref_new;
    if (typeof attr !== 'string' || source.refNew === undefined) {
      throw fail(key.name, '$ref_new is only allowed in the conditions of conditional writes');
    }
    const refNew = source.refNew.bind(source);
    return () => refNew(attr);
  }
  const scalar = key.type?.scalar;
  const coerce = (item: unknown): unknown => {
    if (item === null) return undefined;
    if (scalar === undefined) return typeof item === 'object' ? undefined : item;
    return coerceScalar(scalar, item);
  };
  const elemName = scalar ?? 'value';
  if (shape === 'scalar') {
    if (raw === null) return () => undefined;
    const v = coerce(raw);
    if (v === undefined) throw mismatch(key, op, elemName, raw);
    return () => v;
  }
  if (raw === null && shape === 'array') return () => undefined;
  if (!Array.isArray(raw)) throw mismatch(key, op, `[]${elemName}`, raw);
  const list = raw.map((item) => {
    const v = coerce(item);
    if (v === undefined && (item !== null || shape === 'array'))
      throw mismatch(key, op, `[]${elemName}`, raw);
    return v;
  });
  return () => list;
}

function compareWithNull(a: unknown, b: unknown): number {
  if (a === undefined) return b === undefined ? 0 : -1;
  if (b === undefined) return 1;
  return compareScalars(a, b);
}

const CMP: Record<string, (c: number) => boolean> = {
  Lt: (c) => c < 0,
  Lte: (c) => c <= 0,
  Gt: (c) => c > 0,
  Gte: (c) => c >= 0,
};

export function compileFilter(raw: unknown, source: FilterSource): Predicate {
  if (!Array.isArray(raw) || raw.length < 2) {
    throw invalid(
      `invalid filter ${describeValue(raw)}: expected [attr, op, value], ["And", [...]], ["Or", [...]] or ["Not", filter]`,
    );
  }
  const [head, second] = raw as unknown[];
  if ((head === 'And' || head === 'Or') && Array.isArray(second) && raw.length === 2) {
    const parts = second.map((f) => compileFilter(f, source));
    if (head === 'And') return (s) => parts.every((p) => p(s));
    return (s) => parts.some((p) => p(s));
  }
  if (head === 'Not' && raw.length === 2 && Array.isArray(second)) {
    const inner = compileFilter(second, source);
    return (s) => !inner(s);
  }
  if (typeof head !== 'string' || typeof second !== 'string' || raw.length < 3 || raw.length > 4) {
    throw invalid(`invalid filter ${describeValue(raw)}: expected [attr, op, value]`);
  }
  return compileCondition(head, second, raw[2], raw[3], source);
}

function compileCondition(
  attr: string,
  op: string,
  value: unknown,
  opts: unknown,
  source: FilterSource,
): Predicate {
  if (!ALL_OPS.has(op)) {
    if (op === 'Fuzzy') throw fail(attr, 'Fuzzy filters are not supported by this store');
    throw fail(attr, `unknown filter operator ${JSON.stringify(op)}`);
  }
  const positive = NEGATED[op];
  if (positive !== undefined) {
    const inner = compileCondition(attr, positive, value, opts, source);
    return (s) => !inner(s);
  }
  const key = keyOf(attr, source);
  checkIndexed(key, op);
  const get = attr === 'id' ? (s: number) => source.id(s) : source.value(attr);
  const isArray = key.type?.array ?? false;
  if (key.type?.vector !== undefined) throw fail(attr, `vector attributes cannot be filtered (${op})`);

  switch (op) {
    case 'Eq': {
      const x = operand(key, op, value, source, isArray ? 'array' : 'scalar');
      return (s) => valuesEqual(get(s), x());
    }
    case 'In': {
      const xs = operand(key, op, value, source, 'list');
      if (isArray) return (s) => anyElement(get(s), (e) => (xs() as unknown[]).includes(e));
      return (s) => (xs() as unknown[]).includes(get(s));
    }
    case 'Lt':
    case 'Lte':
    case 'Gt':
    case 'Gte': {
      if (isArray) throw fail(attr, `${op} is not defined for array attributes; use Any${op}`);
      const x = operand(key, op, value, source, 'scalar');
      const test = CMP[op] as (c: number) => boolean;
      return (s) => test(compareWithNull(get(s), x()));
    }
    case 'AnyLt':
    case 'AnyLte':
    case 'AnyGt':
    case 'AnyGte': {
      requireArray(key, op, value);
      const x = operand(key, op, value, source, 'scalar');
      const test = CMP[op.slice(3)] as (c: number) => boolean;
      return (s) => anyElement(get(s), (e) => test(compareWithNull(e, x())));
    }
    case 'Contains': {
      requireArray(key, op, value);
      if (value === null) throw mismatch(key, op, key.type?.scalar ?? 'value', value);
      const x = operand(key, op, value, source, 'scalar');
      return (s) => anyElement(get(s), (e) => e === x());
    }
    case 'ContainsAny': {
      requireArray(key, op, value);
      const xs = operand(key, op, value, source, 'list');
      return (s) => anyElement(get(s), (e) => (xs() as unknown[]).includes(e));
    }
    case 'Glob':
    case 'IGlob':
    case 'Regex': {
      if (key.type !== undefined && key.type.scalar !== 'string') {
        throw fail(attr, `${op} needs a string or []string attribute, \`${attr}\` is ${key.type.name}`);
      }
      if (typeof value !== 'string') throw mismatch(key, op, 'string', value);
      const re = op === 'Regex' ? rustRegexToRegExp(value) : globToRegExp(value, op === 'IGlob');
      return (s) => anyElement(get(s), (e) => typeof e === 'string' && re.test(e));
    }
    default:
      return compileTokenFilter(key, op, value, opts, source, get);
  }
}

function checkIndexed(key: Key, op: string): void {
  const a = key.schema;
  if (a === undefined) return;
  if (op === 'Regex') {
    if (!a.regex) throw fail(key.name, 'Regex filters need `regex: true` in the schema of this attribute');
    return;
  }
  if (op === 'Glob' || op === 'IGlob') {
    if (!a.glob && !a.filterable)
      throw fail(key.name, `${op} filters need \`glob: true\` in the schema of this attribute`);
    return;
  }
  if ((TOKEN_OPS as readonly string[]).includes(op)) {
    if (a.fts === undefined) throw fail(key.name, `${op} needs full_text_search enabled on this attribute`);
    return;
  }
  if (!a.filterable && a.type.vector === undefined) throw fail(key.name, 'attribute is not filterable');
}

function requireArray(key: Key, op: string, value: unknown): void {
  if (key.type !== undefined && !key.type.array) {
    throw mismatch(
      key,
      op,
      `an array attribute, \`${key.name}\` is ${key.type.name} and the value is`,
      value,
    );
  }
}

function anyElement(v: unknown, test: (e: unknown) => boolean): boolean {
  if (v === undefined) return false;
  if (Array.isArray(v)) {
    for (const e of v) if (test(e)) return true;
    return false;
  }
  return test(v);
}

function compileTokenFilter(
  key: Key,
  op: string,
  value: unknown,
  opts: unknown,
  source: FilterSource,
  get: (s: number) => unknown,
): Predicate {
  const cfg = key.schema?.fts as FtsConfig;
  const lastAsPrefix = parseLastAsPrefix(key.name, opts, op !== 'ContainsTokenSequence');
  if (typeof value !== 'string' && !(Array.isArray(value) && value.every((t) => typeof t === 'string'))) {
    throw mismatch(key, op, 'string or []string', value);
  }
  const tokens = tokenizeQuery(value as string | string[], cfg);
  if (tokens.length === 0) return () => false;
  const queryPositions =
    typeof value === 'string' ? tokenizeValue(value, cfg).positions : tokens.map((_, i) => i);
  const docMatches = (v: unknown): boolean => {
    const doc = tokenizeValue(v, cfg);
    const has = (t: string, i: number) =>
      lastAsPrefix && i === tokens.length - 1
        ? doc.tokens.some((d) => d.startsWith(t))
        : doc.tokens.includes(t);
    if (op === 'ContainsAllTokens') return tokens.every(has);
    if (op === 'ContainsAnyToken') return tokens.some(has);
    return containsSequence(doc.tokens, doc.positions, tokens, queryPositions);
  };
  const index = source.fts?.(key.name);
  if (index === undefined) return (s) => docMatches(get(s));
  const sets = tokens.map((t, i) => index.slotsWith(t, lastAsPrefix && i === tokens.length - 1));
  let matched: Set<number>;
  if (op === 'ContainsAnyToken') {
    matched = new Set();
    for (const set of sets) for (const s of set) matched.add(s);
  } else {
    sets.sort((a, b) => a.size - b.size);
    matched = new Set([...(sets[0] ?? [])].filter((s) => sets.every((set) => set.has(s))));
  }
  if (op === 'ContainsTokenSequence') return (s) => matched.has(s) && docMatches(get(s));
  return (s) => matched.has(s);
}

export function parseLastAsPrefix(attr: string, opts: unknown, allowed: boolean): boolean {
  if (opts === undefined || opts === null) return false;
  if (typeof opts !== 'object' || Array.isArray(opts))
    throw fail(attr, 'token filter options must be an object');
  const v = (opts as Record<string, unknown>).last_as_prefix;
  if (v === undefined) return false;
  if (typeof v !== 'boolean') throw fail(attr, 'last_as_prefix must be a boolean');
  if (v && !allowed) throw fail(attr, 'last_as_prefix is not supported for ContainsTokenSequence');
  return v;
}

function containsSequence(doc: string[], docPos: number[], query: string[], queryPos: number[]): boolean {
  const first = query[0] as string;
  const base = queryPos[0] as number;
  const at = new Map<number, string>();
  doc.forEach((t, i) => at.set(docPos[i] as number, t));
  for (let i = 0; i < doc.length; i++) {
    if (doc[i] !== first) continue;
    const start = docPos[i] as number;
    if (query.every((t, j) => at.get(start + (queryPos[j] as number) - base) === t)) return true;
  }
  return false;
}
