/**
 * Applies one write request atomically. Everything is validated and the outcome computed against
 * an overlay of the in-memory table first (delete_by_filter, then patch_by_filter, then upserts,
 * patches and deletes with their conditions); only then is the result committed to SQLite in one
 * transaction and, after the commit, mirrored into the in-memory table. A copy or branch from
 * another namespace is copy.ts (same commit).
 */
import { HevError, invalid } from '../../wire/errors.ts';
import type { EngineContext } from './engine-context.ts';
import { compileFilter } from './filters.ts';
import { compareIds, type DocId } from './ids.ts';
import type { NsState } from './namespace-cache.ts';
import type { NamespaceRecord } from './storage.ts';
import { serializeSchema, vectorColumns, type NsSchema } from './schema.ts';
import { DocSource, tableSource } from './sources.ts';
import { docBytes, Table, type Doc } from './table.ts';
import { hasOperations, parseWrite, type ParsedWrite } from './write-parse.ts';
import { planWrite, type WritePlan } from './write-plan.ts';

interface Outcome {
  readonly overlay: Map<DocId, Doc | null>;
  readonly upserted: DocId[];
  readonly patched: DocId[];
  readonly deleted: DocId[];
  rowsRemaining: boolean;
}

function applyPatch(doc: Doc, set: ReadonlyMap<string, unknown>): Doc {
  const attrs: Record<string, unknown> = { ...doc.attrs };
  for (const [k, v] of set) {
    if (v === undefined) delete attrs[k];
    else attrs[k] = v;
  }
  return { id: doc.id, attrs, vectors: doc.vectors };
}

function condition(
  raw: unknown,
  schema: NsSchema,
): ((cur: Doc, next: Doc | undefined) => boolean) | undefined {
  if (raw === undefined) return undefined;
  const source = new DocSource(schema);
  const pred = compileFilter(raw, source);
  return (cur, next) => {
    source.current = cur;
    source.next = next;
    return pred(0);
  };
}

function byFilterSlots(
  table: Table,
  schema: NsSchema,
  filter: unknown,
  skip: Map<DocId, Doc | null>,
): number[] {
  const pred = compileFilter(filter, tableSource(table, schema));
  const out: number[] = [];
  for (let s = 0; s < table.capacity; s++) {
    const id = table.ids[s];
    if (id !== undefined && skip.get(id) !== null && pred(s)) out.push(s);
  }
  return out.sort((a, b) => compareIds(table.ids[a] as DocId, table.ids[b] as DocId));
}

function capped(
  slots: number[],
  cap: number,
  allowPartial: boolean,
  op: string,
): { slots: number[]; remaining: boolean } {
  if (slots.length <= cap) return { slots, remaining: false };
  if (!allowPartial) {
    throw invalid(
      `${op} matched ${slots.length} documents, more than the limit of ${cap} per request; ` +
        `set ${op}_allow_partial to apply it in batches`,
    );
  }
  return { slots: slots.slice(0, cap), remaining: true };
}

function simulate(ctx: EngineContext, w: ParsedWrite, plan: WritePlan, table: Table | undefined): Outcome {
  const out: Outcome = { overlay: new Map(), upserted: [], patched: [], deleted: [], rowsRemaining: false };
  const { overlay } = out;
  const current = (id: DocId): Doc | undefined => {
    const o = overlay.get(id);
    if (o !== undefined) return o ?? undefined;
    const slot = table?.slotOf.get(id);
    return slot === undefined ? undefined : table?.doc(slot);
  };
  if (w.deleteByFilter !== undefined && table !== undefined) {
    const all = byFilterSlots(table, plan.schema, w.deleteByFilter.filter, overlay);
    const { slots, remaining } = capped(
      all,
      ctx.limits.deleteByFilterMax,
      w.deleteByFilter.allowPartial,
      'delete_by_filter',
    );
    out.rowsRemaining ||= remaining;
    for (const s of slots) {
      const id = table.ids[s] as DocId;
      overlay.set(id, null);
      out.deleted.push(id);
    }
  }
  if (w.patchByFilter !== undefined && plan.patchByFilter !== undefined && table !== undefined) {
    const all = byFilterSlots(table, plan.schema, w.patchByFilter.filter, overlay);
    const { slots, remaining } = capped(
      all,
      ctx.limits.patchByFilterMax,
      w.patchByFilter.allowPartial,
      'patch_by_filter',
    );
    out.rowsRemaining ||= remaining;
    for (const s of slots) {
      const doc = applyPatch(table.doc(s), plan.patchByFilter);
      overlay.set(doc.id, doc);
      out.patched.push(doc.id);
    }
  }
  const upsertCond = condition(w.upsertCondition, plan.schema);
  for (const doc of plan.upserts ?? []) {
    if (upsertCond !== undefined) {
      const cur = current(doc.id);
      if (cur !== undefined && !upsertCond(cur, doc)) continue;
    }
    overlay.set(doc.id, doc);
    out.upserted.push(doc.id);
  }
  const patchCond = condition(w.patchCondition, plan.schema);
  for (const p of plan.patches ?? []) {
    const cur = current(p.id);
    if (cur === undefined) continue;
    const next = applyPatch(cur, p.set);
    if (patchCond !== undefined && !patchCond(cur, next)) continue;
    // An id already patched by patch_by_filter is one patched row, not two.
    if (overlay.get(p.id) === undefined) out.patched.push(p.id);
    overlay.set(p.id, next);
  }
  const deleteCond = condition(w.deleteCondition, plan.schema);
  for (const id of plan.deletes ?? []) {
    const o = overlay.get(id);
    if (o === null || (o === undefined && table?.slotOf.has(id) !== true)) continue;
    if (deleteCond !== undefined && !deleteCond(current(id) as Doc, undefined)) continue;
    overlay.set(id, null);
    out.deleted.push(id);
  }
  return out;
}

