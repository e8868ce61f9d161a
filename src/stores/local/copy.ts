/**
 * `copy_from_namespace` and `branch_from_namespace` on the local engine (turbopuffer API §4.7/4.8):
 * every document and the schema of a source namespace of the same store are written into an empty
 * target in one SQLite transaction, on the writer thread like any write. A branch is the same copy:
 * turbopuffer's branch is a copy-on-write clone that is independent of its parent afterwards, and a
 * full copy is indistinguishable from it for a client, only slower on a large namespace (recorded
 * in docs/adr/local-engine.md). The source name was already translated by the gateway.
 */
import { invalid, unsupported } from '../../wire/errors.ts';
import { isRecord } from '../../wire/guards.ts';
import type { NamedSource } from '../copy-source.ts';
import type { EngineContext } from './engine-context.ts';
import type { DocId } from './ids.ts';
import { notFound } from './namespace-cache.ts';
import { deserializeSchema, serializeSchema } from './schema.ts';
import type { Doc } from './table.ts';
import { commit } from './write.ts';

/** Fields that may travel with a copy on this engine (the rest is refused by name). */
const WITH_COPY = new Set(['encryption', 'disable_backpressure']);

function checkEncryption(value: unknown, where: string): void {
  if (value === undefined || value === null) return;
  if (!isRecord(value) || value.mode !== 'default')
    throw unsupported(`${where} other than {"mode": "default"}`);
}

export function executeCopy(
  ctx: EngineContext,
  ns: string,
  body: Readonly<Record<string, unknown>>,
  source: NamedSource,
): Record<string, unknown> {
  const started = performance.now();
  for (const key of Object.keys(body)) {
    if (key !== source.field && !WITH_COPY.has(key)) {
      throw invalid(`${source.field} cannot be combined with \`${key}\` on this store`);
    }
  }
  checkEncryption(body.encryption, 'encryption');
  checkEncryption(source.options.dest_encryption, 'dest_encryption');
  if (source.name === ns) throw invalid(`${source.field}: namespace '${ns}' cannot be copied into itself`);
  if (ctx.namespaces.record(ns) !== undefined) {
    throw invalid(
      `${source.field} needs an empty target, and namespace '${ns}' already exists: delete it first`,
    );
  }
  if (ctx.namespaces.record(source.name) === undefined) throw notFound(source.name);
  const from = ctx.namespaces.load(source.name).state;
  // The target's own schema object: the two namespaces evolve independently from now on.
  const schema = deserializeSchema(serializeSchema(from.schema));
  const docs: Doc[] = [];
  for (let slot = 0; slot < from.table.capacity; slot++) {
    if (from.table.ids[slot] !== undefined) docs.push(from.table.doc(slot));
  }
  const plan = {
    schema,
    schemaChanged: true,
    upserts: docs,
    patches: undefined,
    deletes: undefined,
    patchByFilter: undefined,
  };
  const outcome = {
    overlay: new Map<DocId, Doc | null>(docs.map((doc) => [doc.id, doc])),
    upserted: [],
    patched: [],
    deleted: [],
    rowsRemaining: false,
  };
  const written = commit(ctx, ns, undefined, plan, outcome);
  return {
    status: 'OK',
    message: `namespace '${source.name}' copied`,
    rows_affected: docs.length,
    billing: { billable_logical_bytes_written: written },
    performance: { server_total_ms: Math.round((performance.now() - started) * 1000) / 1000 },
  };
}
