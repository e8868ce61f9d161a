/**
 * The operational routes: liveness, Prometheus metrics and the OpenAPI document. /readyz lives
 * with the hevlayer API (hevlayer-routes.ts) because it reads the registry.
 */
import type { GatewayMetrics } from '../telemetry/metrics.ts';
import type { RouteTable } from './hevlayer-routes.ts';
import { buildOpenApiDocument } from './openapi.ts';
import { json, value } from './route.ts';

export function registerOpsRoutes(
  app: RouteTable,
  options: { readonly metrics?: GatewayMetrics | undefined; readonly version: string },
): void {
  app.route({
    method: 'GET',
    path: '/healthz',
    body: false,
    auth: false,
    handler: async () => value(200, { status: 'ok' }),
  });
  const openapi = JSON.stringify(buildOpenApiDocument(options.version));
  app.route({ method: 'GET', path: '/openapi.json', body: false, handler: async () => json(200, openapi) });
  const metrics = options.metrics;
  if (metrics === undefined) return;
  app.route({
    method: 'GET',
    path: '/metrics',
    body: false,
    auth: false,
    handler: async () => json(200, await metrics.registry.metrics(), metrics.registry.contentType),
  });
}
