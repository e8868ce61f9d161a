/**
 * Prometheus metrics on a registry owned by one gateway instance (no prom-client global state, so
 * two gateways in one test process do not collide). Label values are bounded: route templates,
 * declared Index and store names, status codes — never raw URLs, ids or keys.
 */
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { FastCounter, FastHistogram } from './series.ts';

const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export interface GatewayMetrics {
  readonly registry: Registry;
  readonly requests: FastCounter<'route' | 'method' | 'index' | 'status'>;
  readonly requestDuration: FastHistogram<'route' | 'method' | 'index'>;
  readonly upstreamDuration: FastHistogram<'store' | 'op' | 'outcome'>;
  readonly upstreamInFlight: Gauge<'store'>;
  /**
   * What `upstreamInFlight` reads when scraped, per store: a pull instead of a gauge update on
   * every upstream call. Open stores add themselves and remove themselves when closed.
   */
  readonly inFlightSources: Map<string, () => number>;
  readonly upstreamQueueWait: FastHistogram<'store'>;
  readonly upstreamRejected: Counter<'store'>;
  readonly upstreamRetries: Counter<'store' | 'op' | 'reason'>;
  readonly configReloads: Counter<'result'>;
  readonly configGeneration: Gauge;
}

export function createMetrics(options: { defaultMetrics?: boolean } = {}): GatewayMetrics {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: 'hevlayer_' });
  const registers = [registry];
  const inFlightSources = new Map<string, () => number>();
  return {
    inFlightSources,
    registry,
    requests: new FastCounter({
      name: 'hevlayer_http_requests_total',
      help: 'HTTP requests by route template, method, Index and status code',
      labelNames: ['route', 'method', 'index', 'status'],
      registers,
    }),
    requestDuration: new FastHistogram({
      name: 'hevlayer_http_request_duration_seconds',
      help: 'Time from request received to response sent',
      labelNames: ['route', 'method', 'index'],
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    upstreamDuration: new FastHistogram({
      name: 'hevlayer_upstream_request_duration_seconds',
      help: 'Latency of calls to a VectorStore, by store, operation and outcome',
      labelNames: ['store', 'op', 'outcome'],
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    upstreamInFlight: new Gauge({
      name: 'hevlayer_upstream_in_flight',
      help: 'Weighted upstream requests in flight per store',
      labelNames: ['store'],
      registers,
      collect() {
        this.reset();
        for (const [store, read] of inFlightSources) this.set({ store }, read());
      },
    }),
    upstreamQueueWait: new FastHistogram({
      name: 'hevlayer_upstream_queue_wait_seconds',
      help: 'Time a request waited for an upstream concurrency slot',
      labelNames: ['store'],
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    upstreamRejected: new Counter({
      name: 'hevlayer_upstream_rejected_total',
      help: 'Requests rejected with 429 because no upstream slot freed before the queue deadline',
      labelNames: ['store'],
      registers,
    }),
    upstreamRetries: new Counter({
      name: 'hevlayer_upstream_retries_total',
      help: 'Retries of upstream calls by store, operation and reason',
      labelNames: ['store', 'op', 'reason'],
      registers,
    }),
    configReloads: new Counter({
      name: 'hevlayer_config_reloads_total',
      help: 'Configuration reloads by result (applied, rejected)',
      labelNames: ['result'],
      registers,
    }),
    configGeneration: new Gauge({
      name: 'hevlayer_config_generation',
      help: 'Generation of the registry snapshot being served',
      registers,
    }),
  };
}
