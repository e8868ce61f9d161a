/**
 * The fields of a turbopuffer write request (`POST /v2/namespaces/:ns`), by what they do
 * (reference/turbopuffer-api.md §4.1). One list, read by the local engine's parser and by the
 * gateway's cross-namespace check.
 */

/** Fields that add, change or delete documents, or change the schema. */
export const DOCUMENT_FIELDS = [
  'upsert_rows',
  'upsert_columns',
  'patch_rows',
  'patch_columns',
  'deletes',
  'upsert_condition',
  'patch_condition',
  'delete_condition',
  'delete_by_filter',
  'patch_by_filter',
  'schema',
] as const;

/** Options of the request as a whole. */
export const WRITE_OPTION_FIELDS = [
  'patch_by_filter_allow_partial',
  'delete_by_filter_allow_partial',
  'return_affected_ids',
  'distance_metric',
  'encryption',
  'disable_backpressure',
  'sharding',
] as const;

/** Fields naming another namespace whose documents the write copies. */
export const SOURCE_FIELDS = ['copy_from_namespace', 'branch_from_namespace'] as const;
