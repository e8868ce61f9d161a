/**
 * pino JSON logs. Secrets are redacted by path as a second line of defence; the first is that no
 * code path logs a key, header map or store options object in the first place.
 */
import pino, { type DestinationStream, type Logger } from 'pino';

export type { Logger } from 'pino';

export interface LoggerOptions {
  readonly level?: string;
  /** Defaults to stdout. Tests pass a stream to inspect lines. */
  readonly destination?: DestinationStream;
}

/** Longest a buffered log line waits before it is written (a quiet gateway's lines still appear). */
export const FLUSH_INTERVAL_MS = 200;

/**
 * Bytes sonic-boom gathers before it writes: one write syscall per line is a measurable share of a
 * proxied request's cost, while a few KiB carry dozens of request lines. Must stay below
 * sonic-boom's maxWrite (16 KiB).
 */
export const BUFFER_BYTES = 8 * 1024;

// Exact paths only: wildcard paths make every log call walk the object (measurable per request).
export const REDACTED_PATHS = [
  'apiKey',
  'key',
  'secret',
  'authorization',
  'headers.authorization',
  'req.headers.authorization',
  'options.apiKey',
];

export function createLogger(options: LoggerOptions = {}): Logger {
  const config = {
    level: options.level ?? process.env.HEVLAYER_LOG_LEVEL ?? 'info',
    base: { service: 'hevlayer' },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    timestamp: isoTimeCached,
  };
  if (options.destination !== undefined) return pino(config, options.destination);
  // pino's own destination (sonic-boom) with batching: lines gather until BUFFER_BYTES, then one
  // synchronous write carries them all, in order; the periodic flush writes a quiet gateway's lines.
  // Not `sync: false`: its exit flush skips a write still in flight, so the tail of a long line was
  // lost at process.exit (logger.test.ts shows it).
  const destination = pino.destination({
    dest: 1,
    sync: true,
    minLength: BUFFER_BYTES,
    periodicFlush: FLUSH_INTERVAL_MS,
  });
  process.once('exit', () => destination.flushSync());
  return pino(config, destination);
}

/** A logger that drops everything (tests, library use). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

let lastMs = -1;
let lastTime = '';
/**
 * pino's `isoTime` (the same text), formatted once per millisecond through pino's `timestamp`
 * option: under load many lines share a millisecond, and `toISOString` was 2 µs of a request line.
 */
function isoTimeCached(): string {
  const now = Date.now();
  if (now !== lastMs) {
    lastMs = now;
    lastTime = `,"time":"${new Date(now).toISOString()}"`;
  }
  return lastTime;
}
