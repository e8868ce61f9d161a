/**
 * Where filters read values from: the columns of a table (queries, by-filter writes), or one
 * document at a time (conditional writes, which also resolve `$ref_new` against the new document).
 */
import type { FilterSource } from './filters.ts';
import type { NsSchema } from './schema.ts';
import type { Doc, Table } from './table.ts';

const NOTHING = (): undefined => undefined;

export function tableSource(table: Table, schema: NsSchema = table.schema): FilterSource {
  return {
    schema,
    value(attr) {
      const col = table.columns.get(attr);
      if (col === undefined) return NOTHING;
      return (slot) => col[slot];
    },
    id: (slot) => table.ids[slot] as NonNullable<(typeof table.ids)[number]>,
    fts: (attr) => table.fts.get(attr),
  };
}

/** A source over one current document; set `current`/`next` before each evaluation. */
export class DocSource implements FilterSource {
  readonly schema: NsSchema;
  current: Doc | undefined;
  next: Doc | undefined;

  constructor(schema: NsSchema) {
    this.schema = schema;
  }

  value(attr: string): (slot: number) => unknown {
    return () => this.current?.attrs[attr];
  }

  id(): Doc['id'] {
    return (this.current as Doc).id;
  }

  refNew(attr: string): unknown {
    if (attr === 'id') return this.next?.id;
    return this.next?.attrs[attr];
  }
}
