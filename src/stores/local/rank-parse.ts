/**
 * rank_by score expressions parsed into a typed tree: BM25 and filter clauses, `Attribute`,
 * constants, and the Sum/Max/Product/Saturate/Decay/Dist operators (the grammar, with what each
 * form means here, is docs/adr/rank-by.md). A malformed part is a 400 naming its path in the
 * expression (`rank_by[1][2]`) and the form expected there; a documented form this engine does
 * not compute is a 400 naming the feature. The tree holds compiled filter predicates, so it is
 * built where it runs: in the engine thread executing the query (bodies cross threads as JSON).
 */
import { invalid, unsupported, type HevError } from '../../wire/errors.ts';
import { isRecord } from '../../wire/guards.ts';
import {
  compileFilter,
  isFilterOperator,
  parseLastAsPrefix,
  type FilterSource,
  type Predicate,
} from './filters.ts';
import { tokenizeQuery } from './tokenizer.ts';
import { describeValue, parseDatetime } from './values.ts';

export type Clause =
  | { readonly t: 'bm25'; readonly attr: string; readonly tokens: string[]; readonly lastAsPrefix: boolean }
  | { readonly t: 'filter'; readonly pred: Predicate }
  /** A numeric attribute's value (datetimes in epoch ms); no value where null or missing. */
  | { readonly t: 'attribute'; readonly attr: string }
  | { readonly t: 'sum' | 'max'; readonly clauses: readonly Clause[]; readonly constants: readonly number[] }
  | { readonly t: 'product'; readonly weight: number; readonly clause: Clause }
  | {
      readonly t: 'saturate' | 'decay';
      readonly clause: Clause;
      readonly midpoint: number;
      readonly exponent: number;
    }
  | { readonly t: 'dist'; readonly clause: Clause; readonly origin: number };

interface Parsed {
  readonly clause: Clause;
  /** The error for an Attribute of a signed type that no operator clamps at 0, if there is one. */
  readonly signed: HevError | undefined;
  /** Values are times or durations in ms (a datetime Attribute, or a Dist over one). */
  readonly temporal: boolean;
}

type Operand = { readonly constant: number } | Parsed;

const MAX_QUERY_CHARS = 8192;
const OPERATORS = 'Sum, Max, Product, Attribute, Saturate, Decay, Dist';
const SIGNED_SCALARS = new Set(['int', 'float', 'datetime']);
const NUMERIC_SCALARS = new Set(['int', 'uint', 'float', 'datetime']);
const DURATION = /^(\d+(?:\.\d+)?)([smhdw])$/;
const UNIT_MS: Record<string, number> = { s: 1e3, m: 6e4, h: 36e5, d: 864e5, w: 6048e5 };

/** The 400 for a malformed part of rank_by: where it is, what was expected, what came. */
export function rankError(path: string, expected: string, got: unknown): HevError {
  return invalid(`invalid rank_by at ${path}: ${expected}, got ${describeValue(got)}`);
}

/** Parses a score expression: every rank_by that is neither vector search nor attribute order. */
export function parseScore(raw: unknown, source: FilterSource): Clause {
  const parsed = clause(raw, 'rank_by', source);
  if (parsed.signed !== undefined) throw parsed.signed;
  return parsed.clause;
}

function plain(clause: Clause): Parsed {
  return { clause, signed: undefined, temporal: false };
}

function clause(raw: unknown, path: string, source: FilterSource): Parsed {
  if (!Array.isArray(raw) || raw.length === 0) throw rankError(path, 'expected a ranking clause', raw);
  const [head, second] = raw as unknown[];
  if (typeof head === 'string' && typeof second === 'string') {
    if (second === 'BM25') return bm25(raw, path, source);
    if (second === 'ANN' || second === 'kNN')
      throw unsupported('combining ANN/kNN with other ranking clauses (use a multi-query)');
    if (second === 'SparseKNN') throw unsupported('SparseKNN');
    if (isFilterOperator(second)) return plain({ t: 'filter', pred: compileFilter(raw, source) });
  }
  switch (head) {
    case 'Sum':
    case 'Max':
      return combine(head, raw, path, source);
    case 'Product':
      return product(raw, path, source);
    case 'Attribute':
      return attribute(raw, path, source);
    case 'Saturate':
    case 'Decay':
      return curve(head, raw, path, source);
    case 'Dist':
      return dist(raw, path, source);
    case 'And':
    case 'Or':
    case 'Not':
      return plain({ t: 'filter', pred: compileFilter(raw, source) });
  }
  throw rankError(
    path,
    `expected [attr, "BM25", query], a filter such as [attr, "Eq", value], or one of ${OPERATORS}`,
    raw,
  );
}

function number(raw: unknown): number | undefined {
  if (typeof raw === 'bigint') return Number(raw);
  return typeof raw === 'number' && Number.isFinite(raw) ? raw : undefined;
}

