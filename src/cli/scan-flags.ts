/**
 * The flags of `hevlayer scan`, checked before anything is sent: each wrong one is a message
 * naming it (exit 1). The resume file (`--resume FILE`) is read and written here too: JSON with the
 * Index, the request, the last cursor, the rows written and the bytes of `--out` they fill.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';

export interface ScanFlags {
  threads?: string;
  filters?: string;
  attributes?: string;
  pageSize?: string;
  out?: string;
  resume?: string;
  url?: string;
  apiKey?: string;
}

/** What the CLI sends (the scan route's body, INTERFACES.md) and where it stands. */
export interface ScanBody {
  threads?: number;
  filters?: unknown;
  include_attributes?: string[];
  page_size?: number;
}

export interface ResumeState {
  readonly index: string;
  readonly request: ScanBody;
  /** null once the scan is complete. */
  readonly cursor: string | null;
  readonly rows: number;
  /** Bytes of --out holding exactly `rows` rows (a later run truncates the file to this). */
  readonly outBytes: number;
}

function positive(flag: string, text: string | undefined, max: number): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isInteger(n) || n < 1 || n > max) {
    throw new Error(`${flag} must be an integer between 1 and ${max}, got ${JSON.stringify(text)}`);
  }
  return n;
}

export function scanBody(flags: ScanFlags): ScanBody {
  const body: ScanBody = {};
  const threads = positive('--threads', flags.threads, 1024);
  if (threads !== undefined) body.threads = threads;
  const pageSize = positive('--page-size', flags.pageSize, 10_000);
  if (pageSize !== undefined) body.page_size = pageSize;
  if (flags.filters !== undefined) {
    let filters: unknown;
    try {
      filters = JSON.parse(flags.filters);
    } catch {
      throw new Error(`--filters must be JSON (a turbopuffer filter), got ${JSON.stringify(flags.filters)}`);
    }
    if (!Array.isArray(filters))
      throw new Error('--filters must be a JSON array, e.g. \'["brand","Eq","acme"]\'');
    body.filters = filters;
  }
  if (flags.attributes !== undefined) {
    const names = flags.attributes.split(',').map((a) => a.trim());
    if (names.some((a) => a === '')) {
      throw new Error(
        `--attributes must be a comma-separated list of names, got ${JSON.stringify(flags.attributes)}`,
      );
    }
    body.include_attributes = names;
  }
  return body;
}

/** The saved state, or undefined when FILE does not exist yet (a first run). */
export function readResume(file: string, index: string): ResumeState | undefined {
  if (!existsSync(file)) return undefined;
  let state: ResumeState;
  try {
    state = JSON.parse(readFileSync(file, 'utf8')) as ResumeState;
  } catch {
    throw new Error(`--resume ${file}: not a resume file written by hevlayer scan`);
  }
  if (typeof state !== 'object' || state === null || typeof state.rows !== 'number') {
    throw new Error(`--resume ${file}: not a resume file written by hevlayer scan`);
  }
  if (state.index !== index) {
    throw new Error(
      `--resume ${file}: it resumes a scan of Index ${JSON.stringify(state.index)}, not ${JSON.stringify(index)}`,
    );
  }
  return state;
}

/** Replaces FILE atomically (write a temporary file, rename), so a crash leaves the old or the new state. */
export function writeResume(file: string, state: ResumeState): void {
  const temporary = `${file}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(state)}\n`);
  renameSync(temporary, file);
}
