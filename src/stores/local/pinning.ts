/**
 * `PATCH /v1/namespaces/:ns/metadata` on the local engine. Its one field, `pinning`, provisions
 * dedicated turbopuffer-cloud replicas for a namespace; the embedded engine has no replicas to
 * pin, so asking for pinning is a 400 naming the feature. What it can answer honestly it does:
 * an absent field changes nothing and unpinning (`null`/`false`) leaves the namespace unpinned,
 * as it already is; both answer the namespace's metadata like turbopuffer does.
 */
import { invalid, unsupported } from '../../wire/errors.ts';
import { isRecord } from '../../wire/guards.ts';
import type { EngineContext } from './engine-context.ts';
import { metadata } from './namespaces.ts';
import { describeValue } from './values.ts';

/** Checks the body's shape (400 on a malformed one) and says whether it asks to pin. */
export function wantsPinning(body: unknown): boolean {
  if (!isRecord(body))
    throw invalid(`metadata update body must be a JSON object, got ${describeValue(body)}`);
  for (const key of Object.keys(body)) {
    if (key !== 'pinning') throw invalid(`unknown field \`${key}\` in metadata update (known: pinning)`);
  }
  const pinning = body.pinning;
  if (pinning === undefined || pinning === null || pinning === false) return false;
  if (pinning === true) return true;
  if (isRecord(pinning)) {
    for (const key of Object.keys(pinning)) {
      if (key !== 'replicas') throw invalid(`unknown field \`${key}\` in pinning (known: replicas)`);
    }
    const replicas = pinning.replicas;
    if (
      replicas !== undefined &&
      (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 1)
    ) {
      throw invalid(`pinning.replicas must be an integer >= 1, got ${describeValue(replicas)}`);
    }
    return true;
  }
  throw invalid(`pinning must be true, false, null or {"replicas": n}, got ${describeValue(pinning)}`);
}

export function updateMetadata(ctx: EngineContext, ns: string, body: unknown): Record<string, unknown> {
  ctx.namespaces.require(ns);
  if (wantsPinning(body)) {
    throw unsupported(
      'pinning (dedicated replicas are a turbopuffer-cloud provisioning feature; the embedded engine keeps every loaded namespace in memory)',
    );
  }
  return metadata(ctx, ns);
}
