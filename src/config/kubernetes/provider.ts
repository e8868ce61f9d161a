/**
 * The Kubernetes config provider: informers on Index, VectorStore, GatewayConfig and Secret in one
 * namespace (or all), feeding the same registry as the file provider. Every change rebuilds the
 * registry from the informer caches (debounced); objects are validated one at a time, so an
 * invalid Index or VectorStore is left out (and reported by the reconciler) while the rest keep
 * serving. An invalid GatewayConfig rejects the change: the last good snapshot keeps serving.
 * Only a change to what the registry is built from publishes: the operator's own status writes,
 * and Secrets nobody references, change nothing. A referenced Secret's new value publishes a new
 * snapshot, which reopens the store (its identity includes the key's digest) and swaps the client
 * keys: rotation is live.
 */
import { CoreV1Api, CustomObjectsApi, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { buildRegistry } from '../../registry/build.ts';
import type { RegistryHolder } from '../../registry/holder.ts';
import { GROUP, VERSION } from '../../resources/meta.ts';
import type { ConfigProblem } from '../../resources/problems.ts';
import type { ConfigProvider, SecretRef, SecretSource } from '../provider.ts';
import { createResilientInformer, type ResilientInformer } from './informer.ts';
import {
  fingerprint,
  manifestOf,
  validateObject,
  type KubeObject,
  type ObjectValidation,
} from './objects.ts';
import { createKubernetesSecretSource, type SecretObject } from './secrets.ts';

export interface KubernetesConfigProviderOptions {
  readonly kubeConfig: KubeConfig;
  /** Watch one namespace; undefined watches all of them. */
  readonly namespace?: string;
  readonly holder: RegistryHolder;
  readonly dataDir: string;
  readonly logger: Logger;
  /** The GatewayConfig to use when several are in scope (default: the first by namespace/name). */
  readonly gatewayConfigName?: string;
  readonly debounceMs?: number;
  readonly clock?: () => Date;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly backoff?: { readonly initialMs: number; readonly maxMs: number };
  readonly onReload?: (result: 'published' | 'rejected' | 'unchanged', generation: number) => void;
}

const KINDS = [
  { kind: 'GatewayConfig', plural: 'gatewayconfigs' },
  { kind: 'VectorStore', plural: 'vectorstores' },
  { kind: 'Index', plural: 'indexes' },
] as const;

type Kind = (typeof KINDS)[number]['kind'];

export class KubernetesConfigProvider implements ConfigProvider {
  readonly secrets: SecretSource;
  readonly #options: KubernetesConfigProviderOptions;
  readonly #informers = new Map<Kind | 'Secret', ResilientInformer<KubernetesObject>>();
  readonly #listeners = new Set<() => void>();
  #indexes: readonly ObjectValidation[] = [];
  #fingerprint: string | undefined;
  #timer: NodeJS.Timeout | undefined;
  #gatewayNamespace: string;
  #closed = false;

  constructor(options: KubernetesConfigProviderOptions) {
    this.#options = options;
    this.#gatewayNamespace = options.namespace ?? 'default';
    this.secrets = createKubernetesSecretSource(
      () => this.#list('Secret') as SecretObject[],
      () => this.#gatewayNamespace,
      options.env,
    );
    const custom = options.kubeConfig.makeApiClient(CustomObjectsApi);
    const core = options.kubeConfig.makeApiClient(CoreV1Api);
    const ns = options.namespace;
    for (const { kind, plural } of KINDS) {
      this.#informers.set(
        kind,
        this.#informer(
          kind,
          ns === undefined
            ? `/apis/${GROUP}/${VERSION}/${plural}`
            : `/apis/${GROUP}/${VERSION}/namespaces/${ns}/${plural}`,
          () =>
            ns === undefined
              ? custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural })
              : custom.listNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: ns, plural }),
        ),
      );
    }
    this.#informers.set(
      'Secret',
      this.#informer(
        'Secret',
        ns === undefined ? '/api/v1/secrets' : `/api/v1/namespaces/${ns}/secrets`,
        () =>
          ns === undefined ? core.listSecretForAllNamespaces() : core.listNamespacedSecret({ namespace: ns }),
      ),
    );
  }

  get location(): string {
    return this.#options.namespace === undefined ? 'all namespaces' : `namespace ${this.#options.namespace}`;
  }

  /** Lists every watched kind, then publishes the first snapshot. */
  async start(): Promise<void> {
    await Promise.all([...this.#informers.values()].map((informer) => informer.start()));
    if (this.#closed) return;
    this.#rebuild();
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    await Promise.all([...this.#informers.values()].map((informer) => informer.stop()));
  }

  /** Every Index in scope with its validation (invalid ones included), as of the last rebuild. */
  indexes(): readonly ObjectValidation[] {
    return this.#indexes;
  }

  /** Called after every rebuild (an Index, VectorStore, GatewayConfig or Secret changed). */
  subscribe(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Watch restarts after errors, per kind (for tests and metrics). */
  restarts(): Record<string, number> {
    return Object.fromEntries([...this.#informers].map(([kind, informer]) => [kind, informer.restarts]));
  }

  #informer(name: string, path: string, list: () => Promise<unknown>): ResilientInformer<KubernetesObject> {
    return createResilientInformer({
      kubeConfig: this.#options.kubeConfig,
      path,
      list: list as () => Promise<{ items: KubernetesObject[] }>,
      onChange: () => this.#schedule(),
      logger: this.#options.logger,
      name,
      ...(this.#options.backoff === undefined ? {} : { backoff: this.#options.backoff }),
    });
  }

  #list(kind: Kind | 'Secret'): KubeObject[] {
    const objects = (this.#informers.get(kind)?.list() ?? []) as KubeObject[];
    const key = (o: KubeObject) => `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;
    return [...objects].sort((a, b) => key(a).localeCompare(key(b)));
  }

  #schedule(): void {
    if (this.#closed || this.#timer !== undefined) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      try {
        this.#rebuild();
      } catch (err) {
        this.#options.logger.error({ err }, 'registry rebuild failed');
      }
    }, this.#options.debounceMs ?? 50);
  }

  #selectGateway(): KubeObject | undefined {
    const all = this.#list('GatewayConfig');
    const wanted = this.#options.gatewayConfigName;
    return wanted === undefined ? all[0] : all.find((g) => g.metadata?.name === wanted);
  }

  #rebuild(): void {
    const { holder, logger } = this.#options;
    const gateway = this.#selectGateway();
    this.#gatewayNamespace = gateway?.metadata?.namespace ?? this.#options.namespace ?? 'default';
    const gatewayCheck = gateway === undefined ? undefined : validateObject('GatewayConfig', gateway);
    const stores = this.#list('VectorStore').map((o) => validateObject('VectorStore', o));
    this.#indexes = this.#list('Index').map((o) => validateObject('Index', o));
    const checked = [...(gatewayCheck === undefined ? [] : [gatewayCheck]), ...stores, ...this.#indexes];
    const now = (this.#options.clock?.() ?? new Date()).toISOString();
    try {
      if (gatewayCheck !== undefined && gatewayCheck.resource === undefined) {
        holder.reject(gatewayCheck.problems, now);
        logger.error({ problems: gatewayCheck.problems.map((p) => p.message) }, 'GatewayConfig rejected');
        this.#options.onReload?.('rejected', holder.current().generation);
        return;
      }
      const valid = checked.flatMap((c) => (c.resource === undefined ? [] : [c.resource]));
      const print = fingerprint(
        checked.map((c) => (c.resource === undefined ? c.key : manifestOf(c.key, c.object))),
        this.#referencedSecretValues(checked),
      );
      if (print === this.#fingerprint) {
        this.#options.onReload?.('unchanged', holder.current().generation);
        return;
      }
      this.#fingerprint = print;
      const previous = holder.current();
      const snapshot = buildRegistry({
        resources: valid,
        warnings: checked.flatMap((c) => (c.resource === undefined ? notServed(c.problems) : [])),
        generation: previous.generation + 1,
        loadedAt: now,
        dataDir: this.#options.dataDir,
        previous,
      });
      holder.publish(snapshot);
      logger.info(
        {
          generation: snapshot.generation,
          indexes: snapshot.allIndexes.length,
          stores: snapshot.stores.size,
          invalid: checked.filter((c) => c.resource === undefined).map((c) => c.key),
        },
        'config loaded from Kubernetes',
      );
      this.#options.onReload?.('published', snapshot.generation);
    } finally {
      for (const listener of this.#listeners) listener();
    }
  }

  /** Values of the Secrets the valid objects reference (a missing one counts as empty). */
  #referencedSecretValues(checked: readonly ObjectValidation[]): string[] {
    const refs: SecretRef[] = [];
    for (const { resource } of checked) {
      const r = resource?.resource;
      const ns = r?.metadata.namespace ?? 'default';
      if (r?.kind === 'VectorStore' && r.spec.turbopuffer?.apiKeySecretRef !== undefined) {
        refs.push({ ...r.spec.turbopuffer.apiKeySecretRef, namespace: ns });
      }
      if (r?.kind === 'GatewayConfig') {
        for (const key of r.spec.auth.apiKeys)
          if (key.secretRef !== undefined) refs.push({ ...key.secretRef, namespace: ns });
      }
    }
    return refs.map((ref) => {
      try {
        return `${ref.namespace ?? ''}/${ref.name}/${ref.key}=${this.secrets.fromSecretRef(ref)}`;
      } catch {
        return `${ref.namespace ?? ''}/${ref.name}/${ref.key} missing`;
      }
    });
  }
}

function notServed(problems: readonly ConfigProblem[]): ConfigProblem[] {
  return problems
    .filter((p) => p.severity === 'error')
    .map((p) => ({ ...p, severity: 'warning' as const, message: `not served: ${p.message}` }));
}
