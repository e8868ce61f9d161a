/**
 * Every namespace the conformance suite touches. Gateway topologies must declare each of these as
 * an Index before the suite runs (hevlayer is not an open proxy), so cases may only name namespaces
 * through `NS`. Names that hold vectors carry their distance metric, because a gateway Index that
 * declares a `distanceMetric` applies it to writes that omit one.
 */
import type { DistanceMetric } from '@turbopuffer/turbopuffer';

const PLAIN = {
  writeRows: 'conf-write-rows',
  writeBilling: 'conf-write-billing',
  writeColumns: 'conf-write-columns',
  writeColumnsBad: 'conf-write-columns-bad',
  writeReplace: 'conf-write-replace',
  writePatchRows: 'conf-write-patch-rows',
  writePatchMissing: 'conf-write-patch-missing',
  writePatchColumns: 'conf-write-patch-columns',
  writePatchNull: 'conf-write-patch-null',
  writeDeletes: 'conf-write-deletes',
  writeDeleteFilter: 'conf-write-delete-filter',
  writePatchFilter: 'conf-write-patch-filter',
  writePartial: 'conf-write-partial',
  writeCapPatch: 'conf-write-cap-patch',
  writeCapDelete: 'conf-write-cap-delete',
  writeOrder: 'conf-write-order',
  writeAffected: 'conf-write-affected',
  writeDup: 'conf-write-dup',
  writeDupOps: 'conf-write-dup-ops',
  writeAtomic: 'conf-write-atomic',
  writeDollar: 'conf-write-dollar',
  writeTypes: 'conf-write-types',
  writeFtsOptions: 'conf-write-fts-options',
  writeFilterable: 'conf-write-filterable',
  writeSchemaOnly: 'conf-write-schema-only',
  writeTypeChange: 'conf-write-type-change',
  writeStringIds: 'conf-write-string-ids',
  writeUuidIds: 'conf-write-uuid-ids',
  writeBigIds: 'conf-write-big-ids',
  writeBadIds: 'conf-write-bad-ids',
  writeMixedIds: 'conf-write-mixed-ids',
  condUpsertVersion: 'conf-cond-upsert-version',
  condInsertAbsent: 'conf-cond-insert-absent',
  condPatch: 'conf-cond-patch',
  condDelete: 'conf-cond-delete',
  condDeleteRefNew: 'conf-cond-delete-refnew',
  condAffected: 'conf-cond-affected',
  condBilling: 'conf-cond-billing',
  bm25: 'conf-bm25',
  filters: 'conf-filter-fixture',
  order: 'conf-order-fixture',
  agg: 'conf-agg-fixture',
  listA: 'conf-list-a',
  listB: 'conf-list-b',
  listC: 'conf-list-c',
  listD: 'conf-list-d',
  listE: 'conf-list-e',
  metaUpdate: 'conf-meta-update',
  schemaGet: 'conf-schema-get',
  schemaUpdate: 'conf-schema-update',
  schemaConflict: 'conf-schema-conflict',
  exists: 'conf-exists',
  deleteNs: 'conf-delete',
  deleteReuse: 'conf-delete-reuse',
  neverWritten: 'conf-never-written',
  warm: 'conf-warm',
  emptied: 'conf-emptied',
  branchTarget: 'conf-branch-target',
  transport: 'conf-transport',
  transportGzip: 'conf-transport-gzip',
} as const;

const VECTOR = {
  writePatchVector: ['conf-write-patch-vector', 'cosine_distance'],
  vecCosine: ['conf-vec-cosine', 'cosine_distance'],
  vecEuclid: ['conf-vec-euclid', 'euclidean_squared'],
  vecMetric: ['conf-vec-metric', 'cosine_distance'],
  vecDims: ['conf-vec-dims', 'euclidean_squared'],
  vecBase64Write: ['conf-vec-base64-write', 'euclidean_squared'],
  vecColumns: ['conf-vec-columns', 'cosine_distance'],
  multi: ['conf-multi-fixture', 'euclidean_squared'],
  attrs: ['conf-attrs-fixture', 'euclidean_squared'],
  meta: ['conf-meta', 'cosine_distance'],
  errors: ['conf-errors', 'cosine_distance'],
} as const satisfies Record<string, readonly [string, DistanceMetric]>;

type VectorKey = keyof typeof VECTOR;

export const NS: { readonly [K in keyof typeof PLAIN]: (typeof PLAIN)[K] } & {
  readonly [K in VectorKey]: (typeof VECTOR)[K][0];
} = {
  ...PLAIN,
  ...(Object.fromEntries(Object.entries(VECTOR).map(([key, [name]]) => [key, name])) as {
    [K in VectorKey]: (typeof VECTOR)[K][0];
  }),
};

export type ConformanceNamespace = (typeof NS)[keyof typeof NS];

/** The distance metric each vector namespace of the suite is written with. */
export const CONFORMANCE_VECTOR_METRICS: Readonly<Record<string, DistanceMetric>> = Object.fromEntries(
  Object.values(VECTOR).map(([name, metric]) => [name, metric]),
);

/** The metric of a vector namespace of the suite (the value cases send as `distance_metric`). */
export function metricOf(name: ConformanceNamespace): DistanceMetric {
  const metric = CONFORMANCE_VECTOR_METRICS[name];
  if (metric === undefined) throw new Error(`${name} is not a vector namespace of the suite`);
  return metric;
}

/** Namespaces that share the listing prefix; the listing cases expect exactly these. */
export const LIST_PREFIX = 'conf-list-';

export const CONFORMANCE_NAMESPACES: readonly string[] = Object.freeze([...new Set(Object.values(NS))]);
