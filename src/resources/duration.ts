/**
 * Durations as the manifests write them: `<n>s|m|h|d` (`30s`, `5m`, `24h`, `30d`), and `never` where
 * the seed allows it (snapshot retention). No fractions and no zero: a zero interval or ttl is
 * almost always a typo, and "off" has its own spelling (`cache.mode: off`). At most six digits keep
 * every value well inside a safe integer of milliseconds.
 */

export const DURATION_PATTERN = '^[1-9][0-9]{0,5}[smhd]$';
export const RETENTION_PATTERN = '^(never|[1-9][0-9]{0,5}[smhd])$';
/** A wait that may be skipped: `0s` is allowed (e.g. no drain delay on a single machine). */
export const DELAY_PATTERN = '^(0s|[1-9][0-9]{0,5}[smhd])$';

const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const DURATION = new RegExp(DURATION_PATTERN);

export function isDuration(value: string): boolean {
  return DURATION.test(value);
}

/** Milliseconds in a duration; throws on anything else (the schema has already checked). */
export function parseDuration(value: string): number {
  if (!DURATION.test(value)) {
    throw new TypeError(`invalid duration ${JSON.stringify(value)}: expected <n>s, <n>m, <n>h or <n>d`);
  }
  const unit = value.at(-1) as keyof typeof UNIT_MS;
  return Number(value.slice(0, -1)) * UNIT_MS[unit];
}

/** Milliseconds in a delay (a duration, or `0s`). */
export function parseDelay(value: string): number {
  return value === '0s' ? 0 : parseDuration(value);
}

/** `never` → null (keep forever); otherwise milliseconds. */
export function parseRetention(value: string): number | null {
  return value === 'never' ? null : parseDuration(value);
}

/** The shortest exact spelling of a number of milliseconds (`300000` → `5m`), for logs and docs. */
export function formatDuration(ms: number): string {
  for (const unit of ['d', 'h', 'm', 's'] as const) {
    if (ms >= UNIT_MS[unit] && ms % UNIT_MS[unit] === 0) return `${ms / UNIT_MS[unit]}${unit}`;
  }
  return `${ms}ms`;
}
