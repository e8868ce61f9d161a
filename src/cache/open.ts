/**
 * The CacheStore a gateway process uses, from GatewayConfig `spec.cache`: `memory` (default),
 * `redis` (url, namespace = key prefix) or `aerospike` (hosts, namespace). The resource validator
 * (resources/validate-rules.ts) already rejects a bad combination when the config loads; the
 * checks here repeat it for callers that build a spec by hand, with the same field paths. Opening
 * never waits for a shared backend: a cache that is down degrades reads, it does not stop the
 * gateway from starting (the layer fails open).
 */
import type { GatewayConfigSpec } from '../resources/gateway-config-schema.ts';
import { createAerospikeCache } from './aerospike.ts';
import { createMemoryCache } from './memory.ts';
import type { CacheStore } from './port.ts';
import { DEFAULT_REDIS_NAMESPACE, createRedisCache, redactRedisUrl } from './redis.ts';

/** The connection fields of spec.cache (the layer's timeoutMs and strongMaxAge are not the store's). */
export type CacheSpec = Pick<GatewayConfigSpec['cache'], 'backend' | 'url' | 'hosts' | 'namespace'>;

export interface OpenCacheOptions {
  /** Background connection errors of the redis backend, already free of secrets. */
  readonly onError?: (message: string) => void;
}

export class CacheConfigError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(`${path}: ${message}`);
    this.name = 'CacheConfigError';
  }
}

export function openCacheStore(spec: CacheSpec, options: OpenCacheOptions = {}): CacheStore {
  const onError = options.onError === undefined ? {} : { onError: options.onError };
  switch (spec.backend) {
    case 'memory':
      return createMemoryCache();
    case 'redis':
      if (spec.url === undefined) {
        throw new CacheConfigError(
          'spec.cache.url',
          'is required with the redis backend (redis://host:port)',
        );
      }
      return createRedisCache({
        url: spec.url,
        ...(spec.namespace === undefined ? {} : { namespace: spec.namespace }),
        ...onError,
      });
    case 'aerospike': {
      if (spec.hosts === undefined || spec.hosts.length === 0) {
        throw new CacheConfigError(
          'spec.cache.hosts',
          'is required with the aerospike backend (host:port seed nodes)',
        );
      }
      if (spec.namespace === undefined) {
        throw new CacheConfigError(
          'spec.cache.namespace',
          'is required with the aerospike backend (an Aerospike namespace)',
        );
      }
      return createAerospikeCache({ hosts: spec.hosts, namespace: spec.namespace });
    }
  }
}

/** One line for the startup log: the backend and where it is, without credentials. */
export function describeCacheSpec(spec: CacheSpec): string {
  switch (spec.backend) {
    case 'memory':
      return 'memory (in-process)';
    case 'redis':
      return `redis ${redactRedisUrl(spec.url ?? '(no url)')} prefix ${spec.namespace ?? DEFAULT_REDIS_NAMESPACE}`;
    case 'aerospike':
      return `aerospike ${(spec.hosts ?? []).join(',')} namespace ${spec.namespace ?? '(none)'}`;
  }
}
