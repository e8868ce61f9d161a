/**
 * Evaluating a rank_by score expression over a table. Each clause yields the slots it has a value
 * for and a dense per-slot score array (docs/adr/rank-by.md has the rules):
 * - BM25 has a value where a query token matches; a filter everywhere (1 matching, else 0); an
 *   Attribute where the document has one (null and missing have none);
 * - Sum and Max have a value where any of their clauses has one: Sum adds the clauses' values and
 *   its constants, Max takes the largest of them; constants never give a document a value alone;
 * - Product, Saturate, Decay and Dist transform their clause's value where it has one.
 * The ranking keeps documents whose final score is > 0.
 */
import type { Scores } from './bm25.ts';
import type { Clause } from './rank-parse.ts';
import type { Table } from './table.ts';

const NONE: Scores = { slots: new Int32Array(0), score: new Float64Array(0) };

/** Scores of every slot the clause has a value for. */
export function scoreClause(clause: Clause, table: Table): Scores {
  const capacity = table.capacity;
  switch (clause.t) {
    case 'bm25': {
      const index = table.fts.get(clause.attr);
      return index === undefined ? NONE : index.score(clause.tokens, clause.lastAsPrefix, capacity);
    }
    case 'filter':
      return collect(table, (s) => (clause.pred(s) ? 1 : 0));
    case 'attribute': {
      const col = table.columns.get(clause.attr);
      if (col === undefined) return NONE;
      return collect(table, (s) => {
        const v = col[s];
        return v === undefined ? undefined : Number(v);
      });
    }
    case 'product':
      return map(scoreClause(clause.clause, table), (v) => v * clause.weight);
    case 'saturate':
    case 'decay': {
      const { exponent: e } = clause;
      const me = clause.midpoint ** e;
      const saturate = clause.t === 'saturate';
      return map(scoreClause(clause.clause, table), (v) => {
        const xe = Math.max(v, 0) ** e;
        return (saturate ? xe : me) / (xe + me);
      });
    }
    case 'dist':
      return map(scoreClause(clause.clause, table), (v) => Math.abs(v - clause.origin));
    case 'sum':
    case 'max':
      return combine(clause.t, clause.clauses, clause.constants, table);
  }
}

/** Values of live slots from `value` (undefined = no value). */
function collect(table: Table, value: (slot: number) => number | undefined): Scores {
  const ids = table.ids;
  const score = new Float64Array(table.capacity);
  const slots = new Int32Array(table.capacity);
  let k = 0;
  for (let s = 0; s < ids.length; s++) {
    if (ids[s] === undefined) continue;
    const v = value(s);
    if (v === undefined) continue;
    slots[k++] = s;
    score[s] = v;
  }
  return { slots: slots.subarray(0, k), score };
}

/** Applies `fn` in place (the child's arrays are its own). */
function map(inner: Scores, fn: (v: number) => number): Scores {
  const score = inner.score;
  for (const s of inner.slots) score[s] = fn(score[s] as number);
  return inner;
}

function combine(
  op: 'sum' | 'max',
  clauses: readonly Clause[],
  constants: readonly number[],
  table: Table,
): Scores {
  const capacity = table.capacity;
  const score = new Float64Array(capacity);
  const seen = new Uint8Array(capacity);
  const slots = new Int32Array(capacity);
  let k = 0;
  for (const c of clauses) {
    const part = scoreClause(c, table);
    for (const s of part.slots) {
      const v = part.score[s] as number;
      if (seen[s] === 0) {
        seen[s] = 1;
        slots[k++] = s;
        score[s] = v;
      } else score[s] = op === 'sum' ? (score[s] as number) + v : Math.max(score[s] as number, v);
    }
  }
  const out = { slots: slots.subarray(0, k), score };
  if (constants.length === 0) return out;
  const c = op === 'sum' ? constants.reduce((a, b) => a + b, 0) : Math.max(...constants);
  return map(out, op === 'sum' ? (v) => v + c : (v) => Math.max(v, c));
}
