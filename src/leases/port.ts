/**
 * The lease port: at most one holder of a named lease at a time among replicas (one snapshot
 * writer per Index, one reconciler). Adapters: a file lock on one machine, Redis, Aerospike, and a
 * Kubernetes coordination.k8s.io/v1 Lease in operator mode. A holder that cannot renew must treat
 * the lease as lost before its TTL runs out, so it stops before another replica can start.
 */

export interface LeaseStore {
  /** Takes `name` for `holder`, or renews it when `holder` already has it; true when held for `ttlMs` from now. */
  acquire(name: string, holder: string, ttlMs: number): Promise<boolean>;
  /** Gives `name` up when `holder` has it; a no-op otherwise. */
  release(name: string, holder: string): Promise<void>;
  close(): Promise<void>;
}
