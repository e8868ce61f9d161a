/**
 * The fan-out rule (the seed's "scan.threads"; PRODUCT.md): how many upstream calls one
 * scatter/gather of an Index may have in flight. Every scatter/gather of the gateway — scans, cache
 * warming, sharded queries — uses this one function.
 *
 *   effective = max(1, min(request threads ?? Index spec.scan.threads,
 *                          GatewayConfig spec.scan.maxThreads, active shard count))
 *
 * Active shards are the Index's upstream namespaces that exist upstream (a shard never written is
 * skipped); a caller that has not looked yet (a sharded query) passes the declared shard count.
 */
import { invalid } from '../wire/errors.ts';
import type { IndexEntry, RegistrySnapshot } from './types.ts';

export interface FanOutInputs {
  /** The request's `threads`, already validated (requestedThreads); undefined when not given. */
  readonly requested?: number | undefined;
  /** The Index's spec.scan.threads (default 8). */
  readonly indexThreads: number;
  /** The GatewayConfig's spec.scan.maxThreads (the server cap). */
  readonly serverCap: number;
  /** Shards that exist upstream (0 when none does). */
  readonly activeShards: number;
}

/** The rule itself: pure, table-tested (fan-out.test.ts). */
export function fanOut(inputs: FanOutInputs): number {
  const wanted = inputs.requested ?? inputs.indexThreads;
  return Math.max(1, Math.min(wanted, inputs.serverCap, inputs.activeShards));
}

/**
 * A request's `threads`: undefined when absent; a positive integer; anything else (0, negative, a
 * fraction, a string, null) is a 400 naming the value.
 */
export function requestedThreads(value: unknown, field = 'threads'): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw invalid(`${field} must be an integer >= 1, got ${JSON.stringify(value) ?? String(value)}`);
  }
  return value;
}

/** The rule for one Index of a registry snapshot; `activeShards` defaults to every declared shard. */
export function effectiveFanOut(
  entry: IndexEntry,
  snapshot: RegistrySnapshot,
  requested?: number,
  activeShards = entry.upstreamNamespaces.length,
): number {
  return fanOut({
    requested,
    indexThreads: entry.policy.scanThreads,
    serverCap: snapshot.gateway.spec.scan.maxThreads,
    activeShards,
  });
}
