/**
 * The gateway's side of a cross-namespace write: the source a copy/branch names is an Index the
 * caller may read (404 when none is declared, 403 outside the key's selector, 503 when it cannot be
 * served), translated to that Index's upstream namespaces. When the source lives on another
 * turbopuffer store, the gateway adds that store's key and region itself; across kinds (local ↔
 * turbopuffer) or across local stores there is no copy. The rule is written down in
 * docs/adr/gateway-auth-and-telemetry.md "Cross-namespace writes".
 */
import type { IndexEntry, StoreEntry } from '../registry/types.ts';
import type { NamedSource, ResolvedSource, SourceAccess } from '../stores/copy-source.ts';
import { resolveBaseURL } from '../stores/turbopuffer/index.ts';
import { HevError, invalid } from '../wire/errors.ts';
import { authorizeIndex, type Principal } from './auth.ts';

/** The API key of a turbopuffer VectorStore (from its env var or Secret); errors never hold a value. */
export type StoreApiKey = (store: StoreEntry) => string;

export interface SourceContext {
  readonly named: NamedSource;
  /** The target Index (already resolved and authorized from the URL). */
  readonly target: IndexEntry;
  /** The Index the source names, or undefined when none is declared. */
  readonly source: IndexEntry | undefined;
  readonly principal: Principal | undefined;
  readonly storeApiKey?: StoreApiKey | undefined;
}

/** Authorizes and translates the source of a copy/branch; throws HevError, sends nothing. */
export function resolveSource(sc: SourceContext): ResolvedSource {
  const { named, target, source } = sc;
  if (source === undefined) {
    throw new HevError(
      'HEV_INDEX_NOT_FOUND',
      `${named.field} names ${JSON.stringify(named.name)}, but no Index of that name is declared on this gateway: ` +
        'a copy or branch source must be a declared Index',
      { index: target.name },
    );
  }
  authorizeIndex(sc.principal, source.name, source.labels);
  if (!source.ready || source.store === undefined) {
    throw new HevError(
      'HEV_INDEX_NOT_READY',
      `${named.field} source Index ${JSON.stringify(source.name)} cannot be served: ` +
        (source.conditions.find((c) => c.type === 'Ready')?.message ?? 'its store is not resolved'),
      { index: target.name },
    );
  }
  const targetStore = target.store as StoreEntry;
  return {
    ...named,
    namespaces: source.upstreamNamespaces,
    access: sourceAccess(named, source.name, source.store, targetStore, sc.storeApiKey),
  };
}

function describeStore(store: StoreEntry): string {
  return `${store.provider} VectorStore ${JSON.stringify(store.name)}`;
}

/** What a write on `target` must send to read from `source`: nothing when it is the same upstream. */
export function sourceAccess(
  named: NamedSource,
  sourceIndex: string,
  source: StoreEntry,
  target: StoreEntry,
  storeApiKey: StoreApiKey | undefined,
): SourceAccess {
  if (source === target) return {};
  const where = `${named.field}: source Index ${JSON.stringify(sourceIndex)} lives on ${describeStore(source)} and the target on ${describeStore(target)}`;
  if (source.provider !== target.provider) {
    throw invalid(
      `${where}: a copy runs inside one kind of store, so both Indexes must be on turbopuffer stores or on the same local store`,
    );
  }
  if (source.provider === 'local') {
    if (source.localPath === target.localPath) return {};
    throw invalid(`${where}: local stores with different data directories cannot copy between each other`);
  }
  const sourceTp = source.resource.spec.turbopuffer;
  const targetTp = target.resource.spec.turbopuffer;
  if (sourceTp === undefined || targetTp === undefined) {
    throw new HevError('HEV_INTERNAL', `${where}: a turbopuffer VectorStore without spec.turbopuffer`);
  }
  const access: { source_api_key?: string; source_region?: string } = {};
  if (
    sourceTp.apiKeyEnv !== targetTp.apiKeyEnv ||
    JSON.stringify(sourceTp.apiKeySecretRef) !== JSON.stringify(targetTp.apiKeySecretRef)
  ) {
    access.source_api_key = apiKeyOf(source, storeApiKey, where);
  }
  if (resolveBaseURL(sourceTp).origin !== resolveBaseURL(targetTp).origin) {
    if (sourceTp.region === undefined) {
      throw invalid(
        `${where}, on another upstream addressed by baseURL without a region: turbopuffer copies across upstreams by region id only`,
      );
    }
    access.source_region = sourceTp.region;
  }
  return access;
}

function apiKeyOf(store: StoreEntry, storeApiKey: StoreApiKey | undefined, where: string): string {
  if (storeApiKey === undefined) {
    throw new HevError('HEV_INDEX_NOT_READY', `${where}: this gateway holds no credentials for it`);
  }
  try {
    return storeApiKey(store);
  } catch (err) {
    // The message names the variable or Secret, never a value (main/secrets.ts).
    throw new HevError(
      'HEV_INDEX_NOT_READY',
      `${where}: its API key cannot be read: ${(err as Error).message}`,
    );
  }
}
