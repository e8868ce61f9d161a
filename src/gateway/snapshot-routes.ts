/**
 * The facet snapshot routes of the hevlayer API (INTERFACES.md): the latest facets, the history
 * (newest first), one body, and a manual run. Thin: the Index is looked up and authorized like on
 * every hevlayer route, the rest is the snapshot history and writer (src/snapshots/).
 */
import { ObjectStoreError } from '../objects/port.ts';
import type { RegistryHolder } from '../registry/holder.ts';
import type { IndexEntry } from '../registry/types.ts';
import type { SnapshotHistory } from '../snapshots/history.ts';
import { SNAPSHOT_ID_PATTERN } from '../snapshots/layout.ts';
import type { SnapshotWriter } from '../snapshots/writer.ts';
import { HevError } from '../wire/errors.ts';
import { authorizeIndex } from './auth.ts';
import type { RouteTable } from './hevlayer-routes.ts';
import { value, type RequestContext } from './route.ts';

export interface SnapshotRoutesOptions {
  readonly registry: RegistryHolder;
  readonly history: SnapshotHistory;
  readonly writer: Pick<SnapshotWriter, 'runNow'>;
}

const BASE = '/hevlayer/v1/indexes/:name';

function indexOf(ctx: RequestContext, registry: RegistryHolder): IndexEntry {
  const name = ctx.params.name ?? '';
  const entry = registry.current().indexes.get(name);
  if (entry === undefined)
    throw new HevError('HEV_INDEX_NOT_FOUND', `no Index named ${JSON.stringify(name)}`);
  authorizeIndex(ctx.principal, entry.name, entry.labels);
  ctx.index = entry.name;
  return entry;
}

function noSnapshot(entry: IndexEntry): HevError {
  const why =
    entry.policy.facetFields.length === 0
      ? 'its spec.snapshot.facetFields is empty'
      : 'the writer waits for the upstream to be stable and to advance; POST to /snapshots runs one now';
  return new HevError(
    'HEV_SNAPSHOT_NOT_FOUND',
    `Index ${JSON.stringify(entry.name)} has no facet snapshot yet: ${why}`,
  );
}

/** An object store failure as a catalogued 503 (its message names the operation and key only). */
async function fromHistory<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (err) {
    if (err instanceof ObjectStoreError) {
      throw new HevError('HEV_OBJECT_STORE_UNAVAILABLE', `snapshot history unavailable: ${err.message}`);
    }
    throw err;
  }
}

export function registerSnapshotRoutes(app: RouteTable, options: SnapshotRoutesOptions): void {
  const { registry, writer } = options;
  const history = {
    latest: (e: IndexEntry) => fromHistory(() => options.history.latest(e)),
    read: (e: IndexEntry, id: string) => fromHistory(() => options.history.read(e, id)),
    list: (e: IndexEntry) => fromHistory(() => options.history.list(e)),
  };

  app.route({
    method: 'GET',
    path: `${BASE}/facets`,
    body: false,
    handler: async (ctx) => {
      const entry = indexOf(ctx, registry);
      const latest = await history.latest(entry);
      const body = latest === undefined ? undefined : await history.read(entry, latest.id);
      if (body === undefined) throw noSnapshot(entry);
      return value(200, {
        index: entry.name,
        snapshotId: body.id,
        takenAt: body.takenAt,
        facets: body.facets,
      });
    },
  });

  app.route({
    method: 'GET',
    path: `${BASE}/snapshots`,
    body: false,
    handler: async (ctx) => {
      const entry = indexOf(ctx, registry);
      const limit = ctx.query.limit;
      if (
        limit !== undefined &&
        (typeof limit !== 'string' || !/^[1-9]\d{0,3}$/.test(limit) || Number(limit) > 1000)
      ) {
        throw new HevError(
          'HEV_INVALID_REQUEST',
          `limit must be an integer from 1 to 1000, got ${JSON.stringify(limit)}`,
        );
      }
      const items = await history.list(entry);
      return value(200, { items: limit === undefined ? items : items.slice(0, Number(limit)) });
    },
  });

  app.route({
    method: 'GET',
    path: `${BASE}/snapshots/:id`,
    body: false,
    handler: async (ctx) => {
      const entry = indexOf(ctx, registry);
      const id = ctx.params.id ?? '';
      if (!SNAPSHOT_ID_PATTERN.test(id)) {
        throw new HevError(
          'HEV_INVALID_REQUEST',
          `${JSON.stringify(id)} is not a snapshot id (they look like 20261206T101512123Z-a1b2c3; list them with GET ${BASE.replace(':name', entry.name)}/snapshots)`,
        );
      }
      const body = await history.read(entry, id);
      if (body === undefined) {
        throw new HevError(
          'HEV_SNAPSHOT_NOT_FOUND',
          `Index ${JSON.stringify(entry.name)} has no snapshot ${id}`,
        );
      }
      return value(200, body);
    },
  });

  app.route({
    method: 'POST',
    path: `${BASE}/snapshots`,
    body: false,
    handler: async (ctx) => {
      const entry = indexOf(ctx, registry);
      return value(201, await writer.runNow(entry));
    },
  });
}
