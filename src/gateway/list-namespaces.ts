/**
 * `GET /v1/namespaces` on the gateway lists declared Indexes (not upstream namespaces): the names a
 * client can address. Pages are in name order; the cursor is the last name returned, encoded so
 * clients treat it as opaque.
 */
import type { ListNamespacesParams } from '../stores/port.ts';
import { invalid } from '../wire/errors.ts';

export const DEFAULT_PAGE_SIZE = 100;

export interface NamespacePage {
  readonly namespaces: { id: string }[];
  readonly next_cursor: string | null;
}

export function encodeCursor(lastName: string): string {
  return Buffer.from(lastName, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): string {
  if (!/^[A-Za-z0-9_-]*$/.test(cursor)) throw invalid(`invalid cursor ${JSON.stringify(cursor)}`);
  return Buffer.from(cursor, 'base64url').toString('utf8');
}

export function pageNames(names: Iterable<string>, params: ListNamespacesParams): NamespacePage {
  const pageSize = params.pageSize ?? DEFAULT_PAGE_SIZE;
  const after = params.cursor === undefined || params.cursor === '' ? undefined : decodeCursor(params.cursor);
  const prefix = params.prefix ?? '';
  const matching = [...names]
    .filter((name) => name.startsWith(prefix) && (after === undefined || name > after))
    .sort();
  const page = matching.slice(0, pageSize);
  const last = page.at(-1);
  return {
    namespaces: page.map((id) => ({ id })),
    next_cursor: matching.length > pageSize && last !== undefined ? encodeCursor(last) : null,
  };
}
