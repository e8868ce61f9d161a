/**
 * One log line and one metrics sample per request: request id, route template, Index, store,
 * status, latency. Never headers or bodies, so keys cannot leak through here.
 */
import type { FastifyInstance } from 'fastify';
import type { GatewayMetrics } from '../telemetry/metrics.ts';

// Status codes as strings, made once (not per request).
const STATUS_TEXT: Record<number, string> = Object.fromEntries(
  Array.from({ length: 500 }, (_, i) => [i + 100, String(i + 100)]),
);

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

function childCache(metrics: GatewayMetrics) {
  return {
    duration: memo(([route, method, index]) =>
      metrics.requestDuration.labels({ route: route!, method: method!, index: index! }),
    ),
    count: memo(([route, method, index, status]) =>
      metrics.requests.labels({ route: route!, method: method!, index: index!, status: status! }),
    ),
  };
}

export function installObservability(app: FastifyInstance, metrics: GatewayMetrics | undefined): void {
  const children = metrics === undefined ? undefined : childCache(metrics);
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    // Only declared Index names are label values (the resolver sets hevIndex once it found one).
    const index = request.hevIndex ?? '';
    const status = reply.statusCode;
    if (children !== undefined) {
      children.count(route, request.method, index, STATUS_TEXT[status] ?? String(status)).inc();
      children.duration(route, request.method, index).observe(reply.elapsedTime / 1000);
    }
    const line = {
      reqId: request.id,
      method: request.method,
      route,
      index: request.hevIndex,
      store: request.hevStore,
      principal: request.principal?.name,
      status,
      ms: Math.round(reply.elapsedTime * 100) / 100,
    };
    if (status >= 500) request.log.error(line, 'request');
    else request.log.info(line, 'request');
    done();
  });

  if (metrics !== undefined) {
    app.get('/metrics', async (_request, reply) =>
      reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()),
    );
  }
}
