import { describe, expect, it } from 'vitest';
import { createMetrics } from './metrics.ts';

describe('createMetrics', () => {
  it('exposes the request series with their names, help texts, labels and latency buckets', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    metrics.requests
      .labels({ route: '/v2/namespaces/:ns/query', method: 'POST', index: 'p', status: '200' })
      .inc();
    metrics.requestDuration
      .labels({ route: '/v2/namespaces/:ns/query', method: 'POST', index: 'p' })
      .observe(0.003);
    metrics.upstreamDuration.labels({ store: 's', op: 'query', outcome: 'ok' }).observe(0.002);
    metrics.upstreamQueueWait.labels({ store: 's' }).observe(0);
    const text = await metrics.registry.metrics();
    expect(text).toContain(
      '# HELP hevlayer_http_requests_total HTTP requests by route template, method, Index and status code\n' +
        '# TYPE hevlayer_http_requests_total counter\n' +
        'hevlayer_http_requests_total{route="/v2/namespaces/:ns/query",method="POST",index="p",status="200"} 1\n',
    );
    expect(text).toContain('# TYPE hevlayer_http_request_duration_seconds histogram');
    const buckets = [...text.matchAll(/hevlayer_http_request_duration_seconds_bucket\{le="([^"]+)"/g)].map(
      (m) => m[1],
    );
    expect(buckets).toEqual([
      '0.0005',
      '0.001',
      '0.0025',
      '0.005',
      '0.01',
      '0.025',
      '0.05',
      '0.1',
      '0.25',
      '0.5',
      '1',
      '2.5',
      '5',
      '10',
      '30',
      '+Inf',
    ]);
    expect(text).toMatch(
      /hevlayer_http_request_duration_seconds_bucket\{le="0\.005",route="[^"]+",method="POST",index="p"\} 1\n/,
    );
    expect(text).toContain(
      'hevlayer_upstream_request_duration_seconds_count{store="s",op="query",outcome="ok"} 1\n',
    );
    expect(text).toContain('hevlayer_upstream_queue_wait_seconds_count{store="s"} 1\n');
  });
});
