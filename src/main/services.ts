/**
 * The service lifecycle of a process (`serve` today, `operator` later): each long-lived part
 * (config provider, store pool, HTTP server, and the background jobs to come: snapshot writer,
 * cache warmer, metadata sync, informers) is a `Service`, started in dependency order and closed in
 * reverse. A service is started when it is added, because later services are built from what
 * earlier ones provide (the HTTP server listens on the port the loaded config names), so adding in
 * dependency order is the whole contract. Shutdown code never names a service.
 */
import type { Logger } from '../telemetry/logger.ts';

export interface Service {
  /** Shown in logs ("closing stores"). */
  readonly name: string;
  /** Resolves once the service is up. `signal` aborts when the process begins to shut down. */
  start(signal: AbortSignal): Promise<void>;
  /** Stops the service; must not throw for a service that is already closed. */
  close(): Promise<void>;
}

export class ServiceStack {
  readonly #log: Logger;
  readonly #running: Service[] = [];
  readonly #stopping = new AbortController();

  constructor(log: Logger) {
    this.#log = log;
  }

  /** Starts a service after every one added before it. */
  async start(service: Service): Promise<void> {
    if (this.#stopping.signal.aborted) throw new Error(`cannot start ${service.name}: shutting down`);
    await service.start(this.#stopping.signal);
    this.#running.push(service);
  }

  get names(): readonly string[] {
    return this.#running.map((s) => s.name);
  }

  /**
   * Closes every started service, last started first. A service that fails to close is logged and
   * the rest still close: a stuck cache warmer must not keep the store pool open.
   */
  async close(): Promise<void> {
    this.#stopping.abort();
    for (let service = this.#running.pop(); service !== undefined; service = this.#running.pop()) {
      try {
        this.#log.debug({ service: service.name }, 'closing service');
        await service.close();
      } catch (err) {
        this.#log.error({ err, service: service.name }, 'service failed to close');
      }
    }
  }
}
