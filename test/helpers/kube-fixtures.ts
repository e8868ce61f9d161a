/**
 * Custom resources and Secrets as a user would `kubectl apply` them to the test API server.
 */
import type { KubeApiServer } from './kube-api-server.ts';
import { until } from './until.ts';

const API = 'hevlayer.com/v1';

export function kubeLocalStore(
  name: string,
  namespace: string,
  path: string,
  extra: Record<string, unknown> = {},
) {
  return {
    apiVersion: API,
    kind: 'VectorStore',
    metadata: { name, namespace },
    spec: { provider: 'local', default: true, local: { path }, ...extra },
  };
}

export function kubeIndex(
  name: string,
  namespace: string,
  spec: Record<string, unknown> = {},
  labels?: Record<string, string>,
) {
  return {
    apiVersion: API,
    kind: 'Index',
    metadata: { name, namespace, ...(labels === undefined ? {} : { labels }) },
    spec,
  };
}

export function kubeSecret(name: string, namespace: string, data: Record<string, string>) {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace },
    data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
  };
}

const PLURALS: Record<string, string> = {
  Index: 'indexes',
  VectorStore: 'vectorstores',
  GatewayConfig: 'gatewayconfigs',
  Secret: 'secrets',
};

/** The collection path of an object's kind in its namespace. */
export function collectionPath(kind: string, namespace: string): string {
  const plural = PLURALS[kind];
  if (plural === undefined) throw new Error(`unknown kind ${kind}`);
  return kind === 'Secret'
    ? `/api/v1/namespaces/${namespace}/secrets`
    : `/apis/${API}/namespaces/${namespace}/${plural}`;
}

/** `kubectl create -f` for each object; throws on an unexpected status. */
export async function apply(
  api: KubeApiServer,
  ...objects: {
    kind: string;
    metadata: { namespace: string; [field: string]: unknown };
    [field: string]: unknown;
  }[]
) {
  for (const object of objects) {
    const res = await api.kube('POST', collectionPath(object.kind, object.metadata.namespace), object);
    if (res.status !== 201)
      throw new Error(`create ${object.kind}: ${res.status} ${JSON.stringify(res.body)}`);
  }
}

/** `kubectl patch --type merge`. */
export async function mergePatch(
  api: KubeApiServer,
  kind: string,
  namespace: string,
  name: string,
  patch: unknown,
) {
  const res = await api.kube(
    'PATCH',
    `${collectionPath(kind, namespace)}/${name}`,
    patch,
    'application/merge-patch+json',
  );
  if (res.status !== 200) throw new Error(`patch ${kind}/${name}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

export async function remove(api: KubeApiServer, kind: string, namespace: string, name: string) {
  const res = await api.kube('DELETE', `${collectionPath(kind, namespace)}/${name}`);
  if (res.status !== 200) throw new Error(`delete ${kind}/${name}: ${res.status}`);
}

/** Polls every 20 ms until `check` returns a value (not undefined), or fails after `timeoutMs`. */
export function eventually<T>(
  check: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 5000,
): Promise<T> {
  return until('the condition', check, timeoutMs, 20);
}
