/**
 * The hevlayer API over the registry (INTERFACES.md "hevlayer API"): Index objects with defaults
 * and status, the config source's state, and readiness. Each request reads one registry snapshot,
 * so a concurrent reload never mixes generations in one answer.
 */
import type { ConfigSourceStatus, RegistryHolder } from '../registry/holder.ts';
import {
  indexObject,
  problemsFor,
  summarizeProblems,
  type IndexObjectOptions,
} from '../registry/index-object.ts';
import { matchesLabelFilters, matchesSelector, parseLabelFilters } from '../registry/labels.ts';
import type { IndexEntry, RegistrySnapshot } from '../registry/types.ts';
import { formatProblem } from '../resources/problems.ts';
import { HevError } from '../wire/errors.ts';
import { authorizeIndex, type Principal } from './auth.ts';
import { value, type RequestContext, type RouteSpec } from './route.ts';

/** Where routes are added (the gateway server). */
export interface RouteTable {
  route(spec: RouteSpec): void;
}

export interface HevlayerRoutesOptions {
  readonly registry: RegistryHolder;
  /** Data-plane facts for an Index's status (upstream, snapshots, cache), when there are any. */
  readonly indexStatus?: (entry: IndexEntry) => IndexStatusExtras | Promise<IndexStatusExtras>;
}

function visibleTo(principal: Principal | undefined, entry: IndexEntry): boolean {
  const selector = principal?.matchLabels;
  return selector === undefined || matchesSelector(entry.labels, selector);
}

export type IndexStatusExtras = Pick<IndexObjectOptions, 'extraStatus' | 'extraConditions'>;

async function render(
  entry: IndexEntry,
  snapshot: RegistrySnapshot,
  config: ConfigSourceStatus,
  options: HevlayerRoutesOptions,
) {
  return indexObject(entry, snapshot, { config, ...(await options.indexStatus?.(entry)) });
}

function notFound(name: string, config: ConfigSourceStatus): HevError {
  const mentioned = config.lastError?.problems.filter((p) => p.kind === 'Index' && p.name === name) ?? [];
  const detail =
    mentioned.length > 0
      ? `; the rejected config change declares it but is invalid: ${summarizeProblems(problemsFor(name, mentioned))}`
      : '';
  return new HevError('HEV_INDEX_NOT_FOUND', `no Index named ${JSON.stringify(name)}${detail}`);
}

export function registerHevlayerRoutes(app: RouteTable, options: HevlayerRoutesOptions): void {
  const { registry } = options;

  app.route({
    method: 'GET',
    path: '/hevlayer/v1/indexes',
    body: false,
    handler: async (ctx) => {
      const snapshot = registry.current();
      const config = registry.status();
      const labels = parseLabelFilters(ctx.query.label);
      const tag = ctx.query.tag;
      const tags = tag === undefined ? [] : [tag].flat();
      const items = snapshot.allIndexes
        .filter((e) => visibleTo(ctx.principal, e) && matchesLabelFilters(e.labels, labels))
        .filter((e) => tags.every((t) => e.tags.includes(t)))
        .map((e) => render(e, snapshot, config, options));
      return value(200, { items: await Promise.all(items) });
    },
  });

  app.route({
    method: 'GET',
    path: '/hevlayer/v1/indexes/:name',
    body: false,
    handler: async (ctx) => {
      const snapshot = registry.current();
      const config = registry.status();
      const name = ctx.params.name ?? '';
      const namespace = single(ctx, 'namespace');
      const entry =
        namespace === undefined
          ? snapshot.indexes.get(name)
          : snapshot.allIndexes.find((e) => e.name === name && e.k8sNamespace === namespace);
      if (entry === undefined) throw notFound(name, config);
      authorizeIndex(ctx.principal, entry.name, entry.labels);
      ctx.index = entry.name;
      return value(200, await render(entry, snapshot, config, options));
    },
  });

  app.route({
    method: 'GET',
    path: '/hevlayer/v1/config',
    body: false,
    handler: async () => value(200, configView(registry)),
  });
}

function single(ctx: RequestContext, key: string): string | undefined {
  const v = ctx.query[key];
  if (Array.isArray(v))
    throw new HevError('HEV_INVALID_REQUEST', `query parameter ${key} given more than once`);
  return v;
}

function configView(registry: RegistryHolder) {
  const snapshot = registry.current();
  const config = registry.status();
  return {
    source: config.source,
    location: config.location,
    generation: snapshot.generation,
    loadedAt: snapshot.generation > 0 ? snapshot.loadedAt : null,
    lastAttemptAt: config.lastAttemptAt ?? null,
    lastSuccessAt: config.lastSuccessAt ?? null,
    valid: config.lastError === undefined,
    lastError:
      config.lastError === undefined
        ? null
        : { at: config.lastError.at, problems: config.lastError.problems.map(formatProblem) },
    warnings: snapshot.problems.map(formatProblem),
    gateway: snapshot.gateway.name ?? null,
    indexes: snapshot.allIndexes.length,
    stores: [...snapshot.stores.values()].map((s) => ({
      name: s.name,
      namespace: s.k8sNamespace,
      provider: s.provider,
      default: s.isDefault,
    })),
  };
}

/** What /readyz asks beyond "config loaded": are the stores behind the Indexes reachable? */
export type ReadinessCheck = () => Promise<{
  ok: boolean;
  stores: readonly { name: string; ok: boolean; message: string }[];
}>;

/** `/readyz`: 200 once a config is loaded, the stores answer, and while not draining; 503 otherwise. */
export function registerReadiness(
  app: RouteTable,
  registry: RegistryHolder,
  draining: () => boolean = () => false,
  storesReachable?: ReadinessCheck,
): void {
  app.route({
    method: 'GET',
    path: '/readyz',
    body: false,
    auth: false,
    handler: async () => {
      if (draining()) return value(503, { status: 'error', error: 'shutting down' });
      if (!registry.isLoaded()) return value(503, { status: 'error', error: 'no configuration loaded yet' });
      const generation = registry.current().generation;
      if (storesReachable === undefined) return value(200, { status: 'ready', generation });
      const report = await storesReachable();
      if (!report.ok) {
        const failing = report.stores.filter((s) => !s.ok).map((s) => s.message);
        return value(503, { status: 'error', error: failing.join('; '), generation, stores: report.stores });
      }
      return value(200, { status: 'ready', generation, stores: report.stores });
    },
  });
}
