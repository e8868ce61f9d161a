/**
 * The Index policy layer, first in an Index's dispatch: the Index's distanceMetric is sent on
 * writes that may create vector columns and do not name one; a write naming a different metric is
 * refused here (it would otherwise create a namespace that disagrees with its Index).
 */
import { bodyOf, type Layer } from '../stores/operations.ts';
import { invalid } from '../wire/errors.ts';
import { isRecord } from '../wire/guards.ts';
import { Payload } from '../wire/payload.ts';

export type DistanceMetric = 'cosine_distance' | 'euclidean_squared';

const VECTOR_TYPE = /^\[\d+\]f(16|32)$/;

/** Names of attributes the request's own schema declares as dense vectors. */
function declaredVectorColumns(schema: unknown): Set<string> {
  const names = new Set<string>(['vector']);
  if (!isRecord(schema)) return names;
  for (const [name, config] of Object.entries(schema)) {
    const type = typeof config === 'string' ? config : isRecord(config) ? config.type : undefined;
    if (typeof type === 'string' && VECTOR_TYPE.test(type)) names.add(name);
  }
  return names;
}

/** True when the write upserts a value into a vector column (so it may create one). */
export function writesVectors(body: Record<string, unknown>): boolean {
  const vectorColumns = declaredVectorColumns(body.schema);
  const rows = body.upsert_rows;
  if (Array.isArray(rows)) {
    for (const row of rows) {
      if (isRecord(row) && [...vectorColumns].some((c) => row[c] !== undefined && row[c] !== null))
        return true;
    }
  }
  const columns = body.upsert_columns;
  if (isRecord(columns) && [...vectorColumns].some((c) => columns[c] !== undefined)) return true;
  return [...vectorColumns].some((c) => c !== 'vector');
}

/**
 * Returns the payload to send: unchanged (same bytes) when nothing needs adding, else a new payload
 * with `distance_metric` set. Throws a 400 on a conflicting metric or a non-object body.
 */
export function applyDistanceMetric(payload: Payload, metric: DistanceMetric, indexName: string): Payload {
  const body = payload.value();
  if (!isRecord(body)) throw invalid('write body must be a JSON object');
  const given = body.distance_metric;
  if (given !== undefined && given !== null) {
    if (given !== metric) {
      throw invalid(
        `distance_metric ${JSON.stringify(given)} conflicts with Index "${indexName}" (backend.distanceMetric: ${metric})`,
      );
    }
    return payload;
  }
  if (!writesVectors(body)) return payload;
  return Payload.fromValue({ ...body, distance_metric: metric });
}

export interface IndexPolicy {
  readonly name: string;
  readonly distanceMetric: DistanceMetric;
}

export function indexPolicyLayer(index: IndexPolicy): Layer {
  return (next) => (operation, ctx) => {
    if (operation.op !== 'write') return next(operation, ctx);
    return next(
      { ...operation, body: applyDistanceMetric(bodyOf(operation), index.distanceMetric, index.name) },
      ctx,
    );
  };
}
