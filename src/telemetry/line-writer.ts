/**
 * Writes a log line that the caller has already serialized, byte for byte as pino would have
 * written it, without pino's per-call work (merging the object, walking its keys, redaction
 * lookups, choosing a stringifier per value).
 *
 * Why: the gateway writes one `request` line per proxied request. Measured under load at 50
 * connections, `log.info(fields, 'request')` cost about 5.5 µs of the gateway's CPU per request,
 * the largest single share of its own code (docs/adr/gateway-data-plane.md); building the same
 * line from a template costs about a microsecond.
 *
 * The line is assembled from the logger's own pre-serialized parts (pino's public symbols): the
 * level prefix, the time function, the bindings string, the message key and the line ending. Where
 * the logger is configured in a way this cannot reproduce exactly (a log formatter, mixin,
 * write hook, message prefix, nested key, a metadata-hungry stream such as pino.multistream, or a
 * redaction/stringifier rule on one of the keys), `lineWriter` returns undefined and the caller
 * logs the usual way. Tests compare both paths byte for byte.
 */
import pino, { type Logger } from 'pino';

const S = pino.symbols;
/** Set by a child logger's `msgPrefix`; present at run time, missing from pino's type declarations. */
const MSG_PREFIX_SYM = (S as unknown as Record<string, symbol | undefined>).msgPrefixSym;

export type LineLevel = 'info' | 'error';

/** Field values this writer serializes itself (strings and numbers; undefined fields are left out, as pino does). */
export type LineFields = Readonly<Record<string, string | number | undefined>>;

/**
 * `(level, fields, msg)`: writes what `log[level](fields, msg)` would, fields in their own key
 * order. Writes nothing when the level is disabled.
 */
export type LineWriter = (level: LineLevel, fields: LineFields, msg: string) => void;

interface PinoInternals {
  readonly [key: symbol]: unknown;
}

/** The logger's internals, or undefined for a non-pino logger (fastify's abstract logger). */
function internalsOf(log: unknown): PinoInternals | undefined {
  if (typeof log !== 'object' || log === null) return undefined;
  const internals = log as PinoInternals;
  return typeof internals[S.timeSym] === 'function' && typeof internals[S.streamSym] === 'object'
    ? internals
    : undefined;
}

/**
 * A writer for lines whose fields are among `keys`, or undefined when `log` is not a pino logger
 * this can imitate exactly for those keys.
 */
export function lineWriter(log: unknown, keys: readonly string[]): LineWriter | undefined {
  const p = internalsOf(log);
  if (p === undefined) return undefined;
  const formatters = p[S.formattersSym] as { log?: unknown } | undefined;
  const hooks = p[S.hooksSym] as { streamWrite?: unknown; logMethod?: unknown } | undefined;
  const stringifiers = (p[S.stringifiersSym] ?? {}) as Record<string | symbol, unknown>;
  const serializers = (p[S.serializersSym] ?? {}) as Record<string, unknown>;
  const stream = p[S.streamSym] as { write(line: string): void; [key: symbol]: unknown };
  const messageKey = p[S.messageKeySym];
  if (
    formatters?.log !== undefined ||
    hooks?.streamWrite !== undefined ||
    hooks?.logMethod !== undefined ||
    p[S.mixinSym] !== undefined ||
    (MSG_PREFIX_SYM !== undefined && p[MSG_PREFIX_SYM] !== undefined && p[MSG_PREFIX_SYM] !== '') ||
    (p[S.nestedKeySym] !== undefined && p[S.nestedKeySym] !== null) ||
    stream[S.needsMetadataGsym] === true ||
    stringifiers[S.wildcardFirstSym] !== undefined ||
    typeof messageKey !== 'string' ||
    serializers[messageKey] !== undefined ||
    stringifiers[messageKey] !== undefined ||
    keys.some((key) => stringifiers[key] !== undefined || serializers[key] !== undefined)
  ) {
    return undefined;
  }
  const logger = log as Logger;
  const levelPrefix = p[S.lsCacheSym] as Record<number, string>;
  const time = cachedPerMillisecond(p[S.timeSym] as () => string);
  const end = p[S.endSym] as string;
  const msgKey = `,${JSON.stringify(messageKey)}:`;
  const levels = { info: logger.levels.values.info!, error: logger.levels.values.error! };
  return (level, fields, msg) => {
    if (!logger.isLevelEnabled(level)) return;
    // pino's propStr: `,"key":value` per defined field; JSON.stringify writes a non-finite number
    // as null, as pino does.
    let props = '';
    for (const key in fields) {
      const value = fields[key];
      if (value !== undefined) props += `,${JSON.stringify(key)}:${JSON.stringify(value)}`;
    }
    // The bindings are read per line: a child logger's bindings can change (setBindings).
    stream.write(
      levelPrefix[levels[level]]! +
        time() +
        (p[S.chindingsSym] as string) +
        props +
        msgKey +
        JSON.stringify(msg) +
        end,
    );
  };
}

/**
 * pino's ISO time function formats a Date per call (`toISOString`, most of a microsecond); at
 * thousands of lines per second most lines share their millisecond with the previous one. Other
 * time functions (epoch, custom) are called as they are.
 */
function cachedPerMillisecond(time: () => string): () => string {
  if (time !== pino.stdTimeFunctions.isoTime) return time;
  let lastMs = Number.NaN;
  let lastText = '';
  return () => {
    const now = Date.now();
    if (now !== lastMs) {
      lastMs = now;
      lastText = `,"time":"${new Date(now).toISOString()}"`; // exactly pino's isoTime
    }
    return lastText;
  };
}
