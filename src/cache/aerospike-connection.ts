/**
 * The Aerospike client's connection for the cache adapter (cache/aerospike.ts): a real
 * `Aerospike.Client` (or the fake the tests pass), connected on first use and reconnected no more
 * often than `reconnectMs` after a failure.
 */
import Aerospike from 'aerospike';
import { AerospikeCacheError, type AerospikeClientLike } from './aerospike-client.ts';

export interface ConnectionOptions {
  /** Seed nodes, `host:port`. */
  readonly hosts: readonly string[];
  readonly user?: string | undefined;
  readonly password?: string | undefined;
  readonly maxConnsPerNode?: number | undefined;
  /** An already built client (the fake in tests); by default a real `Aerospike.Client`. */
  readonly client?: AerospikeClientLike | undefined;
}

/**
 * The client, connected on first use so that a gateway starts while Aerospike is down (fail-open);
 * a failed attempt is not retried for `reconnectMs` (calls fail fast meanwhile). Once connected,
 * the client itself follows the cluster and reconnects to nodes.
 */
export function lazyConnection(options: ConnectionOptions, reconnectMs: number, now: () => number) {
  let client: Promise<AerospikeClientLike> | undefined;
  let failedAt = -Infinity;
  let lastError: unknown;
  let closed = false;

  const open = async (): Promise<AerospikeClientLike> => {
    const c = options.client ?? realClient(options);
    try {
      await c.connect();
      return c;
    } catch (error) {
      if (options.client === undefined) c.close();
      throw error;
    }
  };

  return {
    get: (): Promise<AerospikeClientLike> => {
      if (closed) return Promise.reject(new AerospikeCacheError('closed'));
      if (client !== undefined) return client;
      if (now() - failedAt < reconnectMs) return Promise.reject(AerospikeCacheError.of('connect', lastError));
      client = open().catch((error: unknown) => {
        client = undefined;
        failedAt = now();
        lastError = error;
        throw AerospikeCacheError.of('connect', error);
      });
      return client;
    },
    async close() {
      closed = true;
      const c = await client?.catch(() => undefined);
      c?.close();
    },
  };
}

function realClient(options: ConnectionOptions): AerospikeClientLike {
  // The C client's logger is process-wide and writes to stderr on its own (a line per failed
  // seed connection); the adapter reports failures through its errors instead.
  Aerospike.setDefaultLogging({ level: Aerospike.log.OFF });
  return new Aerospike.Client({
    hosts: options.hosts.join(','),
    ...(options.maxConnsPerNode === undefined ? {} : { maxConnsPerNode: options.maxConnsPerNode }),
    ...(options.user === undefined ? {} : { user: options.user, password: options.password ?? '' }),
    log: { level: Aerospike.log.OFF },
  }) as unknown as AerospikeClientLike;
}
