/**
 * The hevlayer API over the registry (INTERFACES.md "hevlayer API"): Index objects with defaults
 * and status, the config source's state, and readiness. Each request reads one registry snapshot,
 * so a concurrent reload never mixes generations in one answer.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
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
import { authorizeIndex } from './auth.ts';

export interface HevlayerRoutesOptions {
  readonly registry: RegistryHolder;
  /** Data-plane facts for an Index's status (upstream, snapshots, cache), when there are any. */
  readonly indexStatus?: (entry: IndexEntry) => Pick<IndexObjectOptions, 'extraStatus' | 'extraConditions'>;
}

interface ListQuery {
  label?: string | string[];
  tag?: string | string[];
}

function visibleTo(request: FastifyRequest, entry: IndexEntry): boolean {
  const selector = request.principal?.matchLabels;
  return selector === undefined || matchesSelector(entry.labels, selector);
}

function render(
  entry: IndexEntry,
  snapshot: RegistrySnapshot,
  config: ConfigSourceStatus,
  options: HevlayerRoutesOptions,
) {
  return indexObject(entry, snapshot, { config, ...options.indexStatus?.(entry) });
}

function notFound(name: string, config: ConfigSourceStatus): HevError {
  const mentioned = config.lastError?.problems.filter((p) => p.kind === 'Index' && p.name === name) ?? [];
  const detail =
    mentioned.length > 0
      ? `; the rejected config change declares it but is invalid: ${summarizeProblems(problemsFor(name, mentioned))}`
      : '';
  return new HevError('HEV_INDEX_NOT_FOUND', `no Index named ${JSON.stringify(name)}${detail}`);
}

export function registerHevlayerRoutes(app: FastifyInstance, options: HevlayerRoutesOptions): void {
  const { registry } = options;

  app.get<{ Querystring: ListQuery }>('/hevlayer/v1/indexes', async (request) => {
    const snapshot = registry.current();
    const config = registry.status();
    const labels = parseLabelFilters(request.query.label);
    const tags = request.query.tag === undefined ? [] : [request.query.tag].flat();
    const items = snapshot.allIndexes
      .filter((e) => visibleTo(request, e) && matchesLabelFilters(e.labels, labels))
      .filter((e) => tags.every((t) => e.tags.includes(t)))
      .map((e) => render(e, snapshot, config, options));
    return { items };
  });

  app.get<{ Params: { name: string }; Querystring: { namespace?: string } }>(
    '/hevlayer/v1/indexes/:name',
    async (request) => {
      const snapshot = registry.current();
      const config = registry.status();
      const { name } = request.params;
      const { namespace } = request.query;
      const entry =
        namespace === undefined
          ? snapshot.indexes.get(name)
          : snapshot.allIndexes.find((e) => e.name === name && e.k8sNamespace === namespace);
      if (entry === undefined) throw notFound(name, config);
      authorizeIndex(request.principal, entry.name, entry.labels);
      return render(entry, snapshot, config, options);
    },
  );

  app.get('/hevlayer/v1/config', async () => {
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
  });
}

/** What /readyz asks beyond "config loaded": are the stores behind the Indexes reachable? */
export type ReadinessCheck = () => Promise<{
  ok: boolean;
  stores: readonly { name: string; ok: boolean; message: string }[];
}>;

/** `/readyz`: 200 once a config is loaded, the stores answer, and while not draining; 503 otherwise. */
export function registerReadiness(
  app: FastifyInstance,
  registry: RegistryHolder,
  draining: () => boolean = () => false,
  storesReachable?: ReadinessCheck,
): void {
  app.get('/readyz', async (_request, reply) => {
    if (draining()) return reply.code(503).send({ status: 'error', error: 'shutting down' });
    if (!registry.isLoaded())
      return reply.code(503).send({ status: 'error', error: 'no configuration loaded yet' });
    const generation = registry.current().generation;
    if (storesReachable !== undefined) {
      const report = await storesReachable();
      if (!report.ok) {
        const failing = report.stores.filter((s) => !s.ok).map((s) => s.message);
        return reply
          .code(503)
          .send({ status: 'error', error: failing.join('; '), generation, stores: report.stores });
      }
      return { status: 'ready', generation, stores: report.stores };
    }
    return { status: 'ready', generation };
  });
}
