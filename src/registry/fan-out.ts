/**
 * The fan-out rule (PRODUCT.md "scan.threads"): how many upstream calls one scatter/gather of an
 * Index may have in flight. Every scatter/gather of the gateway uses this one function.
 */
import type { IndexEntry, RegistrySnapshot } from './types.ts';

/** min(requested ?? Index scan.threads, GatewayConfig scan.maxThreads, shard count), at least 1. */
export function effectiveFanOut(entry: IndexEntry, snapshot: RegistrySnapshot, requested?: number): number {
  const cap = snapshot.gateway.spec.scan.maxThreads;
  const wanted = requested ?? entry.policy.scanThreads;
  return Math.max(1, Math.min(wanted, cap, entry.upstreamNamespaces.length));
}