export function executeWrite(ctx: EngineContext, ns: string, body: unknown): Record<string, unknown> {
  const started = performance.now();
  const w = parseWrite(body);
  if (!hasOperations(w) && w.schema === undefined && w.distanceMetric === undefined) {
    throw invalid(
      'write request has no operations (upsert_rows, upsert_columns, patch_rows, patch_columns, deletes, delete_by_filter, patch_by_filter or schema)',
    );
  }
  const exists = ctx.namespaces.record(ns) !== undefined;
  if (!exists && (w.deleteByFilter !== undefined || w.patchByFilter !== undefined)) {
    throw new HevError('HEV_NAMESPACE_NOT_FOUND', `namespace '${ns}' was not found`);
  }
  const state = exists ? ctx.namespaces.load(ns).state : undefined;
  const plan = planWrite(w, state?.schema, state?.table.size ?? 0);
  const outcome = simulate(ctx, w, plan, state?.table);
  const queried =
    w.deleteByFilter !== undefined ||
    w.patchByFilter !== undefined ||
    w.upsertCondition !== undefined ||
    w.patchCondition !== undefined ||
    w.deleteCondition !== undefined;
  const bytesBefore = state?.table.logicalBytes ?? 0;
  const written = commit(ctx, ns, state, plan, outcome);
  return response(w, outcome, written, queried ? bytesBefore : undefined, performance.now() - started);
}

export function commit(
  ctx: EngineContext,
  ns: string,
  state: NsState | undefined,
  plan: WritePlan,
  o: Outcome,
): number {
  const table = state?.table;
  const puts: Doc[] = [];
  const dels: DocId[] = [];
  let rowDelta = 0;
  let byteDelta = 0;
  let written = 0;
  for (const [id, doc] of o.overlay) {
    const slot = table?.slotOf.get(id);
    const oldBytes = slot === undefined || table === undefined ? 0 : table.bytesAt(slot);
    if (doc === null) {
      if (slot === undefined) continue;
      dels.push(id);
      rowDelta--;
      byteDelta -= oldBytes;
    } else {
      puts.push(doc);
      const bytes = docBytes(doc, plan.schema);
      written += bytes;
      if (slot === undefined) rowDelta++;
      byteDelta += bytes - oldBytes;
    }
  }
  const now = ctx.clock();
  const dataChanged = puts.length > 0 || dels.length > 0;
  const schemaText = serializeSchema(plan.schema);
  const order = vectorColumns(plan.schema).map((c) => c.name);
  // The in-memory record changes only after the commit, so a failed transaction leaves no trace.
  const next = ctx.storage.transaction(() => {
    const r = state?.rec ?? ctx.storage.createNamespace(ns, plan.schema.idType, schemaText, now);
    ctx.storage.applyDocs(r, puts, dels, order);
    const updated: NamespaceRecord = {
      ...r,
      schema: schemaText,
      rowCount: r.rowCount + rowDelta,
      logicalBytes: r.logicalBytes + byteDelta,
      updatedAt: dataChanged || plan.schemaChanged ? now : r.updatedAt,
      lastWriteAt: dataChanged ? now : r.lastWriteAt,
      version: r.version + 1,
    };
    ctx.storage.saveRecord(updated, [...puts.map((d) => d.id), ...dels]);
    return updated;
  });
  const rec = state === undefined ? next : Object.assign(state.rec, next);
  try {
    const target = state ?? { rec, schema: plan.schema, table: new Table(plan.schema) };
    target.schema = plan.schema;
    target.table.setSchema(plan.schema);
    target.table.reserve(puts.length);
    for (const doc of puts) target.table.put(doc);
    for (const id of dels) target.table.remove(id);
    if (state === undefined) ctx.namespaces.add(target);
  } catch (err) {
    // Committed but not mirrored: drop the table so it is rebuilt from SQLite.
    ctx.namespaces.evict(ns);
    throw err;
  }
  return written;
}

function response(
  w: ParsedWrite,
  o: Outcome,
  written: number,
  queriedBytes: number | undefined,
  ms: number,
): Record<string, unknown> {
  const body: Record<string, unknown> = {
    status: 'OK',
    message: 'documents committed successfully',
    rows_affected: o.upserted.length + o.patched.length + o.deleted.length,
  };
  if (w.upserts !== undefined) body.rows_upserted = o.upserted.length;
  if (w.patches !== undefined || w.patchByFilter !== undefined) body.rows_patched = o.patched.length;
  if (w.deletes !== undefined || w.deleteByFilter !== undefined) body.rows_deleted = o.deleted.length;
  if (w.returnAffectedIds) {
    if (o.upserted.length > 0) body.upserted_ids = o.upserted;
    if (o.patched.length > 0) body.patched_ids = o.patched;
    if (o.deleted.length > 0) body.deleted_ids = o.deleted;
  }
  if (w.deleteByFilter !== undefined || w.patchByFilter !== undefined) body.rows_remaining = o.rowsRemaining;
  const billing: Record<string, unknown> = { billable_logical_bytes_written: written };
  if (queriedBytes !== undefined) {
    billing.query = { billable_logical_bytes_queried: queriedBytes, billable_logical_bytes_returned: 0 };
  }
  body.billing = billing;
  body.performance = { server_total_ms: Math.round(ms * 1000) / 1000 };
  return body;
}
