/**
 * One log line and one metrics sample per request: request id, route template, Index, store,
 * status, latency. Never headers or bodies, so keys cannot leak through here.
 */
import type { FastifyInstance } from 'fastify';
import type { GatewayMetrics } from '../telemetry/metrics.ts';

export function installObservability(app: FastifyInstance, metrics: GatewayMetrics | undefined): void {
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const seconds = reply.elapsedTime / 1000;
    // Only declared Index names are label values (the resolver sets hevIndex once it found one).
    const index = request.hevIndex ?? '';
    if (metrics !== undefined) {
      metrics.requests.inc({ route, method: request.method, index, status: String(reply.statusCode) });
      metrics.requestDuration.observe({ route, method: request.method, index }, seconds);
    }
    // request.log already carries reqId.
    const line = {
      method: request.method,
      route,
      index: request.hevIndex,
      store: request.hevStore,
      principal: request.principal?.name,
      status: reply.statusCode,
      ms: Math.round(reply.elapsedTime * 100) / 100,
    };
    if (reply.statusCode >= 500) request.log.error(line, 'request');
    else request.log.info(line, 'request');
  });

  if (metrics !== undefined) {
    app.get('/metrics', async (_request, reply) =>
      reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()),
    );
  }
}
