/**
 * The per-shard plan of a copy/branch write (pure). A sharded Index places a document on shard
 * `hash(id) % N`, so shard i of the source holds exactly the documents that belong on shard i of
 * a target with the same N: the copy runs shard by shard (source shard i → target shard i) and
 * every shard keeps its documents where the hash looks for them. With different shard counts the
 * documents would land on the wrong shards, so that is a 400 before anything is sent. One upstream
 * namespace on both sides is the N = 1 case.
 */
import { bodyOf, type Operation } from '../stores/operations.ts';
import { withSourceNamespace, type ResolvedSource } from '../stores/copy-source.ts';
import { invalid } from '../wire/errors.ts';
import { isRecord } from '../wire/guards.ts';
import { Payload } from '../wire/payload.ts';

/** A shard that took its copy is not empty any more, and a copy needs an empty target. */
export const COPY_RETRY_HINT =
  'A copy needs an empty target: delete this Index (DELETE /v2/namespaces/<Index>) and send the copy again.';

/** One write body per target shard, shard i naming the source's shard i; throws a 400 on a count mismatch. */
export function planCopy(
  operation: Operation & { readonly source: ResolvedSource },
  targetShards: number,
): Payload[] {
  const { source } = operation;
  if (source.namespaces.length !== targetShards) {
    throw invalid(
      `${source.field}: source Index ${JSON.stringify(source.name)} has ${source.namespaces.length} shard(s) and ` +
        `Index ${JSON.stringify(operation.ns)} has ${targetShards}: a copy goes shard by shard (documents are placed ` +
        'by id hash modulo the shard count), so both Indexes need the same backend.shards',
    );
  }
  const body = bodyOf(operation).value();
  if (!isRecord(body)) throw invalid('the write body must be a JSON object');
  return source.namespaces.map((namespace) =>
    Payload.fromValue(withSourceNamespace(body, source, namespace)),
  );
}
