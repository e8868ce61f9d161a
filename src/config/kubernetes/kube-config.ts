/**
 * How the operator finds its cluster: an explicit kubeconfig (file or text, for tests), else
 * KUBECONFIG / ~/.kube/config, else the in-cluster service account. A plain-http server URL (a
 * local proxy, the test API server) needs skipTLSVerify, or client-node 1.4 refuses it.
 */
import { KubeConfig } from '@kubernetes/client-node';

export interface KubeConfigSource {
  /** A kubeconfig file path. */
  readonly file?: string;
  /** A kubeconfig's text. */
  readonly text?: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
}

export function loadKubeConfig(source: KubeConfigSource = {}): KubeConfig {
  const kc = new KubeConfig();
  const env = source.env ?? process.env;
  if (source.text !== undefined) kc.loadFromString(source.text);
  else if (source.file !== undefined) kc.loadFromFile(source.file);
  else if (env.KUBERNETES_SERVICE_HOST !== undefined && env.KUBECONFIG === undefined) kc.loadFromCluster();
  else kc.loadFromDefault();
  const cluster = kc.getCurrentCluster();
  if (cluster === null)
    throw new Error('no Kubernetes cluster configured: set KUBECONFIG or run in a cluster');
  return kc;
}

/** The namespace of the current context (kubeconfig) or of the pod (in cluster); `default` otherwise. */
export function currentNamespace(kc: KubeConfig): string {
  const context = kc.getContextObject(kc.getCurrentContext());
  return context?.namespace ?? 'default';
}
