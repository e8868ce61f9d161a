/**
 * aggregate_by (Count, Count attr, Sum attr) over the filtered documents, optionally per group
 * (group_by attributes, or `{"label": ["ForEachUnique", attr]}` which explodes an array attribute
 * into one group per distinct element; a missing or empty array is the null group). Groups are
 * sorted by key (nulls first) and cut to the limit.
 */
import { invalid } from '../../wire/errors.ts';
import type { Predicate } from './filters.ts';
import type { NsSchema } from './schema.ts';
import type { Table } from './table.ts';
import { compareScalars, describeValue, formatValue, type AttrType } from './values.ts';

interface AggFn {
  readonly label: string;
  readonly fn: 'count' | 'count_attr' | 'sum';
  readonly attr: string | undefined;
  readonly integer: boolean;
}

interface GroupKey {
  readonly label: string;
  readonly attr: string;
  readonly explode: boolean;
  readonly type: AttrType;
}

export interface AggregatePlan {
  readonly fns: readonly AggFn[];
  readonly groups: readonly GroupKey[] | undefined;
}

function attrType(schema: NsSchema, attr: unknown, what: string): AttrType {
  if (typeof attr !== 'string') throw invalid(`${what} must name an attribute`);
  const a = schema.attrs.get(attr);
  if (a === undefined) throw invalid(`${what}: unknown attribute \`${attr}\``);
  if (a.type.vector !== undefined)
    throw invalid(`${what}: vector attribute \`${attr}\` cannot be aggregated`);
  return a.type;
}

export function parseAggregate(aggregateBy: unknown, groupBy: unknown, schema: NsSchema): AggregatePlan {
  if (typeof aggregateBy !== 'object' || aggregateBy === null || Array.isArray(aggregateBy)) {
    throw invalid('aggregate_by must be an object of label -> aggregation, e.g. {"n": ["Count"]}');
  }
  const fns = Object.entries(aggregateBy).map(([label, raw]): AggFn => {
    if (!Array.isArray(raw) || typeof raw[0] !== 'string')
      throw invalid(`invalid aggregation ${label}: ${describeValue(raw)}`);
    const [name, attr] = raw as [string, unknown];
    if (name === 'Count' && raw.length === 1) return { label, fn: 'count', attr: undefined, integer: true };
    if (name === 'Count' && raw.length === 2) {
      attrType(schema, attr, `aggregation ${label}`);
      return { label, fn: 'count_attr', attr: attr as string, integer: true };
    }
    if (name === 'Sum' && raw.length === 2) {
      const t = attrType(schema, attr, `aggregation ${label}`);
      if (t.array || (t.scalar !== 'int' && t.scalar !== 'uint' && t.scalar !== 'float')) {
        throw invalid(
          `aggregation ${label}: Sum needs an int, uint or float attribute, \`${String(attr)}\` is ${t.name}`,
        );
      }
      return { label, fn: 'sum', attr: attr as string, integer: t.scalar !== 'float' };
    }
    throw invalid(
      `unsupported aggregation ${label}: ${describeValue(raw)} (supported: ["Count"], ["Count", attr], ["Sum", attr])`,
    );
  });
  if (fns.length === 0) throw invalid('aggregate_by needs at least one aggregation');
  if (groupBy === undefined || groupBy === null) return { fns, groups: undefined };
  if (!Array.isArray(groupBy) || groupBy.length === 0)
    throw invalid('group_by must be a non-empty array of attributes');
  const groups = groupBy.map((g): GroupKey => {
    if (typeof g === 'string') {
      const type = attrType(schema, g, 'group_by');
      if (type.array)
        throw invalid(`group_by: array attribute \`${g}\` needs {"label": ["ForEachUnique", "${g}"]}`);
      return { label: g, attr: g, explode: false, type };
    }
    const entries = typeof g === 'object' && g !== null && !Array.isArray(g) ? Object.entries(g) : [];
    const [label, spec] = entries[0] ?? [];
    if (entries.length !== 1 || !Array.isArray(spec) || spec[0] !== 'ForEachUnique' || spec.length !== 2) {
      throw invalid(`invalid group_by entry ${describeValue(g)}`);
    }
    return {
      label: label as string,
      attr: spec[1] as string,
      explode: true,
      type: attrType(schema, spec[1], 'group_by'),
    };
  });
  for (const f of fns) {
    if (groups.some((g) => g.label === f.label))
      throw invalid(`aggregation label \`${f.label}\` collides with a group_by key`);
  }
  return { fns, groups };
}