function operand(raw: unknown, path: string, source: FilterSource, what: string): Operand {
  if (typeof raw !== 'number' && typeof raw !== 'bigint') return clause(raw, path, source);
  const constant = number(raw);
  if (constant === undefined || constant < 0) throw rankError(path, `${what} must be a number >= 0`, raw);
  return { constant };
}

function isConstant(o: Operand): o is { readonly constant: number } {
  return 'constant' in o;
}

/** Values with their paths: `values[i]` sits at `${path}[${first + i}]`. */
function located(values: readonly unknown[], path: string, first: number): { raw: unknown; path: string }[] {
  return values.map((raw, i) => ({ raw, path: `${path}[${first + i}]` }));
}

/** `["Sum", [a, b, …]]`, `["Max", [a, b, …]]` and `["Max", a, b]`; operands may be constants. */
function combine(op: 'Sum' | 'Max', raw: unknown[], path: string, source: FilterSource): Parsed {
  const form =
    op === 'Sum'
      ? 'Sum takes a list of clauses: ["Sum", [clause, ...]]'
      : 'Max takes a list of clauses or two operands: ["Max", [clause, ...]] or ["Max", 0, clause]';
  let items: { raw: unknown; path: string }[];
  // A list of operands, not a single clause (whose head is a string) missing its brackets.
  if (raw.length === 2 && Array.isArray(raw[1]) && raw[1].length > 0 && typeof raw[1][0] !== 'string') {
    items = located(raw[1] as unknown[], `${path}[1]`, 0);
  } else if (op === 'Max' && raw.length === 3) items = located(raw.slice(1), path, 1);
  else throw rankError(path, form, raw);
  const operands = items.map((o) => operand(o.raw, o.path, source, `a ${op} constant`));
  const clauses = operands.filter((o): o is Parsed => !isConstant(o));
  if (clauses.length === 0) throw rankError(path, `${op} needs at least one clause besides constants`, raw);
  const constants = operands.filter(isConstant).map((o) => o.constant);
  // Max with a constant (always >= 0) clamps a signed operand at 0. A non-negative clause does
  // not: where it has no value (BM25 not matching), the signed operand alone is the maximum.
  const clamps = op === 'Max' && constants.length > 0;
  return {
    clause: { t: op === 'Sum' ? 'sum' : 'max', clauses: clauses.map((c) => c.clause), constants },
    signed: clamps ? undefined : clauses.find((c) => c.signed !== undefined)?.signed,
    temporal: false,
  };
}

/** `["Product", w, clause]`, `["Product", clause, w]`, and the older `["Product", [w, clause]]`. */
function product(raw: unknown[], path: string, source: FilterSource): Parsed {
  const form = 'Product takes a weight and a clause: ["Product", 2, clause] or ["Product", clause, 2]';
  let items: { raw: unknown; path: string }[];
  const legacy = raw[1];
  if (raw.length === 3) items = located(raw.slice(1), path, 1);
  else if (raw.length === 2 && Array.isArray(legacy) && legacy.length === 2) {
    items = located(legacy as unknown[], `${path}[1]`, 0);
  } else throw rankError(path, form, raw);
  const operands = items.map((o) => operand(o.raw, o.path, source, 'the Product weight'));
  const [a, b] = operands as [Operand, Operand];
  if (isConstant(a) === isConstant(b)) throw rankError(path, form, raw);
  const [weight, inner] = isConstant(a) ? [a, b as Parsed] : [b as { constant: number }, a];
  return {
    clause: { t: 'product', weight: weight.constant, clause: inner.clause },
    signed: inner.signed,
    temporal: false,
  };
}

function attribute(raw: unknown[], path: string, source: FilterSource): Parsed {
  const name = raw[1];
  if (raw.length !== 2 || typeof name !== 'string')
    throw rankError(path, 'Attribute takes one attribute name: ["Attribute", "name"]', raw);
  if (name === 'id') throw rankError(path, 'Attribute reads a numeric attribute, not the document id', raw);
  const clause: Clause = { t: 'attribute', attr: name };
  const type = source.schema.attrs.get(name)?.type;
  // An attribute no document has ever had has no value anywhere, as in filters.
  if (type === undefined) return plain(clause);
  if (type.scalar === undefined || type.array || !NUMERIC_SCALARS.has(type.scalar)) {
    throw rankError(
      path,
      `Attribute needs a numeric or datetime attribute; \`${name}\` is ${type.name}`,
      raw,
    );
  }
  const signed = SIGNED_SCALARS.has(type.scalar)
    ? invalid(
        `invalid rank_by at ${path}: Attribute \`${name}\` has the signed type ${type.name}; ` +
          'wrap it in ["Max", 0, …] (or Saturate, Decay or Dist) so that scores are never negative',
      )
    : undefined;
  return { clause, signed, temporal: type.scalar === 'datetime' };
}

