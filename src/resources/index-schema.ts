/**
 * The Index resource (seed: /shared/seed/index-crd.txt, plus PRODUCT.md's additions). One schema
 * yields the TS types (Static<>), the defaults (TypeBox `default`, applied by validate.ts), the
 * CRD openAPIV3Schema (crd.ts) and the reference tables in docs/configuration.md.
 *
 * `backend.namespace` has no schema default: it defaults to the Index's own name, which only the
 * registry knows. `spec.facetFields` is the seed example's spelling, kept as a deprecated alias of
 * `spec.snapshot.facetFields`.
 */
import { Type, type Static } from '@sinclair/typebox';
import { NAMESPACE_NAME_MAX_LENGTH, NAMESPACE_NAME_PATTERN } from '../wire/namespace-name.ts';
import { applyDefaults } from './defaults.ts';
import { ConditionSchema, type ObjectMeta } from './meta.ts';
import {
  defaultedObject,
  duration,
  integer,
  k8sName,
  labelMap,
  list,
  patterned,
  positiveNumber,
  retention,
  stringEnum,
  text,
} from './schema-kit.ts';

export const MAX_SHARDS = 256;
/** 1 PiB: far above any cache, and keeps capGiB * 2^30 a safe integer. */
export const MAX_CAP_GIB = 1_048_576;
export const DISTANCE_METRICS = ['cosine_distance', 'euclidean_squared'] as const;
export const CACHE_MODES = ['standard', 'warm', 'off'] as const;
export const CONSISTENCY_MODES = ['strong', 'eventual'] as const;

const facetFieldList = (description: string, withDefault: boolean) =>
  list(text({ description: 'An attribute name.', maxLength: 128 }), {
    description,
    maxItems: 32,
    uniqueItems: true,
    ...(withDefault ? { default: [] } : {}),
  });

export const IndexSpecSchema = defaultedObject(
  {
    backend: defaultedObject(
      {
        storeRef: Type.Optional(
          k8sName({
            description:
              "VectorStore name in the same Kubernetes namespace. Defaults to the namespace's default store (the single VectorStore with spec.default: true).",
          }),
        ),
        namespace: Type.Optional(
          patterned(
            NAMESPACE_NAME_PATTERN,
            'a turbopuffer namespace name ([A-Za-z0-9_.-], 1 to 128 characters)',
            {
              description: 'Upstream namespace. Defaults to the Index name.',
              maxLength: NAMESPACE_NAME_MAX_LENGTH,
            },
          ),
        ),
        distanceMetric: stringEnum(DISTANCE_METRICS, {
          description: 'Vector metric, sent on writes that create the namespace.',
          default: 'cosine_distance',
        }),
        shards: integer({
          description:
            'Number of upstream namespaces the Index spans (<namespace> when 1, else <namespace>-0 … <namespace>-(N-1)). Immutable.',
          minimum: 1,
          maximum: MAX_SHARDS,
          default: 1,
          'x-kubernetes-validations': [
            {
              rule: 'self == oldSelf',
              message: 'backend.shards is immutable; create a new Index to reshard',
            },
          ],
        }),
      },
      { description: 'Where the Index lives upstream.' },
    ),
    metadata: defaultedObject(
      {
        labels: labelMap({
          description: 'Labels synced to the registry; filterable in the hevlayer API.',
          default: {},
          maxProperties: 64,
        }),
        tags: list(text({ description: 'A tag.', maxLength: 63 }), {
          description: 'Free-form tags synced to the registry.',
          default: [],
          maxItems: 64,
          uniqueItems: true,
        }),
      },
      { description: 'Labels and tags for listing and selection.' },
    ),
    snapshot: defaultedObject(
      {
        facetFields: facetFieldList(
          'Fields materialized into durable facet snapshots. Empty disables the automatic writer.',
          true,
        ),
        interval: duration({
          description: 'Minimum spacing between automatic snapshot writes after upstream-stable advances.',
          default: '5m',
        }),
        retention: retention({
          description:
            'never keeps every snapshot body; a duration (30d) prunes older bodies but always keeps the latest.',
          default: 'never',
        }),
      },
      { description: 'Facet snapshot policy.' },
    ),
    facetFields: Type.Optional(
      facetFieldList('Deprecated alias of snapshot.facetFields (the seed example spelling).', false),
    ),
    scan: defaultedObject(
      {
        threads: integer({
          description:
            'Default fan-out of one scan: max concurrent upstream requests, clamped by the server cap and the shard count.',
          minimum: 1,
          default: 8,
        }),
      },
      { description: 'Scan policy.' },
    ),
    cache: defaultedObject(
      {
        ttl: duration({ description: 'Lifetime of a cache entry.', default: '24h' }),
        capGiB: positiveNumber({
          description:
            "Hard cap on this Index's bytes in the cache (GiB); least recently used entries are evicted.",
          default: 1,
          maximum: MAX_CAP_GIB,
        }),
        mode: stringEnum(CACHE_MODES, {
          description:
            'standard: read-through; warm: also filled by scanning after upstream-stable advances; off.',
          default: 'standard',
        }),
      },
      { description: 'Cache policy.' },
    ),
    consistency: stringEnum(CONSISTENCY_MODES, {
      description:
        'strong: never older than an acknowledged write; eventual: cached results may be served until ttl.',
      default: 'strong',
    }),
  },
  {
    description: 'Index spec.',
    'x-kubernetes-validations': [
      {
        rule: '!has(self.facetFields) || size(self.snapshot.facetFields) == 0 || self.facetFields == self.snapshot.facetFields',
        message:
          'spec.facetFields is a deprecated alias of spec.snapshot.facetFields and the two disagree; keep only spec.snapshot.facetFields',
      },
    ],
  },
);
export type IndexSpec = Omit<Static<typeof IndexSpecSchema>, 'facetFields'>;

