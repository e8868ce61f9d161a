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
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  // Asynchronous stdout: lines written while a write is in flight are batched into one syscall;
  // pino flushes the buffer synchronously on exit.
  const destination = options.destination ?? pino.destination({ dest: 1, sync: false });
  return pino(config, destination);
}

/** A logger that drops everything (tests, library use). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
