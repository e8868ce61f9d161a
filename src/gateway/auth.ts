/**
 * Bearer-key authorization (GatewayConfig spec.auth.apiKeys). Pure: keys are resolved to their
 * values by main/ and only their SHA-256 digests are kept here, so a heap dump or a log of this
 * object holds no key. Lookup is by digest, which does not leak timing about the key itself.
 */
import { hash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { matchesSelector } from '../registry/labels.ts';
import { HevError } from '../wire/errors.ts';

export interface ApiKeyGrantInput {
  readonly name: string;
  /** The key value (from an env var or a Secret); hashed immediately. */
  readonly key: string;
  /** Label selector over Index labels; absent or empty = every Index. */
  readonly matchLabels?: Readonly<Record<string, string>>;
}

export interface Principal {
  /** The grant's name (safe to log); `anonymous` when auth is off. */
  readonly name: string;
  readonly matchLabels: Readonly<Record<string, string>>;
}

export interface Authorizer {
  /** False when no keys are configured: the gateway is open (dev mode). */
  readonly enabled: boolean;
  /** Throws 401 for a missing or unknown key. */
  authenticate(apiKey: string | undefined): Principal;
  /** True when the principal may use an Index with these labels. */
  allows(principal: Principal, indexLabels: Readonly<Record<string, string>>): boolean;
  /** Throws 403 (naming the key and the Index, never the key value) when not allowed. */
  authorize(principal: Principal, indexName: string, indexLabels: Readonly<Record<string, string>>): void;
}

const ANONYMOUS: Principal = { name: 'anonymous', matchLabels: {} };

/**
 * The one 403 rule: a principal may use an Index whose labels match its selector. Throws (naming
 * the grant and the Index, never a key value); `index` labels the failure for metrics and logs.
 */
export function authorizeIndex(
  principal: Principal | undefined,
  indexName: string,
  labels: Readonly<Record<string, string>>,
): void {
  if (principal === undefined || matchesSelector(labels, principal.matchLabels)) return;
  throw new HevError(
    'HEV_FORBIDDEN',
    `API key "${principal.name}" may not access Index "${indexName}" (its indexSelector does not match the Index labels)`,
    { index: indexName },
  );
}

function digest(key: string): string {
  return hash('sha256', key, 'hex');
}

export function createAuthorizer(grants: readonly ApiKeyGrantInput[]): Authorizer {
  const byDigest = new Map<string, Principal>();
  for (const grant of grants) {
    byDigest.set(digest(grant.key), { name: grant.name, matchLabels: { ...grant.matchLabels } });
  }
  const enabled = byDigest.size > 0;
  const allows = (principal: Principal, labels: Readonly<Record<string, string>>): boolean =>
    matchesSelector(labels, principal.matchLabels);
  return {
    enabled,
    authenticate(apiKey) {
      if (!enabled) return ANONYMOUS;
      if (apiKey === undefined || apiKey === '') {
        throw new HevError('HEV_UNAUTHENTICATED', 'missing API key: send "Authorization: Bearer <key>"');
      }
      const principal = byDigest.get(digest(apiKey));
      if (principal === undefined) throw new HevError('HEV_UNAUTHENTICATED', 'unknown API key');
      return principal;
    },
    allows,
    authorize: authorizeIndex,
  };
}

/** The key of an `Authorization: Bearer <key>` header, or undefined when there is none or it is malformed. */
export function bearerToken(headers: IncomingHttpHeaders): string | undefined {
  const header = headers.authorization;
  if (typeof header !== 'string') return undefined;
  const value = header.trim();
  if (value.length < 8 || value.slice(0, 7).toLowerCase() !== 'bearer ') return undefined;
  const token = value.slice(7).trim();
  return token === '' || /\s/.test(token) ? undefined : token;
}
