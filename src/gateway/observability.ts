/**
 * One log line and one metrics sample per request: request id, route template, Index, store,
 * status, latency. Never headers or bodies, so keys cannot leak through here.
 */
import type { FastifyInstance } from 'fastify';
import type { Histogram, Counter } from 'prom-client';
import type { GatewayMetrics } from '../telemetry/metrics.ts';

type RequestLabels = 'route' | 'method' | 'index';

/** prom-client hashes a label object on every call; children resolved once per label set are cheaper. */
function childCache(metrics: GatewayMetrics) {
  const durations = new Map<string, ReturnType<Histogram<RequestLabels>['labels']>>();
  const counts = new Map<string, ReturnType<Counter<RequestLabels | 'status'>['labels']>>();
  return {
    duration(route: string, method: string, index: string) {
      const key = `${route}\u0000${method}\u0000${index}`;
      let child = durations.get(key);
      if (child === undefined) {
        child = metrics.requestDuration.labels({ route, method, index });
        durations.set(key, child);
      }
      return child;
    },
    count(route: string, method: string, index: string, status: number) {
      const key = `${route}\u0000${method}\u0000${index}\u0000${status}`;
      let child = counts.get(key);
      if (child === undefined) {
        child = metrics.requests.labels({ route, method, index, status: String(status) });
        counts.set(key, child);
      }
      return child;
    },
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
      children.count(route, request.method, index, status).inc();
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
