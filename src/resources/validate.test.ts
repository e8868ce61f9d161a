import { describe, expect, it } from 'vitest';
import {
  FILE,
  LOCAL_STORE,
  TPUF_STORE,
  at,
  manifest,
  merge,
  nested,
  problemLines,
  validResource,
} from './test-helpers.ts';

describe('defaults (one row per default; the seed table first)', () => {
  const index = validResource(manifest('Index', undefined, 'products'));
  it.each([
    ['spec.backend.distanceMetric', 'cosine_distance'],
    ['spec.snapshot.facetFields', []],
    ['spec.snapshot.interval', '5m'],
    ['spec.snapshot.retention', 'never'],
    ['spec.scan.threads', 8],
    ['spec.cache.mode', 'standard'],
    ['spec.consistency', 'strong'],
    ['spec.backend.shards', 1],
    ['spec.metadata.labels', {}],
    ['spec.metadata.tags', []],
    ['spec.cache.ttl', '24h'],
    ['spec.cache.capGiB', 1],
  ])('Index %s defaults to %j', (path, expected) => {
    expect(at(index, path)).toEqual(expected);
  });

  it('Index backend.storeRef and backend.namespace stay unset (resolved by the registry)', () => {
    expect(at(index, 'spec.backend.storeRef')).toBeUndefined();
    expect(at(index, 'spec.backend.namespace')).toBeUndefined();
  });

  const store = validResource(manifest('VectorStore', LOCAL_STORE, 'local'));
  it.each([
    ['spec.default', false],
    ['spec.limits.maxConcurrency', 64],
    ['spec.limits.timeout', '30s'],
  ])('VectorStore %s defaults to %j', (path, expected) => {
    expect(at(store, path)).toEqual(expected);
  });

  const gateway = validResource(manifest('GatewayConfig', undefined, 'gw'));
  it.each([
    ['spec.listen.host', '127.0.0.1'],
    ['spec.listen.port', 8080],
    ['spec.cache.backend', 'memory'],
    ['spec.snapshots.store', 'filesystem'],
    ['spec.snapshots.prefix', ''],
    ['spec.snapshots.forcePathStyle', false],
    ['spec.snapshots.settle', '30s'],
    ['spec.scan.maxThreads', 32],
    ['spec.upstream.maxInFlightPerNamespace', 16],
    ['spec.auth.apiKeys', []],
    ['spec.limits.bodyBytes', 64 * 1024 * 1024],
    ['spec.implicitIndexes', false],
  ])('GatewayConfig %s defaults to %j', (path, expected) => {
    expect(at(gateway, path)).toEqual(expected);
  });

  it('a given value is kept, not replaced by the default', () => {
    const custom = validResource(manifest('Index', { scan: { threads: 3 }, cache: { mode: 'warm' } }));
    expect(at(custom, 'spec.scan.threads')).toBe(3);
    expect(at(custom, 'spec.cache.mode')).toBe('warm');
    expect(at(custom, 'spec.cache.ttl')).toBe('24h');
  });
});

type Row = readonly [kind: string, path: string, value: unknown, error: string | null];

function check([kind, path, value, error]: Row, base: unknown): void {
  const spec = merge(base, nested(path.replace(/^spec\./, ''), value));
  const lines = problemLines(manifest(kind, spec));
  expect(lines).toEqual(error === null ? [] : [`${FILE}: ${kind}/x: ${path}: ${error}`]);
}

const baseFor = (kind: string): unknown => (kind === 'VectorStore' ? LOCAL_STORE : {});

