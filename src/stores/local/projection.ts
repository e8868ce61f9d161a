/**
 * Which attributes a query returns and how rows are rendered: `id` first, then `$dist` for
 * ANN/kNN/BM25, then attributes. An explicit include list always yields its keys (null when the
 * document lacks the value); `true` and `exclude_attributes` yield the attributes a document has.
 * Vectors come back only when included, as float arrays or base64 (little-endian f32).
 */
import { invalid } from '../../wire/errors.ts';
import type { NsSchema } from './schema.ts';
import type { Table } from './table.ts';
import { formatValue, logicalBytes } from './values.ts';
import { encodeVector } from './vectors.ts';

export interface Projection {
  readonly attrs: readonly string[];
  /** True for explicit include lists: missing values are rendered as null. */
  readonly explicit: boolean;
}

const NONE: Projection = { attrs: [], explicit: false };

export function parseProjection(include: unknown, exclude: unknown, schema: NsSchema): Projection {
  const hasInclude = include !== undefined && include !== null && include !== false;
  const hasExclude = exclude !== undefined && exclude !== null;
  if (hasInclude && hasExclude)
    throw invalid('include_attributes and exclude_attributes are mutually exclusive');
  const all = [...schema.attrs.keys()];
  if (hasExclude) {
    if (!Array.isArray(exclude) || !exclude.every((x) => typeof x === 'string')) {
      throw invalid('exclude_attributes must be a list of attribute names');
    }
    const skip = new Set(exclude);
    return { attrs: all.filter((a) => !skip.has(a)), explicit: false };
  }
  if (!hasInclude) return NONE;
  if (include === true) return { attrs: all, explicit: false };
  if (!Array.isArray(include) || !include.every((x) => typeof x === 'string')) {
    throw invalid('include_attributes must be true, false or a list of attribute names');
  }
  for (const name of include) {
    if (name !== 'id' && !schema.attrs.has(name))
      throw invalid(`unknown attribute \`${name}\` in include_attributes`);
  }
  return { attrs: [...new Set(include.filter((n) => n !== 'id'))], explicit: true };
}

export interface RenderedRows {
  readonly rows: Record<string, unknown>[];
  readonly bytes: number;
}

export function renderRows(
  slots: readonly number[],
  table: Table,
  projection: Projection,
  dist: ((slot: number) => number) | undefined,
  encoding: 'float' | 'base64',
): RenderedRows {
  const schema = table.schema;
  let bytes = 0;
  const rows = slots.map((s) => {
    const id = table.ids[s];
    const row: Record<string, unknown> = { id };
    bytes += logicalBytes(id);
    if (dist !== undefined) {
      row.$dist = dist(s);
      bytes += 4;
    }
    for (const name of projection.attrs) {
      const type = schema.attrs.get(name)?.type;
      if (type?.vector !== undefined) {
        const col = table.vectors.get(name);
        if (col === undefined) continue;
        const vec = col.get(s);
        row[name] = encodeVector(vec, encoding, type.vector.precision);
        bytes += vec.length * 4;
        continue;
      }
      const v = table.columns.get(name)?.[s];
      if (v === undefined) {
        if (projection.explicit) row[name] = null;
        continue;
      }
      row[name] = formatValue(v, type);
      bytes += logicalBytes(v);
    }
    return row;
  });
  return { rows, bytes };
}
