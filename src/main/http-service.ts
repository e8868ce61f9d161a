/**
 * The HTTP server as a service, and its part of the shutdown (docs/adr/lifecycle-and-shutdown.md):
 * drain (/readyz 503, everything else serving) for the drain delay, then stop accepting and let the
 * requests in flight finish within the grace period; what is still running then is logged by
 * route and request id and cut.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { GatewayServer } from '../gateway/server.ts';
import type { Logger } from '../telemetry/logger.ts';
import type { Service } from './services.ts';

export interface ShutdownTiming {
  /** /readyz 503 while everything else serves, before the listener closes. */
  readonly drainDelayMs: number;
  /** How long requests in flight may take once the listener closed. */
  readonly gracePeriodMs: number;
}

export interface HttpService extends Service {
  /** Set by close(): false when the grace period ran out with requests still in flight. */
  readonly clean: boolean;
  /** Shutdown with other timing than configured (tests, embedding); close() uses it. */
  timing: ShutdownTiming;
}

export function httpService(
  gateway: GatewayServer,
  listen: { host: string; port: number },
  timing: ShutdownTiming,
  log: Logger,
): HttpService {
  let clean = true;
  const service: HttpService = {
    name: 'http',
    timing,
    get clean() {
      return clean;
    },
    start: () => gateway.listen(listen),
    async close() {
      const { drainDelayMs, gracePeriodMs } = service.timing;
      gateway.drain();
      if (drainDelayMs > 0) {
        log.info({ drainDelayMs }, 'draining: /readyz answers 503, all else keeps serving');
        await sleep(drainDelayMs);
      }
      const closed = gateway.stopAccepting();
      const timer = new AbortController();
      const inTime = await Promise.race([
        closed.then(() => true),
        sleep(gracePeriodMs, false, { signal: timer.signal }).catch(() => false),
      ]);
      timer.abort();
      if (inTime) return;
      clean = false;
      const now = performance.now();
      const open = gateway.inFlight().map((r) => ({
        reqId: r.id,
        method: r.method,
        route: r.route,
        ms: Math.round(now - r.started),
      }));
      log.error(
        { gracePeriodMs, open },
        `shutdown grace period ran out with ${open.length} request(s) in flight: ${open
          .map((r) => `${r.method} ${r.route} (${r.reqId})`)
          .join(', ')}`,
      );
      gateway.closeAllConnections();
      await closed;
    },
  };
  return service;
}
