/**
 * The scan request (`POST /hevlayer/v1/indexes/:name/scan`, INTERFACES.md): `{threads?, filters?,
 * include_attributes?, page_size?, cursor?, checkpoints?}`, checked before anything is sent
 * upstream. Every wrong field is a 400 naming it; unknown fields are refused (a typo must not
 * silently scan everything).
 */
import { requestedThreads } from '../registry/fan-out.ts';
import { invalid } from '../wire/errors.ts';
import { isRecord } from '../wire/guards.ts';

/** turbopuffer's own export page limit. */
export const MAX_PAGE_SIZE = 10_000;
/** Rows per upstream page unless asked: small enough that `threads` pages in flight stay a few MB. */
export const DEFAULT_PAGE_SIZE = 1000;

export interface ScanRequest {
  readonly threads?: number | undefined;
  /** A turbopuffer filter expression, ANDed with the id bound of each page. */
  readonly filters?: unknown;
  /** As in a query: true, false or attribute names; absent = the upstream's default. */
  readonly includeAttributes?: boolean | readonly string[] | undefined;
  readonly pageSize: number;
  /** A cursor from a previous scan of the same Index. */
  readonly cursor?: string | undefined;
  /** Emit a `{"$checkpoint":{rows,cursor}}` line after each page (resumable clients). */
  readonly checkpoints: boolean;
}

const FIELDS = new Set(['threads', 'filters', 'include_attributes', 'page_size', 'cursor', 'checkpoints']);

export function pageSizeOf(value: unknown): number {
  if (value === undefined) return DEFAULT_PAGE_SIZE;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_PAGE_SIZE) {
    throw invalid(
      `page_size must be an integer between 1 and ${MAX_PAGE_SIZE}, got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

export function includeAttributesOf(value: unknown): ScanRequest['includeAttributes'] {
  if (value === undefined || typeof value === 'boolean') return value;
  if (Array.isArray(value) && value.every((a) => typeof a === 'string' && a !== '')) return value as string[];
  throw invalid(
    `include_attributes must be true, false or a list of attribute names, got ${JSON.stringify(value)}`,
  );
}

export function filtersOf(value: unknown): unknown {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || value.length === 0) {
    throw invalid(
      `filters must be a turbopuffer filter expression (a JSON array), got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

export function parseScanRequest(body: unknown): ScanRequest {
  const value = body ?? {};
  if (!isRecord(value)) throw invalid('the scan request must be a JSON object');
  const unknown = Object.keys(value).filter((k) => !FIELDS.has(k));
  if (unknown.length > 0) {
    throw invalid(
      `unknown scan request field ${JSON.stringify(unknown[0])}; allowed: ${[...FIELDS].join(', ')}`,
    );
  }
  const cursor = value.cursor;
  if (cursor !== undefined && cursor !== null && typeof cursor !== 'string') {
    throw invalid('cursor must be the string a previous scan returned, or null');
  }
  const checkpoints = value.checkpoints ?? false;
  if (typeof checkpoints !== 'boolean') throw invalid('checkpoints must be true or false');
  return {
    threads: requestedThreads(value.threads),
    filters: filtersOf(value.filters),
    includeAttributes: includeAttributesOf(value.include_attributes),
    pageSize: pageSizeOf(value.page_size),
    cursor: cursor ?? undefined,
    checkpoints,
  };
}
