/**
 * The lease port on a coordination.k8s.io/v1 Lease: the holder is spec.holderIdentity, it holds
 * while renewTime + leaseDurationSeconds is in the future. Taking or renewing is a replace carrying
 * the resourceVersion that was read, so two replicas racing for an expired lease cannot both win
 * (the loser gets 409 and reads "not held"). Times are MicroTime (six fractional digits): a plain
 * Date is refused by a real API server.
 */
import {
  ApiException,
  CoordinationV1Api,
  V1MicroTime,
  type KubeConfig,
  type V1Lease,
} from '@kubernetes/client-node';
import type { LeaseStore } from './port.ts';

export interface KubernetesLeaseStoreOptions {
  readonly kubeConfig: KubeConfig;
  /** Where the Lease objects live (the operator's namespace). */
  readonly namespace: string;
  readonly now?: () => number;
}

const codeOf = (err: unknown): number | undefined =>
  err instanceof ApiException ? (err.code as number) : undefined;

export function leaseObjectName(name: string): string {
  return `hevlayer-${name}`
    .toLowerCase()
    .replace(/[^a-z0-9.-]/g, '-')
    .slice(0, 253);
}

export function createKubernetesLeaseStore(options: KubernetesLeaseStoreOptions): LeaseStore {
  const api = options.kubeConfig.makeApiClient(CoordinationV1Api);
  const namespace = options.namespace;
  const now = options.now ?? Date.now;

  const read = async (name: string): Promise<V1Lease | undefined> => {
    try {
      return await api.readNamespacedLease({ name, namespace });
    } catch (err) {
      if (codeOf(err) === 404) return undefined;
      throw err;
    }
  };

  /** Writes; a 409 (someone else wrote first) is "not held". */
  const attempt = async (write: () => Promise<unknown>): Promise<boolean> => {
    try {
      await write();
      return true;
    } catch (err) {
      if (codeOf(err) === 409) return false;
      throw err;
    }
  };

  return {
    async acquire(leaseName, holder, ttlMs) {
      const name = leaseObjectName(leaseName);
      const at = new V1MicroTime(now());
      const leaseDurationSeconds = Math.max(1, Math.ceil(ttlMs / 1000));
      const current = await read(name);
      if (current === undefined) {
        return attempt(() =>
          api.createNamespacedLease({
            namespace,
            body: {
              metadata: { name, namespace },
              spec: {
                holderIdentity: holder,
                leaseDurationSeconds,
                acquireTime: at,
                renewTime: at,
                leaseTransitions: 0,
              },
            },
          }),
        );
      }
      const spec = current.spec ?? {};
      const renewed = spec.renewTime === undefined ? 0 : new Date(spec.renewTime).getTime();
      const expired = renewed + (spec.leaseDurationSeconds ?? 0) * 1000 <= now();
      const mine = spec.holderIdentity === holder;
      if (!mine && !expired && spec.holderIdentity !== undefined && spec.holderIdentity !== '') return false;
      const body: V1Lease = {
        ...current,
        spec: {
          ...spec,
          holderIdentity: holder,
          leaseDurationSeconds,
          renewTime: at,
          ...(mine ? {} : { acquireTime: at, leaseTransitions: (spec.leaseTransitions ?? 0) + 1 }),
        },
      };
      return attempt(() => api.replaceNamespacedLease({ name, namespace, body }));
    },

    async release(leaseName, holder) {
      const name = leaseObjectName(leaseName);
      const current = await read(name);
      if (current?.spec?.holderIdentity !== holder) return;
      const { holderIdentity: _released, ...spec } = current.spec;
      await attempt(() =>
        api.replaceNamespacedLease({
          name,
          namespace,
          body: { ...current, spec: { ...spec, leaseDurationSeconds: 1 } },
        }),
      );
    },

    async close() {
      // Nothing open: every call is one request.
    },
  };
}
