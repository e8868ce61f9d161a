/**
 * One log line and one metrics sample per request: request id, route template, Index, store,
 * status, latency. Never headers or bodies, so keys cannot leak through here. Every route reports
 * through this recorder from the one pipeline (pipeline.ts), so all lines and series look alike.
 */
import type { Logger } from '../telemetry/logger.ts';
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

export function createRequestRecorder(log: Logger, metrics: GatewayMetrics | undefined): RequestRecorder {
  return (r) => {
    const index = r.index ?? '';
    if (metrics !== undefined) {
      const status = STATUS_TEXT[r.status] ?? String(r.status);
      metrics.requests.labels({ route: r.route, method: r.method, index, status }).inc();
      metrics.requestDuration.labels({ route: r.route, method: r.method, index }).observe(r.ms / 1000);
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
    log[level](line, 'request');
  };
}