class Acc {
  readonly values: (number | bigint)[];
  constructor(n: number) {
    this.values = new Array<number | bigint>(n).fill(0);
  }
}

function accumulate(
  acc: Acc,
  fns: readonly AggFn[],
  cols: readonly (unknown[] | undefined)[],
  s: number,
): void {
  for (let i = 0; i < fns.length; i++) {
    const f = fns[i] as AggFn;
    if (f.fn === 'count') acc.values[i] = (acc.values[i] as number) + 1;
    else {
      const v = cols[i]?.[s];
      if (v === undefined) continue;
      if (f.fn === 'count_attr') acc.values[i] = (acc.values[i] as number) + 1;
      else if (typeof v === 'bigint' || typeof acc.values[i] === 'bigint')
        acc.values[i] = BigInt(acc.values[i] as number) + BigInt(v as number);
      else {
        const next = (acc.values[i] as number) + (v as number);
        acc.values[i] =
          f.integer && !Number.isSafeInteger(next)
            ? BigInt(acc.values[i] as number) + BigInt(v as number)
            : next;
      }
    }
  }
}

function results(acc: Acc, fns: readonly AggFn[], out: Record<string, unknown>): void {
  fns.forEach((f, i) => {
    const v = acc.values[i] as number | bigint;
    out[f.label] =
      typeof v === 'bigint' && v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER)
        ? Number(v)
        : v;
  });
}

const NULL_KEY = '\u0000null';

export function runAggregate(
  plan: AggregatePlan,
  table: Table,
  pred: Predicate | undefined,
  limit: number,
): {
  aggregations?: Record<string, unknown>;
  aggregation_groups?: Record<string, unknown>[];
  scanned: number;
} {
  const cols = plan.fns.map((f) => (f.attr === undefined ? undefined : table.columns.get(f.attr)));
  const ids = table.ids;
  if (plan.groups === undefined) {
    const acc = new Acc(plan.fns.length);
    for (let s = 0; s < table.capacity; s++)
      if (ids[s] !== undefined && (pred === undefined || pred(s))) accumulate(acc, plan.fns, cols, s);
    const aggregations: Record<string, unknown> = {};
    results(acc, plan.fns, aggregations);
    return { aggregations, scanned: table.size };
  }
  const groups = plan.groups;
  const gcols = groups.map((g) => table.columns.get(g.attr) ?? []);
  const buckets = new Map<string, { key: unknown[]; acc: Acc }>();
  const add = (k: string, s: number, key: () => unknown[]) => {
    let b = buckets.get(k);
    if (b === undefined) buckets.set(k, (b = { key: key(), acc: new Acc(plan.fns.length) }));
    accumulate(b.acc, plan.fns, cols, s);
  };
  const exploding = groups.some((g) => g.explode);
  for (let s = 0; s < table.capacity; s++) {
    if (ids[s] === undefined || (pred !== undefined && !pred(s))) continue;
    if (!exploding) {
      // The hot path (e.g. Count by category, brand over 1M rows): one string key, no arrays.
      let k = keyText(gcols[0]?.[s]);
      for (let g = 1; g < gcols.length; g++) k += '\u0001' + keyText(gcols[g]?.[s]);
      add(k, s, () => gcols.map((c) => c[s]));
      continue;
    }
    let keys: unknown[][] = [[]];
    groups.forEach((g, i) => {
      const v = gcols[i]?.[s];
      const options = g.explode ? (Array.isArray(v) && v.length > 0 ? [...new Set(v)] : [undefined]) : [v];
      keys = keys.flatMap((k) => options.map((o) => [...k, o]));
    });
    for (const k of keys) add(k.map(keyText).join('\u0001'), s, () => k);
  }
  const sorted = [...buckets.values()].sort((a, b) => {
    for (let i = 0; i < a.key.length; i++) {
      const x = a.key[i];
      const y = b.key[i];
      if (x === y) continue;
      const c = x === undefined ? -1 : y === undefined ? 1 : compareScalars(x, y);
      if (c !== 0) return c;
    }
    return 0;
  });
  const aggregation_groups = sorted.slice(0, limit).map(({ key, acc }) => {
    const row: Record<string, unknown> = {};
    groups.forEach((g, i) => {
      const v = key[i];
      row[g.label] =
        v === undefined ? null : formatValue(v, g.explode ? { ...g.type, array: false } : g.type);
    });
    results(acc, plan.fns, row);
    return row;
  });
  return { aggregation_groups, scanned: table.size };
}

function keyText(v: unknown): string {
  return v === undefined ? NULL_KEY : typeof v === 'string' ? v : `\u0002${String(v)}`;
}
