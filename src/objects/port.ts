/**
 * The object store port: where facet snapshot history lives (INTERFACES.md "Snapshot store
 * layout"). Keys are `/`-separated paths; a `put` is all or nothing for readers (a reader sees the
 * previous object, or none, or the whole new one), which is what lets the snapshot writer put the
 * body first and `latest.json` second without a partial snapshot ever being visible. Adapters:
 * `filesystem` (the embedded default: temp file, fsync, atomic rename) and `s3` (AWS SDK v3, any
 * S3-compatible endpoint). `contract.ts` is the suite both pass.
 */

export interface ObjectInfo {
  readonly key: string;
  readonly size: number;
}

export interface ObjectStore {
  /** `filesystem` or `s3`, for logs and status. */
  readonly kind: 'filesystem' | 's3';
  /** Writes the whole object; readers never see a part of it. */
  put(key: string, body: Buffer | string): Promise<void>;
  /** The object's bytes, or undefined when there is no such key. */
  get(key: string): Promise<Buffer | undefined>;
  /** Every object whose key starts with `prefix`, sorted by key (byte order). */
  list(prefix: string): Promise<ObjectInfo[]>;
  /** Deletes the keys; a key that does not exist is no error. */
  delete(keys: readonly string[]): Promise<void>;
  close(): Promise<void>;
}

/**
 * A failed object store call, worded from the operation and the key only: the underlying error can
 * carry endpoints with credentials or signed URLs, so only its name/code is kept.
 */
export class ObjectStoreError extends Error {
  constructor(
    readonly operation: string,
    readonly key: string,
    readonly reason: string,
  ) {
    super(`object store ${operation} ${JSON.stringify(key)} failed: ${reason}`);
    this.name = 'ObjectStoreError';
  }
}

/** A key the stores accept: relative, `/`-separated, no empty, `.` or `..` segment. */
export function checkKey(key: string): string {
  const segments = key.split('/');
  if (key === '' || segments.some((s) => s === '' || s === '.' || s === '..') || key.includes('\0')) {
    throw new ObjectStoreError(
      'key',
      key,
      'not a valid object key (relative path, no empty, . or .. segment)',
    );
  }
  return key;
}

/** Byte-order comparison of keys (S3 lists in UTF-8 byte order). */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}
