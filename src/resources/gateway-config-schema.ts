/**
 * GatewayConfig: the settings of one gateway process (one per config directory, or one ConfigMap
 * per gateway Deployment). Everything is optional; the defaults are the embedded single-machine
 * setup. It has no CRD: it configures a Deployment, not a namespace's resources (see
 * docs/adr/resources-model.md).
 */
import { Type, type Static } from '@sinclair/typebox';
import { applyDefaults } from './defaults.ts';
import type { ObjectMeta } from './meta.ts';
import { SecretKeyRefSchema } from './vector-store-schema.ts';
import {
  boolean,
  defaultedObject,
  delay,
  duration,
  envVarName,
  integer,
  labelMap,
  list,
  patterned,
  strictObject,
  stringEnum,
  text,
} from './schema-kit.ts';

export const CACHE_BACKENDS = ['memory', 'redis', 'aerospike'] as const;
export const SNAPSHOT_STORES = ['filesystem', 's3'] as const;
export const DEFAULT_BODY_BYTES = 64 * 1024 * 1024;
export const DEFAULT_PORT = 8080;
export const DEFAULT_HOST = '127.0.0.1';

const HOST_PORT = '^[A-Za-z0-9.-]+(:[0-9]{1,5})?$';

export const ApiKeySchema = strictObject(
  {
    name: text({ description: 'Grant name, shown in logs and 403 messages (never the key).', maxLength: 63 }),
    keyEnv: Type.Optional(
      envVarName({ description: 'Environment variable holding the key. Exclusive with secretRef.' }),
    ),
    secretRef: Type.Optional(SecretKeyRefSchema),
    indexSelector: Type.Optional(
      strictObject(
        {
          matchLabels: labelMap({
            description: 'Index labels the key may access; empty = every Index.',
            default: {},
          }),
        },
        { description: 'Which Indexes this key may use; absent = every Index.' },
      ),
    ),
  },
  { description: 'One bearer key.' },
);
export type ApiKeySpec = Static<typeof ApiKeySchema>;

export const GatewayConfigSpecSchema = defaultedObject(
  {
    listen: defaultedObject(
      {
        host: text({
          description: 'Listen address (--host overrides).',
          default: DEFAULT_HOST,
          maxLength: 253,
        }),
        port: integer({
          description: 'Listen port (--port and HEVLAYER_PORT override).',
          minimum: 1,
          maximum: 65535,
          default: DEFAULT_PORT,
        }),
      },
      { description: 'Where the gateway listens. Changes take effect on restart.' },
    ),
    cache: defaultedObject(
      {
        backend: stringEnum(CACHE_BACKENDS, {
          description: 'memory (embedded), redis or aerospike.',
          default: 'memory',
        }),
        url: Type.Optional(
          patterned('^rediss?://\\S+$', 'a redis:// or rediss:// URL', {
            description: 'Redis URL (backend redis).',
            maxLength: 2048,
          }),
        ),
        hosts: Type.Optional(
          list(patterned(HOST_PORT, 'a host or host:port', { description: 'A seed node.', maxLength: 259 }), {
            description: 'Aerospike seed nodes, host:port (backend aerospike).',
            maxItems: 32,
          }),
        ),
        namespace: Type.Optional(
          text({ description: 'Aerospike namespace, or the Redis key prefix.', maxLength: 63 }),
        ),
        timeoutMs: integer({
          description:
            'Budget of one cache call (ms); a slower or failed call counts as a miss and never fails the request.',
          minimum: 1,
          maximum: 5000,
          default: 20,
        }),
        strongMaxAge: duration({
          description:
            'Longest life of a cache entry of a strong Index: the bound on how long a write made directly upstream (bypassing hevlayer) stays invisible to strong reads. Also how much longer (plus the budget) a write through a replica that cannot reach the cache waits before it is acknowledged.',
          default: '1s',
        }),
      },
      { description: 'The shared read cache.' },
    ),
    snapshots: defaultedObject(
      {
        store: stringEnum(SNAPSHOT_STORES, {
          description: 'filesystem (embedded) or s3.',
          default: 'filesystem',
        }),
        path: Type.Optional(
          text({
            description: 'Directory for filesystem; relative to --data. Default: data/snapshots.',
            maxLength: 4096,
          }),
        ),
        bucket: Type.Optional(text({ description: 'S3 bucket (store s3).', maxLength: 63 })),
        prefix: Type.String({
          description: 'Key prefix inside the bucket or directory.',
          default: '',
          maxLength: 1024,
        }),
        endpoint: Type.Optional(
          patterned('^https?://\\S+$', 'an http(s) URL', {
            description: 'S3-compatible endpoint.',
            maxLength: 2048,
          }),
        ),
        region: Type.Optional(text({ description: 'S3 region.', maxLength: 63 })),
        forcePathStyle: boolean({
          description: 'Path-style S3 addressing (most S3-compatible servers).',
          default: false,
        }),
        settle: duration({
          description: "How long the upstream's last-write time must stay still before it counts as stable.",
          default: '30s',
        }),
      },
      { description: 'Where facet snapshots are written.' },
    ),
    scan: defaultedObject(
      {
        maxThreads: integer({
          description: 'Server cap on the fan-out of one scan.',
          minimum: 1,
          maximum: 1024,
          default: 32,
        }),
      },
      { description: 'Scan limits.' },
    ),
    upstream: defaultedObject(
      {
        maxInFlightPerNamespace: integer({
          description:
            "Concurrent upstream requests per upstream namespace (turbopuffer's per-namespace query concurrency).",
          minimum: 1,
          maximum: 1024,
          default: 16,
        }),
      },
      { description: 'Upstream limits.' },
    ),
    auth: defaultedObject(
      {
        apiKeys: list(ApiKeySchema, {
          description: 'Bearer keys. Empty = no auth (development only).',
          default: [],
          maxItems: 256,
        }),
      },
      { description: 'Client authentication.' },
    ),
    limits: defaultedObject(
      {
        bodyBytes: integer({
          description: 'Max decoded request body size in bytes.',
          minimum: 1024,
          default: DEFAULT_BODY_BYTES,
        }),
      },
      { description: 'Request limits. Changes take effect on restart.' },
    ),
    shutdown: defaultedObject(
      {
        drainDelay: delay({
          description:
            'After SIGTERM, how long /readyz answers 503 while every other route keeps serving, so load balancers stop routing here first.',
          default: '5s',
        }),
        gracePeriod: duration({
          description:
            'After the drain delay, how long requests in flight may take to finish before the process exits 1. Keep drainDelay + gracePeriod below the pod terminationGracePeriodSeconds.',
          default: '25s',
        }),
      },
      {
        description:
          'Graceful shutdown (docs/adr/lifecycle-and-shutdown.md). Changes take effect on restart.',
      },
    ),
    implicitIndexes: boolean({
      description:
        'DEVELOPMENT ONLY: serve any namespace without an Index from the default store, instead of 404.',
      default: false,
    }),
  },
  { description: 'GatewayConfig spec.' },
);
export type GatewayConfigSpec = Static<typeof GatewayConfigSpecSchema>;

export interface GatewayConfigResource {
  readonly apiVersion: 'hevlayer.com/v1';
  readonly kind: 'GatewayConfig';
  readonly metadata: ObjectMeta;
  readonly spec: GatewayConfigSpec;
}

/** The spec of a config directory without a GatewayConfig: every default. */
export function defaultGatewayConfigSpec(): GatewayConfigSpec {
  return applyDefaults(GatewayConfigSpecSchema, {}) as GatewayConfigSpec;
}
