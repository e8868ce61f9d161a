/**
 * Leader election over the Kubernetes Lease adapter against the test API server: one of two
 * electors leads, the other takes over when the first closes (it releases the lease), and a
 * holder whose lease another replica took stops leading. Lease times go out as MicroTime (the
 * test API server refuses anything else, like a real one).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadKubeConfig } from '../config/kubernetes/kube-config.ts';
import { createKubernetesLeaseStore } from '../leases/kubernetes.ts';
import { silentLogger } from '../telemetry/logger.ts';
import { startKubeApiServer, type KubeApiServer } from '../../test/helpers/kube-api-server.ts';
import { eventually } from '../../test/helpers/kube-fixtures.ts';
import { LeaderElector } from './leader.ts';

let api: KubeApiServer;
const electors: LeaderElector[] = [];

beforeEach(async () => {
  api = await startKubeApiServer();
});

afterEach(async () => {
  await Promise.all(electors.splice(0).map((e) => e.close()));
  await api.close();
});

function elector(identity: string, log: string[]): LeaderElector {
  const leases = createKubernetesLeaseStore({
    kubeConfig: loadKubeConfig({ text: api.kubeconfig() }),
    namespace: 'layer',
  });
  const e = new LeaderElector({
    leases,
    lease: 'operator',
    identity,
    ttlMs: 600,
    logger: silentLogger(),
    onStartedLeading: () => void log.push(`${identity} leads`),
    onStoppedLeading: () => void log.push(`${identity} stops`),
  });
  electors.push(e);
  return e;
}

describe('LeaderElector on a coordination.k8s.io/v1 Lease', () => {
  it('elects exactly one of two replicas, and the other takes over when the leader closes', async () => {
    const log: string[] = [];
    const a = elector('a', log);
    a.start();
    await eventually(() => (a.leading ? true : undefined));
    const b = elector('b', log);
    b.start();
    await new Promise((r) => setTimeout(r, 700));
    expect(b.leading).toBe(false);
    await a.close();
    await eventually(() => (b.leading ? true : undefined));
    expect(log).toEqual(['a leads', 'a stops', 'b leads']);
    const lease = await api.kube(
      'GET',
      '/apis/coordination.k8s.io/v1/namespaces/layer/leases/hevlayer-operator',
    );
    expect(lease.body.spec?.holderIdentity).toBe('b');
    expect(lease.body.spec?.leaseTransitions).toBe(1);
    expect(lease.body.spec?.renewTime).toMatch(/\.\d{6}Z$/);
  });

  it('stops leading when another holder took the lease', async () => {
    const log: string[] = [];
    const a = elector('a', log);
    a.start();
    await eventually(() => (a.leading ? true : undefined));
    const path = '/apis/coordination.k8s.io/v1/namespaces/layer/leases/hevlayer-operator';
    const lease = await api.kube('GET', path);
    const renewTime = new Date(Date.now() + 60_000).toISOString().replace('Z', '000Z');
    await api.kube('PUT', path, {
      ...lease.body,
      spec: { ...lease.body.spec, holderIdentity: 'intruder', renewTime },
    });
    await eventually(() => (a.leading ? undefined : true));
    expect(log).toEqual(['a leads', 'a stops']);
  });
});
