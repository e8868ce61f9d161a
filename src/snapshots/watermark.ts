/**
 * The upstream-stable watermark of an Index (pure; the writer feeds it metadata and a clock). The
 * upstream is *stable* when its index is up to date and its last write time has not moved for
 * `settle`; it *advances* when that last write time is newer than the one the latest snapshot
 * recorded. The last write time is `last_write_at` (turbopuffer's data-change time; the local
 * engine reports it too), else `updated_at`. "Has not moved for settle" is measured from when this
 * gateway first saw the value, or from the value itself when it is already in the past (so a
 * namespace idle for hours is stable at once after a restart), whichever is earlier.
 */

export interface UpstreamFacts {
  /** RFC 3339 last write time, undefined for a namespace that has none (never written). */
  readonly lastWriteAt: string | undefined;
  /** metadata `index.status` is `up-to-date`. */
  readonly indexUpToDate: boolean;
  readonly approxRowCount: number;
}

/** What the writer remembers between polls of one Index. */
export interface Observation {
  readonly lastWriteAt: string;
  /** Since when (ms) the last write time is known to be this value. */
  readonly since: number;
}

/** The upstream facts from a metadata answer (merged over the shards by the shards layer). */
export function upstreamFacts(metadata: unknown): UpstreamFacts {
  const m = (typeof metadata === 'object' && metadata !== null ? metadata : {}) as Record<string, unknown>;
  const time = [m.last_write_at, m.updated_at].find((v): v is string => typeof v === 'string');
  const index = m.index as { status?: unknown } | undefined;
  const rows = m.approx_row_count;
  return {
    lastWriteAt: time,
    indexUpToDate: index === undefined || index.status === 'up-to-date',
    approxRowCount: typeof rows === 'number' ? rows : 0,
  };
}

export function observe(previous: Observation | undefined, lastWriteAt: string, now: number): Observation {
  if (previous?.lastWriteAt === lastWriteAt) return previous;
  const written = Date.parse(lastWriteAt);
  return { lastWriteAt, since: Number.isNaN(written) ? now : Math.min(now, written) };
}

export function isStable(facts: UpstreamFacts, seen: Observation | undefined, now: number, settleMs: number) {
  return (
    facts.indexUpToDate &&
    seen !== undefined &&
    seen.lastWriteAt === facts.lastWriteAt &&
    now - seen.since >= settleMs
  );
}

/** Newer than the last write time the latest snapshot recorded (none recorded = advanced). */
export function hasAdvanced(lastWriteAt: string, recorded: string | undefined): boolean {
  if (recorded === undefined) return true;
  const a = Date.parse(lastWriteAt);
  const b = Date.parse(recorded);
  return Number.isNaN(a) || Number.isNaN(b) ? lastWriteAt !== recorded : a > b;
}
