/**
 * Namespace-level operations: metadata, schema get/update, delete, list. Metadata is answered
 * from the catalog record (exact counts kept up to date by every write) without loading the
 * namespace's documents.
 */
import { invalid } from '../../wire/errors.ts';
import type { ListNamespacesParams } from '../port.ts';
import type { EngineContext } from './engine-context.ts';
import {
  deserializeSchema,
  parseAttrConfig,
  parseIdConfig,
  renderMetadataSchema,
  renderSchemaEndpoint,
  serializeSchema,
  type AttrSchema,
} from './schema.ts';
import { formatDatetime } from './values.ts';
import { checkSchemaLimits } from './write-plan.ts';

const DEFAULT_PAGE_SIZE = 100;
const MAX_PAGE_SIZE = 1000;

export function metadata(ctx: EngineContext, ns: string): Record<string, unknown> {
  const rec = ctx.namespaces.require(ns);
  return {
    schema: renderMetadataSchema(deserializeSchema(rec.schema)),
    approx_row_count: rec.rowCount,
    approx_logical_bytes: rec.logicalBytes,
    created_at: formatDatetime(rec.createdAt),
    updated_at: formatDatetime(rec.updatedAt),
    last_write_at: formatDatetime(rec.lastWriteAt),
    encryption: { mode: 'default' },
    index: { status: 'up-to-date' },
  };
}

export function getSchema(ctx: EngineContext, ns: string): Record<string, unknown> {
  return renderSchemaEndpoint(deserializeSchema(ctx.namespaces.require(ns).schema));
}

/** POST /v1/namespaces/:ns/schema: only online-changeable options; the type never changes. */
export function updateSchema(ctx: EngineContext, ns: string, body: unknown): Record<string, unknown> {
  const rec = ctx.namespaces.require(ns);
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw invalid('the schema update body must be a map of attribute name to schema');
  }
  const current = deserializeSchema(rec.schema);
  const attrs = new Map<string, AttrSchema>(current.attrs);
  let distanceMetric = current.distanceMetric;
  for (const [name, cfg] of Object.entries(body)) {
    if (name === 'id') {
      const t = parseIdConfig(cfg);
      if (t !== current.idType) {
        throw invalid(
          `invalid schema update for attribute 'id': cannot change attribute type from ${current.idType} to ${t}`,
          { attribute: 'id' },
        );
      }
      continue;
    }
    const parsed = parseAttrConfig(name, cfg, attrs.get(name));
    if (parsed.distanceMetric !== undefined) {
      if (distanceMetric !== undefined && parsed.distanceMetric !== distanceMetric) {
        throw invalid(
          `distance_metric ${parsed.distanceMetric} does not match this namespace's ${distanceMetric}`,
        );
      }
      distanceMetric = parsed.distanceMetric;
    }
    if (parsed.schema.type.vector !== undefined && !current.attrs.has(name)) {
      if (rec.rowCount > 0)
        throw invalid(`cannot add vector attribute \`${name}\` to a namespace that already has documents`);
      if (distanceMetric === undefined)
        throw invalid(`vector attribute \`${name}\` needs ann.distance_metric`);
    }
    attrs.set(name, parsed.schema);
  }
  checkSchemaLimits(attrs);
  const next = { idType: current.idType, attrs, distanceMetric };
  const text = serializeSchema(next);
  const now = ctx.clock();
  const version = rec.version + 1;
  ctx.storage.transaction(() =>
    ctx.storage.saveRecord({ ...rec, schema: text, updatedAt: now, version }, []),
  );
  rec.schema = text;
  rec.updatedAt = now;
  rec.version = version;
  if (ctx.namespaces.isLoaded(ns)) {
    const { state } = ctx.namespaces.load(ns);
    state.schema = next;
    state.table.setSchema(next);
  }
  return renderSchemaEndpoint(next);
}

export function deleteNamespace(ctx: EngineContext, ns: string): Record<string, unknown> {
  const rec = ctx.namespaces.require(ns);
  ctx.storage.dropNamespace(rec);
  ctx.namespaces.remove(ns);
  return { status: 'OK' };
}

function encodeCursor(name: string): string {
  return Buffer.from(name, 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): string {
  const name = Buffer.from(cursor, 'base64url').toString('utf8');
  if (encodeCursor(name) !== cursor) throw invalid(`invalid cursor ${JSON.stringify(cursor)}`);
  return name;
}

export function listNamespaces(ctx: EngineContext, params: ListNamespacesParams): Record<string, unknown> {
  const pageSize = params.pageSize ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE_SIZE) {
    throw invalid(`page_size must be an integer between 1 and ${MAX_PAGE_SIZE}`);
  }
  const prefix = params.prefix ?? '';
  const after = params.cursor === undefined || params.cursor === '' ? undefined : decodeCursor(params.cursor);
  const names = ctx.namespaces
    .names()
    .filter((n) => n.startsWith(prefix) && (after === undefined || n > after))
    .sort();
  const page = names.slice(0, pageSize);
  const last = page[page.length - 1];
  return {
    namespaces: page.map((id) => ({ id })),
    next_cursor: names.length > pageSize && last !== undefined ? encodeCursor(last) : null,
  };
}
