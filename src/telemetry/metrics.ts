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
  /** Read-cache answers by Index and outcome (hit, miss, bypass, coalesced). */
  readonly cacheRequests: FastCounter<'index' | 'outcome'>;
  /** Cache calls that failed or ran out of their budget (each one served as a miss or a bypass). */
  readonly cacheFailures: Counter<'index' | 'call' | 'kind'>;
  /** Answers the cache did not keep: too-large, refused (store full), epoch-moved (a write raced), expired (a strong answer that took longer than strongMaxAge). */
  readonly cacheNotStored: Counter<'index' | 'reason'>;
  /** Writes whose acknowledgment waited out strongMaxAge because an epoch bump did not land. */
  readonly cacheWritesHeld: Counter<'index'>;
  /**
   * What the per-Index cache gauges read when scraped (cache/health.ts adds one source per
   * process): occupancy comes from the shared store, so it is pulled, not pushed.
   */
  readonly cacheSources: Map<string, () => Promise<readonly CacheFigures[]>>;
}

/** One Index's cache figures for the scrape. */
export interface CacheFigures {
  readonly index: string;
  /** Absent when the store did not answer within its budget. */
  readonly entries?: number;
  readonly bytes?: number;
  /** Absent before the first lookup. */
  readonly hitRatio?: number;
  readonly degraded: boolean;
}

async function cacheFigures(
  sources: Map<string, () => Promise<readonly CacheFigures[]>>,
): Promise<CacheFigures[]> {
  const lists = await Promise.all([...sources.values()].map((read) => read()));
  return lists.flat();
}

/** A per-Index gauge whose values are pulled from the cache sources at scrape time. */
function cacheGauge(
  name: string,
  help: string,
  pick: (f: CacheFigures) => number | undefined,
  sources: Map<string, () => Promise<readonly CacheFigures[]>>,
  registers: Registry[],
): Gauge<'index'> {
  return new Gauge({
    name,
    help,
    labelNames: ['index'],
    registers,
    async collect() {
      this.reset();
      for (const figures of await cacheFigures(sources)) {
        const v = pick(figures);
        if (v !== undefined) this.set({ index: figures.index }, v);
      }
    },
  });
}

export function createMetrics(options: { defaultMetrics?: boolean } = {}): GatewayMetrics {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: 'hevlayer_' });
  const registers = [registry];
  const inFlightSources = new Map<string, () => number>();
  const cacheSources = new Map<string, () => Promise<readonly CacheFigures[]>>();
  cacheGauge(
    'hevlayer_cache_entries',
    'Entries in the shared cache, per Index',
    (f) => f.entries,
    cacheSources,
    registers,
  );
  cacheGauge(
    'hevlayer_cache_bytes',
    'Bytes stored in the shared cache, per Index',
    (f) => f.bytes,
    cacheSources,
    registers,
  );
  cacheGauge(
    'hevlayer_cache_hit_ratio',
    'Lookups answered without an upstream call of their own (hit or coalesced), per Index, since start',
    (f) => f.hitRatio,
    cacheSources,
    registers,
  );
  cacheGauge(
    'hevlayer_cache_degraded',
    '1 while the Index has the CacheDegraded condition (cache calls failing or timing out)',
    (f) => (f.degraded ? 1 : 0),
    cacheSources,
    registers,
  );
  return {
    inFlightSources,
    cacheSources,
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
    cacheRequests: new FastCounter({
      name: 'hevlayer_cache_requests_total',
      help: 'Read-cache answers by Index and outcome (hit, miss, bypass, coalesced)',
      labelNames: ['index', 'outcome'],
      registers,
    }),
    cacheFailures: new Counter({
      name: 'hevlayer_cache_failures_total',
      help: 'Cache calls that failed (error) or exceeded their budget (timeout); the request went on without the cache',
      labelNames: ['index', 'call', 'kind'],
      registers,
    }),
    cacheNotStored: new Counter({
      name: 'hevlayer_cache_not_stored_total',
      help: 'Answers not cached: too-large, refused by the store, epoch-moved (a write raced the read), or expired (a strong answer older than strongMaxAge)',
      labelNames: ['index', 'reason'],
      registers,
    }),
    cacheWritesHeld: new Counter({
      name: 'hevlayer_cache_writes_held_total',
      help: 'Writes acknowledged only after strongMaxAge because the cache could not record them (an epoch bump failed): no replica can then serve an entry from before them',
      labelNames: ['index'],
      registers,
    }),
  };
}
