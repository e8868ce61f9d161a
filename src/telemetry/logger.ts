/**
 * pino JSON logs. Secrets are redacted by path as a second line of defence; the first is that no
 * code path logs a key, header map or store options object in the first place.
 */
import pino, { type DestinationStream, type Logger } from 'pino';
import { createLogDestination } from './log-destination.ts';

export type { Logger } from 'pino';

export interface LoggerOptions {
  readonly level?: string;
  /** Defaults to stdout. Tests pass a stream to inspect lines. */
  readonly destination?: DestinationStream;
}

// Exact paths only: wildcard paths make every log call walk the object (measurable per request).
/** Longest a buffered log line waits before it is written. */
export const FLUSH_INTERVAL_MS = 200;

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
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  if (options.destination !== undefined) return pino(config, options.destination);
  // One log line per request: a write syscall per line, or lines kept as strings until a batch is
  // written, are each a measurable share of a proxied request's cost. Lines are copied into an
  // off-heap buffer and written when it fills and at least every FLUSH_INTERVAL_MS, so under load
  // one syscall carries hundreds of lines and a quiet gateway's lines still appear promptly.
  const destination = createLogDestination({ fd: 1, flushIntervalMs: FLUSH_INTERVAL_MS });
  process.once('exit', () => destination.flushSync());
  return pino(config, destination);
}

/** A logger that drops everything (tests, library use). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