describe('bounds (one row per bound, both sides)', () => {
  const rows: Row[] = [
    ['Index', 'spec.scan.threads', 0, 'must be an integer >= 1, got 0'],
    ['Index', 'spec.scan.threads', 1, null],
    ['Index', 'spec.scan.threads', 2.5, 'must be an integer >= 1, got 2.5'],
    ['Index', 'spec.backend.shards', 0, 'must be an integer between 1 and 256, got 0'],
    ['Index', 'spec.backend.shards', 256, null],
    ['Index', 'spec.backend.shards', 257, 'must be an integer between 1 and 256, got 257'],
    ['Index', 'spec.cache.capGiB', 0, 'must be a number > 0 and <= 1048576, got 0'],
    ['Index', 'spec.cache.capGiB', -1, 'must be a number > 0 and <= 1048576, got -1'],
    ['Index', 'spec.cache.capGiB', 0.25, null],
    ['Index', 'spec.cache.capGiB', 1048576, null],
    ['Index', 'spec.cache.capGiB', 1048577, 'must be a number > 0 and <= 1048576, got 1048577'],
    ['Index', 'spec.snapshot.interval', '0m', 'must be a duration such as 30s, 5m, 24h or 30d, got "0m"'],
    ['Index', 'spec.snapshot.interval', '1s', null],
    ['Index', 'spec.snapshot.interval', '999999d', null],
    [
      'Index',
      'spec.snapshot.interval',
      '1000000d',
      'must be a duration such as 30s, 5m, 24h or 30d, got "1000000d"',
    ],
    [
      'Index',
      'spec.snapshot.interval',
      'never',
      'must be a duration such as 30s, 5m, 24h or 30d, got "never"',
    ],
    ['Index', 'spec.snapshot.retention', 'never', null],
    ['Index', 'spec.snapshot.retention', '30d', null],
    [
      'Index',
      'spec.snapshot.retention',
      'forever',
      'must be "never" or a duration such as 30d, got "forever"',
    ],
    ['Index', 'spec.cache.ttl', '90m', null],
    ['Index', 'spec.cache.ttl', '1.5h', 'must be a duration such as 30s, 5m, 24h or 30d, got "1.5h"'],
    [
      'Index',
      'spec.snapshot.facetFields',
      Array.from({ length: 33 }, (_, i) => `f${i}`),
      'must have at most 32 items, got 33',
    ],
    ['VectorStore', 'spec.limits.maxConcurrency', 0, 'must be an integer between 1 and 100000, got 0'],
    ['VectorStore', 'spec.limits.maxConcurrency', 100000, null],
    ['VectorStore', 'spec.limits.timeout', '0s', 'must be a duration such as 30s, 5m, 24h or 30d, got "0s"'],
    ['GatewayConfig', 'spec.listen.port', 0, 'must be an integer between 1 and 65535, got 0'],
    ['GatewayConfig', 'spec.listen.port', 1, null],
    ['GatewayConfig', 'spec.listen.port', 65535, null],
    ['GatewayConfig', 'spec.listen.port', 65536, 'must be an integer between 1 and 65535, got 65536'],
    [
      'GatewayConfig',
      'spec.upstream.maxInFlightPerNamespace',
      0,
      'must be an integer between 1 and 1024, got 0',
    ],
    ['GatewayConfig', 'spec.upstream.maxInFlightPerNamespace', 1024, null],
    ['GatewayConfig', 'spec.scan.maxThreads', 1025, 'must be an integer between 1 and 1024, got 1025'],
    ['GatewayConfig', 'spec.limits.bodyBytes', 1023, 'must be an integer >= 1024, got 1023'],
    ['GatewayConfig', 'spec.limits.bodyBytes', 1024, null],
    ['GatewayConfig', 'spec.snapshots.settle', '45s', null],
  ];
  it.each(rows)('%s %s = %j', (...row) => check(row, baseFor(row[0])));
});

describe('enums (every allowed value, and one that is not)', () => {
  type EnumRow = readonly [kind: string, path: string, value: unknown, error: string | null, base?: unknown];
  const rows: EnumRow[] = [
    ['Index', 'spec.backend.distanceMetric', 'cosine_distance', null],
    ['Index', 'spec.backend.distanceMetric', 'euclidean_squared', null],
    [
      'Index',
      'spec.backend.distanceMetric',
      'dot_product',
      'must be one of cosine_distance, euclidean_squared, got "dot_product"',
    ],
    ['Index', 'spec.cache.mode', 'standard', null],
    ['Index', 'spec.cache.mode', 'warm', null],
    ['Index', 'spec.cache.mode', 'off', null],
    ['Index', 'spec.cache.mode', false, 'must be one of standard, warm, off, got false'],
    ['Index', 'spec.consistency', 'strong', null],
    ['Index', 'spec.consistency', 'eventual', null],
    ['Index', 'spec.consistency', 'weak', 'must be one of strong, eventual, got "weak"'],
    ['VectorStore', 'spec.provider', 'local', null],
    ['VectorStore', 'spec.provider', 'turbopuffer', null, TPUF_STORE],
    ['VectorStore', 'spec.provider', 'pinecone', 'must be one of turbopuffer, local, got "pinecone"'],
    ['GatewayConfig', 'spec.cache.backend', 'memory', null],
    ['GatewayConfig', 'spec.cache.backend', 'redis', null, { cache: { url: 'redis://127.0.0.1:6379' } }],
    [
      'GatewayConfig',
      'spec.cache.backend',
      'aerospike',
      null,
      { cache: { hosts: ['a1:3000'], namespace: 'cache' } },
    ],
    [
      'GatewayConfig',
      'spec.cache.backend',
      'memcached',
      'must be one of memory, redis, aerospike, got "memcached"',
    ],
    ['GatewayConfig', 'spec.snapshots.store', 'filesystem', null],
    ['GatewayConfig', 'spec.snapshots.store', 's3', null, { snapshots: { bucket: 'snaps' } }],
    ['GatewayConfig', 'spec.snapshots.store', 'gcs', 'must be one of filesystem, s3, got "gcs"'],
  ];
  it.each(rows.map((row) => [row[0], row[1], row[2], row[3], row[4] ?? baseFor(row[0])] as const))(
    '%s %s = %j',
    (kind, path, value, error, base) => check([kind, path, value, error], base),
  );
});
