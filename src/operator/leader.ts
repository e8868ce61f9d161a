/**
 * Leader election on the lease port: one replica at a time runs the leader-only work (the
 * reconciler and the status bridge). The elector tries to take or renew the lease every
 * ttl/3; it starts leading when it holds it and stops leading as soon as another holder has it,
 * or when renewals have failed (API errors) for 2/3 of the TTL, i.e. before the lease can expire and another replica start.
 * On close it stops leading and releases the lease, so a successor need not wait for the TTL.
 */
import type { Logger } from 'pino';
import type { LeaseStore } from '../leases/port.ts';

export interface LeaderElectorOptions {
  readonly leases: LeaseStore;
  readonly lease: string;
  readonly identity: string;
  readonly ttlMs: number;
  readonly logger: Logger;
  readonly onStartedLeading: () => Promise<void> | void;
  readonly onStoppedLeading: () => Promise<void> | void;
  readonly now?: () => number;
}

export class LeaderElector {
  readonly #options: LeaderElectorOptions;
  #leading = false;
  #lastRenewal = 0;
  #timer: NodeJS.Timeout | undefined;
  #stopped = true;
  #tick: Promise<void> | undefined;

  constructor(options: LeaderElectorOptions) {
    this.#options = options;
  }

  get leading(): boolean {
    return this.#leading;
  }

  start(): void {
    this.#stopped = false;
    this.#schedule(0);
  }

  async close(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#tick;
    if (this.#leading) await this.#stopLeading('shutting down');
    try {
      await this.#options.leases.release(this.#options.lease, this.#options.identity);
    } catch (err) {
      this.#options.logger.warn(
        { lease: this.#options.lease, error: (err as Error).message },
        'lease release failed',
      );
    }
  }

  #schedule(delayMs: number): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.#tick = this.#round().finally(() => {
        this.#tick = undefined;
        this.#schedule(Math.max(50, Math.floor(this.#options.ttlMs / 3)));
      });
    }, delayMs);
  }

  async #round(): Promise<void> {
    const { leases, lease, identity, ttlMs, logger } = this.#options;
    const now = this.#options.now ?? Date.now;
    let held: boolean | undefined;
    try {
      held = await leases.acquire(lease, identity, ttlMs);
    } catch (err) {
      logger.warn({ lease, error: (err as Error).message }, 'lease renewal failed');
    }
    if (this.#stopped) return;
    if (held) {
      this.#lastRenewal = now();
      if (!this.#leading) {
        this.#leading = true;
        logger.info({ lease, identity }, 'became leader');
        await this.#options.onStartedLeading();
      }
    } else if (this.#leading && (held === false || now() - this.#lastRenewal >= (ttlMs * 2) / 3)) {
      // Someone else holds it, or our renewals have failed for long enough that it may expire.
      await this.#stopLeading('lease lost');
    }
  }

  async #stopLeading(why: string): Promise<void> {
    this.#leading = false;
    this.#options.logger.warn(
      { lease: this.#options.lease, identity: this.#options.identity },
      `stopped leading: ${why}`,
    );
    await this.#options.onStoppedLeading();
  }
}