const time = (description: string) => Type.String({ format: 'date-time', description });
const opt = Type.Optional;

export const IndexStatusSchema = Type.Object(
  {
    observedGeneration: opt(
      Type.Integer({ minimum: 0, description: 'The metadata.generation last acted on.' }),
    ),
    metadataSync: opt(
      Type.Object(
        {
          state: Type.Union([Type.Literal('Synced'), Type.Literal('Pending'), Type.Literal('Failed')]),
          lastSyncTime: opt(time('When the spec was last synced into the registry.')),
          message: opt(Type.String()),
        },
        { description: 'Whether the spec (labels, tags, policies) reached the gateway registry.' },
      ),
    ),
    conditions: opt(
      Type.Array(ConditionSchema, {
        description: 'Ready, StoreResolved, ConfigValid, UpstreamReachable, SnapshotsHealthy, …',
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-list-map-keys': ['type'],
      }),
    ),
    backend: opt(
      Type.Object(
        {
          store: opt(Type.String({ description: 'The resolved VectorStore.' })),
          namespace: opt(
            Type.String({ description: 'The resolved upstream namespace (before shard suffixes).' }),
          ),
          upstreamNamespaces: opt(
            Type.Array(Type.String(), { description: 'Every upstream namespace, one per shard.' }),
          ),
        },
        { description: 'The resolved backend (hevlayer addition).' },
      ),
    ),
    upstream: opt(
      Type.Object(
        {
          approxRowCount: opt(Type.Integer({ minimum: 0 })),
          approxLogicalBytes: opt(Type.Integer({ minimum: 0 })),
          indexStatus: opt(Type.String()),
          lastWriteAt: opt(time('Upstream last write time.')),
        },
        { description: 'Facts reported by the upstream namespace(s).' },
      ),
    ),
    snapshot: opt(
      Type.Object(
        {
          lastRun: opt(
            Type.Object({
              time: time('When the run finished.'),
              result: Type.Union([Type.Literal('Succeeded'), Type.Literal('Failed')]),
              snapshotId: opt(Type.String()),
              message: opt(Type.String()),
            }),
          ),
          lastSuccess: opt(
            Type.Object({
              time: time('When the snapshot was taken.'),
              snapshotId: Type.String(),
              rowCount: Type.Integer({ minimum: 0 }),
            }),
          ),
        },
        { description: 'Written only by the gateway history bridge.' },
      ),
    ),
    cache: opt(
      Type.Object(
        {
          entries: opt(Type.Integer({ minimum: 0 })),
          bytes: opt(Type.Integer({ minimum: 0 })),
          hitRatio: opt(Type.Number({ minimum: 0, maximum: 1 })),
        },
        { description: 'Cache occupancy for this Index.' },
      ),
    ),
  },
  { description: 'Index status (the CRD status and the hevlayer API alike).' },
);
export type IndexStatus = Static<typeof IndexStatusSchema>;

export interface IndexResource {
  readonly apiVersion: 'hevlayer.com/v1';
  readonly kind: 'Index';
  readonly metadata: ObjectMeta;
  readonly spec: IndexSpec;
  readonly status?: IndexStatus;
}

/** An Index spec with every schema default filled (used for implicit development Indexes). */
export function defaultIndexSpec(): IndexSpec {
  return applyDefaults(IndexSpecSchema, {}) as IndexSpec;
}
