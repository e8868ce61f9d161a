/**
 * The turbopuffer wire routes (INTERFACES.md "HTTP"), one per route of the operation table
 * (stores/operations.ts) plus `GET /v1/namespaces`. Each handler validates the namespace name,
 * resolves the Index (404, 403, 503) — and the source Index a copy/branch write names — and
 * dispatches `{op, ns, body, source}`; the body arrives as the
 * pipeline's unparsed Payload, so a store that relays it upstream sends the client's bytes. The
 * answer of a cacheable read carries `x-hevlayer-cache: hit|miss|bypass|coalesced`.
 */
import { OP_NAMES, OPERATIONS, specOf, type CacheReport, type HttpMethod } from '../stores/operations.ts';
import { invalid } from '../wire/errors.ts';
import { isNamespaceName } from '../wire/namespace-name.ts';
import type { Payload } from '../wire/payload.ts';
import type { Reply, RequestContext, RouteSpec } from './route.ts';
import { json } from './route.ts';
import type { TargetResolver } from './target.ts';

export function validateNamespaceName(name: string): void {
  if (!isNamespaceName(name)) {
    throw invalid(`invalid namespace name ${JSON.stringify(name)}: must match [A-Za-z0-9-_.]{1,128}`);
  }
}

const LIST_TEMPLATE = OPERATIONS.listNamespaces.routes[0].path;

/** Every turbopuffer route, as `[method, template]`, from the operation table. */
export const TURBOPUFFER_ROUTES: readonly (readonly [HttpMethod, string])[] = OP_NAMES.flatMap((op) =>
  specOf(op).routes.map((r) => [r.method, r.path] as const),
);

function single(ctx: RequestContext, key: string): string | undefined {
  const value = ctx.query[key];
  if (Array.isArray(value)) throw invalid(`query parameter ${key} given more than once`);
  return value;
}

function listParams(ctx: RequestContext): { prefix?: string; cursor?: string; pageSize?: number } {
  const prefix = single(ctx, 'prefix');
  const cursor = single(ctx, 'cursor');
  const pageSizeText = single(ctx, 'page_size');
  let pageSize: number | undefined;
  if (pageSizeText !== undefined) {
    pageSize = Number(pageSizeText);
    if (!/^\d+$/.test(pageSizeText) || pageSize < 1 || pageSize > 1000) {
      throw invalid(`page_size must be an integer between 1 and 1000, got ${JSON.stringify(pageSizeText)}`);
    }
  }
  return {
    ...(prefix === undefined ? {} : { prefix }),
    ...(cursor === undefined ? {} : { cursor }),
    ...(pageSize === undefined ? {} : { pageSize }),
  };
}

export function turbopufferRoutes(resolver: TargetResolver): RouteSpec[] {
  const routes: RouteSpec[] = [];
  for (const op of OP_NAMES) {
    const spec = specOf(op);
    if (spec.scope !== 'namespace') continue;
    for (const { method, path } of spec.routes) {
      // Not async: on the hot path, one promise fewer per request; a throw is the pipeline's to catch.
      const reply = (payload: Payload): Reply => json(spec.status, payload);
      // A cacheable read says what the cache did; the layer fills the slot (cache/layer.ts).
      const cached = (payload: Payload, report: CacheReport): Reply =>
        report.outcome === undefined
          ? json(spec.status, payload)
          : { ...json(spec.status, payload), headers: { 'x-hevlayer-cache': report.outcome } };
      routes.push({
        method,
        path,
        body: spec.body,
        handler: (ctx) => {
          const ns = ctx.params.ns ?? '';
          validateNamespaceName(ns);
          const rctx = { principal: ctx.principal };
          const resolved = resolver.resolve(ns, rctx);
          ctx.index = resolved.index;
          ctx.store = resolved.store;
          const source = spec.namesSource === true ? resolver.resolveSource(ns, ctx.body, rctx) : undefined;
          const operation = { op, ns, body: ctx.body, source };
          if (spec.cache === 'none') return resolved.dispatch(operation, ctx.call).then(reply);
          const report: CacheReport = {};
          return resolved
            .dispatch(operation, { ...ctx.call, cache: report })
            .then((payload) => cached(payload, report));
        },
      });
    }
  }
  routes.push({
    method: 'GET',
    path: LIST_TEMPLATE,
    body: false,
    handler: async (ctx) =>
      json(200, await resolver.list(listParams(ctx), { principal: ctx.principal }, ctx.call)),
  });
  return routes;
}
