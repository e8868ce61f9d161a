/**
 * The scan cursor: where each shard of an Index's scan stands (the last id handed out, or done).
 * Opaque to clients: base64url of a small JSON document with a version, the Index name and its
 * shard count, so a cursor of another Index or of a resharded one is refused instead of silently
 * skipping rows. Ids keep their exact type (u64 ids above 2^53 stay exact: wire/json.ts).
 */
import { invalid } from '../wire/errors.ts';
import { parseJson, stringifyJson } from '../wire/json.ts';

const VERSION = 1;

/** One shard's position: `after` = the last id handed out (null: nothing yet); `done` = finished. */
export interface ShardPosition {
  readonly after: unknown;
  readonly done: boolean;
}

export interface ScanPosition {
  readonly index: string;
  /** One per upstream namespace of the Index, in shard order. */
  readonly shards: readonly ShardPosition[];
}

interface CursorDocument {
  readonly v: number;
  readonly i: string;
  readonly s: readonly (readonly [unknown, 0 | 1])[];
}

export function freshPosition(index: string, shardCount: number): ScanPosition {
  return { index, shards: Array.from({ length: shardCount }, () => ({ after: null, done: false })) };
}

/** The cursor text; null when every shard is done (nothing left to resume). */
export function encodeCursor(position: ScanPosition): string | null {
  if (position.shards.every((s) => s.done)) return null;
  const doc: CursorDocument = {
    v: VERSION,
    i: position.index,
    s: position.shards.map((s) => [s.after, s.done ? 1 : 0] as const),
  };
  return Buffer.from(stringifyJson(doc), 'utf8').toString('base64url');
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;

function isId(value: unknown): boolean {
  return (
    value === null ||
    typeof value === 'string' ||
    typeof value === 'bigint' ||
    (typeof value === 'number' && Number.isInteger(value) && value >= 0)
  );
}

/** Decodes a client's cursor for Index `index` with `shardCount` shards; a 400 when it is not one. */
export function decodeCursor(text: unknown, index: string, shardCount: number): ScanPosition {
  const bad = (why: string) =>
    invalid(`cursor is not a scan cursor of Index ${JSON.stringify(index)}: ${why}`);
  if (typeof text !== 'string' || text === '' || !BASE64URL.test(text)) {
    throw bad('expected the opaque string a previous scan returned');
  }
  let doc: unknown;
  try {
    doc = parseJson(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    throw bad('it does not decode');
  }
  if (typeof doc !== 'object' || doc === null) throw bad('it does not decode');
  const { v, i, s } = doc as Partial<CursorDocument>;
  if (v !== VERSION) throw bad(`unknown cursor version ${JSON.stringify(v)}`);
  if (i !== index) throw bad(`it belongs to Index ${JSON.stringify(i)}`);
  if (!Array.isArray(s) || s.length !== shardCount) {
    throw bad(`it covers ${Array.isArray(s) ? s.length : 'no'} shards, the Index has ${shardCount}`);
  }
  const shards = s.map((entry: unknown): ShardPosition => {
    if (
      !Array.isArray(entry) ||
      entry.length !== 2 ||
      !isId(entry[0]) ||
      (entry[1] !== 0 && entry[1] !== 1)
    ) {
      throw bad('a shard position is malformed');
    }
    return { after: entry[0], done: entry[1] === 1 };
  });
  return { index, shards };
}
