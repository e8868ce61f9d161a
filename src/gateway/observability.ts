/**
 * One log line and one metrics sample per request: request id, route template, Index, store,
 * status, latency. Never headers or bodies, so keys cannot leak through here. The turbopuffer data
 * routes (node:http, see turbopuffer-routes.ts) and the fastify routes report through the same
 * recorder, so both produce identical lines and series.
 */
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { lineWriter } from '../telemetry/line-writer.ts';
import type { GatewayMetrics } from '../telemetry/metrics.ts';

// Status codes as strings, made once (not per request).
const STATUS_TEXT: Record<number, string> = Object.fromEntries(
  Array.from({ length: 500 }, (_, i) => [i + 100, String(i + 100)]),
);

export interface RequestRecord {
  readonly reqId: string;
  readonly method: string;
  /** The route template (`/v2/namespaces/:ns/query`), or `unmatched`. */
  readonly route: string;
  /** The declared Index, once resolved (a safe label value). */
  readonly index: string | undefined;
  readonly store: string | undefined;
  /** The API key grant's name, never the key. */
  readonly principal: string | undefined;
  readonly status: number;
  readonly ms: number;
}

export type RequestRecorder = (record: RequestRecord) => void;

/**
 * prom-client hashes a label object on every call; children resolved once per label set are
 * cheaper. Nested maps keyed by the (interned) label strings avoid building a key string per request.
 */
function memo<T>(make: (keys: readonly string[]) => T): (...keys: string[]) => T {
  const root = new Map<string, unknown>();
  return (...keys) => {
    let level = root;
    for (let i = 0; i < keys.length - 1; i++) {
      const key = keys[i]!;
      let next = level.get(key) as Map<string, unknown> | undefined;
      if (next === undefined) {
        next = new Map();
        level.set(key, next);
      }
      level = next;
    }
    const last = keys[keys.length - 1]!;
    let value = level.get(last) as T | undefined;
    if (value === undefined) {
      value = make(keys);
      level.set(last, value);
    }
    return value;
  };
}

export function createRequestRecorder(
  log: FastifyBaseLogger,
  metrics: GatewayMetrics | undefined,
): RequestRecorder {
  const duration =
    metrics &&
    memo(([route, method, index]) =>
      metrics.requestDuration.labels({ route: route!, method: method!, index: index! }),
    );
  const count =
    metrics &&
    memo(([route, method, index, status]) =>
      metrics.requests.labels({ route: route!, method: method!, index: index!, status: status! }),
    );
  // The request line without pino's per-call work where the logger allows it (line-writer.ts).
  const write = lineWriter(log, REQUEST_LINE_KEYS);
  return (r) => {
    const index = r.index ?? '';
    if (count !== undefined && duration !== undefined) {
      count(r.route, r.method, index, STATUS_TEXT[r.status] ?? String(r.status)).inc();
      duration(r.route, r.method, index).observe(r.ms / 1000);
    }
    const line = {
      reqId: r.reqId,
      method: r.method,
      route: r.route,
      index: r.index,
      store: r.store,
      principal: r.principal,
      status: r.status,
      ms: Math.round(r.ms * 100) / 100,
    };
    const level = r.status >= 500 ? 'error' : 'info';
    if (write !== undefined) write(level, line, 'request');
    else log[level](line, 'request');
  };
}

/** The keys of the request line (the object above), checked once against the logger's serializers. */
const REQUEST_LINE_KEYS = ['reqId', 'method', 'route', 'index', 'store', 'principal', 'status', 'ms'];

export function installObservability(
  app: FastifyInstance,
  metrics: GatewayMetrics | undefined,
  record: RequestRecorder,
): void {
  app.addHook('onResponse', (request, reply, done) => {
    record({
      reqId: request.id,
      method: request.method,
      route: request.routeOptions.url ?? 'unmatched',
      index: request.hevIndex,
      // fastify serves no store-backed route: the data routes report their store themselves.
      store: undefined,
      principal: request.principal?.name,
      status: reply.statusCode,
      ms: reply.elapsedTime,
    });
    done();
  });

  if (metrics !== undefined) {
    app.get('/metrics', async (_request, reply) =>
      reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()),
    );
  }
}