/** `["Saturate", clause, {midpoint, exponent}]` and `["Decay", …]`; both clamp their input at 0. */
function curve(op: 'Saturate' | 'Decay', raw: unknown[], path: string, source: FilterSource): Parsed {
  const params = raw[2];
  if (raw.length !== 3)
    throw rankError(path, `${op} takes a clause and parameters: ["${op}", clause, {"midpoint": m}]`, raw);
  const inner = clause(raw[1], `${path}[1]`, source);
  const at = `${path}[2]`;
  if (!isRecord(params))
    throw rankError(at, `${op} parameters must be an object such as {"midpoint": 10}`, params);
  for (const key of Object.keys(params)) {
    if (key !== 'midpoint' && key !== 'exponent')
      throw rankError(at, `${op} parameters are midpoint and exponent, not \`${key}\``, params);
  }
  const midpoint = parseMidpoint(params.midpoint, inner.temporal, `${at}.midpoint`, op);
  let exponent = 1;
  if (params.exponent !== undefined && params.exponent !== null) {
    const e = number(params.exponent);
    if (e === undefined || e <= 0)
      throw rankError(`${at}.exponent`, `the ${op} exponent must be a number > 0`, params.exponent);
    exponent = e;
  }
  return plain({ t: op === 'Saturate' ? 'saturate' : 'decay', clause: inner.clause, midpoint, exponent });
}

function parseMidpoint(raw: unknown, temporal: boolean, path: string, op: string): number {
  if (typeof raw === 'string') {
    if (!temporal) {
      throw rankError(
        path,
        `a duration midpoint needs a datetime operand (a datetime Attribute, or a Dist over one)`,
        raw,
      );
    }
    const m = DURATION.exec(raw);
    const ms = m === null ? 0 : Number(m[1]) * (UNIT_MS[m[2] as string] as number);
    if (ms > 0) return ms;
    throw rankError(
      path,
      `the ${op} midpoint must be a duration such as "6h" (s, m, h, d, w) or milliseconds > 0`,
      raw,
    );
  }
  const m = number(raw);
  if (m === undefined || m <= 0) {
    throw rankError(
      path,
      `${op} needs a midpoint: a number > 0${temporal ? ' (milliseconds) or a duration such as "6h"' : ''}`,
      raw,
    );
  }
  return m;
}

/** `["Dist", clause, origin]`: |value − origin|; on a datetime the origin is a datetime. */
function dist(raw: unknown[], path: string, source: FilterSource): Parsed {
  if (raw.length !== 3)
    throw rankError(path, 'Dist takes a clause and an origin: ["Dist", ["Attribute", "x"], origin]', raw);
  const inner = clause(raw[1], `${path}[1]`, source);
  const origin = inner.temporal ? parseDatetime(raw[2]) : number(raw[2]);
  if (origin === undefined) {
    const expected = inner.temporal
      ? 'the origin of a datetime distance must be a datetime such as "2026-02-03T12:13:14" or epoch milliseconds'
      : 'the Dist origin must be a number';
    throw rankError(`${path}[2]`, expected, raw[2]);
  }
  return { clause: { t: 'dist', clause: inner.clause, origin }, signed: undefined, temporal: inner.temporal };
}

function bm25(raw: unknown[], path: string, source: FilterSource): Parsed {
  const [attr, , q, opts] = raw;
  if (typeof attr !== 'string' || raw.length < 3 || raw.length > 4)
    throw rankError(
      path,
      'BM25 takes [attr, "BM25", query] or [attr, "BM25", query, {"last_as_prefix": true}]',
      raw,
    );
  const a = source.schema.attrs.get(attr);
  if (a?.fts === undefined) throw rankError(path, `\`${attr}\` does not have full_text_search enabled`, raw);
  const preTokenized = a.fts.tokenizer === 'pre_tokenized_array';
  // turbopuffer's own wording for a query of the wrong shape (observed).
  if (preTokenized && !(Array.isArray(q) && q.every((t) => typeof t === 'string'))) {
    throw invalid(`for rank_by field "${attr}", expecting []string`);
  }
  if (!preTokenized && typeof q !== 'string') throw invalid(`for rank_by field "${attr}", expecting string`);
  const text = typeof q === 'string' ? q : (q as string[]).join(' ');
  if (text.length > MAX_QUERY_CHARS)
    throw rankError(
      `${path}[2]`,
      `the query must be at most ${MAX_QUERY_CHARS} characters`,
      `${text.slice(0, 20)}…`,
    );
  const lastAsPrefix = parseLastAsPrefix(attr, opts, true);
  return plain({ t: 'bm25', attr, tokens: tokenizeQuery(q as string | string[], a.fts), lastAsPrefix });
}
