/**
 * Composition root of `hevlayer operator`: the gateway (the same data plane as `serve`) with the
 * Kubernetes config provider, plus the leader-only control plane. Every replica serves traffic
 * from the CRs it watches; the replica holding the `operator` Lease also runs the reconciler
 * (the reconciler's part of every Index status) and the status bridge (the gateway's part:
 * cache, snapshot). docs/adr/operator.md explains the shape.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { currentNamespace, loadKubeConfig, type KubeConfigSource } from '../config/kubernetes/kube-config.ts';
import { KubernetesConfigProvider } from '../config/kubernetes/provider.ts';
import { createKubernetesLeaseStore } from '../leases/kubernetes.ts';
import type { LeaseStore } from '../leases/port.ts';
import { createBridge } from '../operator/bridge.ts';
import { LeaderElector } from '../operator/leader.ts';
import { createReconciler } from '../operator/reconciler.ts';
import { kubeIndexStatusApi, type WriteOutcome } from '../operator/status-writer.ts';
import { observeUpstream } from '../operator/upstream-facts.ts';
import { createLogger } from '../telemetry/logger.ts';
import { startServe, type GatewayParts, type RunningGateway, type ServeOptions } from './serve.ts';
import type { Service } from './services.ts';

export interface OperatorOptions extends Omit<ServeOptions, 'configDir' | 'provider' | 'extraServices'> {
  /** Watch one namespace; undefined watches all. */
  readonly namespace?: string;
  readonly kubeConfig?: KubeConfigSource;
  /** The Lease's namespace (default: the watched namespace, else the kubeconfig's / pod's). */
  readonly leaseNamespace?: string;
  /** Default: the pod name (HOSTNAME) plus a random suffix. */
  readonly identity?: string;
  readonly leaseTtlMs?: number;
  readonly resyncMs?: number;
  readonly bridgeIntervalMs?: number;
  readonly gatewayConfigName?: string;
  /** Observes every status write attempt (metrics, tests). */
  readonly onStatusWrite?: (
    writer: 'reconciler' | 'bridge',
    outcome: WriteOutcome | 'conflict' | 'failed',
  ) => void;
}

export const OPERATOR_LEASE = 'operator';

export async function startOperator(options: OperatorOptions): Promise<RunningGateway> {
  const kc = loadKubeConfig({
    ...options.kubeConfig,
    ...(options.env === undefined ? {} : { env: options.env }),
  });
  const logger = options.logger ?? createLogger();
  let provider: KubernetesConfigProvider | undefined;
  const location = options.namespace === undefined ? 'all namespaces' : `namespace ${options.namespace}`;
  const leaseNamespace =
    options.leaseNamespace ?? options.namespace ?? options.env?.POD_NAMESPACE ?? currentNamespace(kc);
  const leases = createKubernetesLeaseStore({ kubeConfig: kc, namespace: leaseNamespace });
  const identity = options.identity ?? `${hostname()}-${randomBytes(3).toString('hex')}`;

  return startServe({
    ...options,
    logger,
    leases,
    provider: {
      source: 'kubernetes',
      location,
      create: ({ holder, dataDir, logger: log, metrics }) => {
        provider = new KubernetesConfigProvider({
          kubeConfig: kc,
          ...(options.namespace === undefined ? {} : { namespace: options.namespace }),
          holder,
          dataDir,
          logger: log,
          ...(options.gatewayConfigName === undefined
            ? {}
            : { gatewayConfigName: options.gatewayConfigName }),
          ...(options.env === undefined ? {} : { env: options.env }),
          onReload: (result, generation) => {
            metrics.configReloads.inc({ result });
            if (result === 'published') metrics.configGeneration.set(generation);
          },
        });
        return provider;
      },
    },
    extraServices: (parts) => {
      if (provider === undefined) throw new Error('the Kubernetes provider did not start');
      return [controlPlane(parts, provider, leases, identity, kc, options)];
    },
  });
}

/** The leader-only work as one service: elect, then run the reconciler and the bridge while leading. */
function controlPlane(
  parts: GatewayParts,
  provider: KubernetesConfigProvider,
  leases: LeaseStore,
  identity: string,
  kc: ReturnType<typeof loadKubeConfig>,
  options: OperatorOptions,
): Service {
  const api = kubeIndexStatusApi(kc);
  const indexes = () => provider.indexes();
  const loops = () => [
    createReconciler({
      indexes,
      registry: parts.registry,
      api,
      logger: parts.logger,
      observeUpstream: (entry) =>
        entry.store === undefined
          ? Promise.resolve({ reachable: false, message: 'no store' })
          : observeUpstream(entry, parts.stores.get(entry.store).dispatch),
      ...(options.resyncMs === undefined ? {} : { resyncMs: options.resyncMs }),
      onWrite: (outcome) => options.onStatusWrite?.('reconciler', outcome),
    }),
    createBridge({
      indexes,
      registry: parts.registry,
      api,
      logger: parts.logger,
      indexStatus: parts.indexStatus,
      ...(options.bridgeIntervalMs === undefined ? {} : { intervalMs: options.bridgeIntervalMs }),
      onWrite: (outcome) => options.onStatusWrite?.('bridge', outcome),
    }),
  ];
  let running: ReturnType<typeof loops> = [];
  const unsubscribe: (() => void)[] = [];
  const elector = new LeaderElector({
    leases,
    lease: OPERATOR_LEASE,
    identity,
    ttlMs: options.leaseTtlMs ?? 15_000,
    logger: parts.logger,
    onStartedLeading: () => {
      running = loops();
      for (const loop of running) loop.start();
      const triggerAll = () => {
        for (const loop of running) void loop.trigger();
      };
      unsubscribe.push(provider.subscribe(triggerAll), parts.registry.subscribe(triggerAll));
    },
    onStoppedLeading: async () => {
      for (const off of unsubscribe.splice(0)) off();
      await Promise.all(running.splice(0).map((loop) => loop.close()));
    },
  });
  return {
    name: 'control plane',
    start: async () => {
      parts.logger.info({ identity, lease: OPERATOR_LEASE }, 'leader election started');
      elector.start();
    },
    close: () => elector.close(),
  };
}
