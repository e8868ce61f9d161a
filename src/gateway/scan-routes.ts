/**
 * The scan route and the cache-warm routes of the hevlayer API (INTERFACES.md):
 * - `POST /hevlayer/v1/indexes/:name/scan` streams NDJSON: one row per line, then
 *   `{"$scan":{rows, threads, shards, durationMs, cursor}}` (plus `error` when it ended early; the
 *   cursor resumes it). With `checkpoints: true`, a `{"$checkpoint":{rows, cursor}}` line follows
 *   each page, so a client cut off mid-stream resumes from the last checkpoint it read.
 * - `POST /hevlayer/v1/indexes/:name/cache/warm` starts a warm; `GET` shows its progress.
 * Thin: the request is checked (scan/request.ts), the Index resolved (404, 403, 503) and the work
 * is the scan engine's (scan/engine.ts) and the warmer's (scan/warmer.ts).
 */
import type { RegistryHolder } from '../registry/holder.ts';
import { openScan, type Scan, type ScanPage, type ScanTarget } from '../scan/engine.ts';
import { parseScanRequest } from '../scan/request.ts';
import type { Warmers } from '../scan/warmers.ts';
import { HevError } from '../wire/errors.ts';
import { stringifyJson } from '../wire/json.ts';
import { validateNamespaceName } from './turbopuffer-routes.ts';
import { ndjson, value, type RequestContext } from './route.ts';
import type { RouteTable } from './hevlayer-routes.ts';
import type { TargetResolver } from './target.ts';
import type { Principal } from './auth.ts';
import { toHevError } from './http-errors.ts';

export interface ScanRoutesOptions {
  readonly registry: Pick<RegistryHolder, 'current'>;
  readonly resolver: TargetResolver;
  /** The cache warmers (absent: the warm routes answer 404 for every Index). */
  readonly warmers?: Warmers | undefined;
}

const line = (v: unknown): string => `${stringifyJson(v)}\n`;

/** The rows of one page as NDJSON text (one write per page, not per row). */
function pageLines(page: ScanPage): string {
  let text = '';
  for (const row of page.rows) text += line(row);
  return text;
}

/** An Index resolved for a caller (404, 403, 503 as on the data routes): its entry and dispatch. */
export function resolveScanTarget(
  resolver: TargetResolver,
  registry: Pick<RegistryHolder, 'current'>,
  name: string,
  principal?: Principal,
): ScanTarget & { store: string | undefined } {
  const resolved = resolver.resolve(name, { principal });
  const snapshot = registry.current();
  const entry = snapshot.indexes.get(resolved.index ?? name);
  if (entry === undefined)
    throw new HevError('HEV_INDEX_NOT_FOUND', `no Index named ${JSON.stringify(name)}`);
  return { dispatch: resolved.dispatch, entry, snapshot, store: resolved.store };
}

/** The Index the URL names, resolved for this caller. */
function target(ctx: RequestContext, options: ScanRoutesOptions): ScanTarget {
  const name = ctx.params.name ?? '';
  validateNamespaceName(name);
  const resolved = resolveScanTarget(options.resolver, options.registry, name, ctx.principal);
  ctx.index = resolved.entry.name;
  ctx.store = resolved.store;
  return resolved;
}

async function* scanLines(
  scan: Scan,
  pages: AsyncIterator<ScanPage>,
  first: IteratorResult<ScanPage>,
  ctx: RequestContext,
  checkpoints: boolean,
  started: number,
): AsyncGenerator<string> {
  const summary = (extra: Record<string, unknown> = {}) =>
    line({
      $scan: {
        rows: scan.rows,
        threads: scan.threads,
        shards: scan.shards,
        durationMs: Math.round(performance.now() - started),
        cursor: scan.cursor(),
        ...extra,
      },
    });
  try {
    for (let item = first; item.done !== true; item = await pages.next()) {
      yield pageLines(item.value);
      if (checkpoints) yield line({ $checkpoint: { rows: scan.rows, cursor: scan.cursor() } });
      if (ctx.stopping.aborted) {
        yield summary({ error: 'the gateway is shutting down; resume from the cursor' });
        return;
      }
    }
  } catch (err) {
    if (ctx.call.signal?.aborted === true) throw err; // nobody is reading
    yield summary({ error: toHevError(err).message });
    return;
  } finally {
    await pages.return?.();
  }
  yield summary();
}

export function registerScanRoutes(app: RouteTable, options: ScanRoutesOptions): void {
  app.route({
    method: 'POST',
    path: '/hevlayer/v1/indexes/:name/scan',
    body: true,
    handler: async (ctx) => {
      const request = parseScanRequest(ctx.body?.value());
      const started = performance.now();
      const scan = await openScan(target(ctx, options), request, ctx.call);
      const pages = scan[Symbol.asyncIterator]();
      // The first page before the head: a request the upstream refuses (a bad filter) is its 4xx.
      const first = await pages.next();
      return ndjson(200, scanLines(scan, pages, first, ctx, request.checkpoints, started));
    },
  });

  const warmer = (ctx: RequestContext) => {
    const t = target(ctx, options);
    const found = options.warmers?.get(t.entry.name);
    if (found === undefined) {
      const mode = t.entry.policy.cacheMode;
      throw new HevError(
        'HEV_CONFLICT',
        `Index ${JSON.stringify(t.entry.name)} has cache.mode ${mode}; warming fills documents only for cache.mode: warm`,
      );
    }
    return { warmer: found, target: t };
  };

  app.route({
    method: 'POST',
    path: '/hevlayer/v1/indexes/:name/cache/warm',
    body: false,
    handler: async (ctx) => {
      const { warmer: w, target: t } = warmer(ctx);
      return value(202, w.start(t, 'request'));
    },
  });

  app.route({
    method: 'GET',
    path: '/hevlayer/v1/indexes/:name/cache/warm',
    body: false,
    handler: async (ctx) => value(200, warmer(ctx).warmer.progress()),
  });
}
