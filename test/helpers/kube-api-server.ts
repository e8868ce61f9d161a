/**
 * A Kubernetes API server at the HTTP boundary, for tests without a cluster (no kube-apiserver can
 * be installed here). It serves the resources hevlayer uses (kube-api-store.ts: Index, VectorStore,
 * GatewayConfig, Secret, Lease) with list and watch (resourceVersion, bookmarks, 410 Expired after
 * compaction), get, create, update, merge patch and delete, the status subresource with generation
 * semantics, 409 on a stale resourceVersion, and RBAC: requests with the operator's token are
 * checked against the Role rules loaded from deploy/ (kube-rbac.ts) and refused with 403 otherwise.
 * Tests act as a cluster admin with ADMIN_TOKEN, read the request log (verbs the operator used,
 * writes per resource), drop watches mid-stream and inject failures before a request is handled.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { stringify } from 'yaml';
import {
  ApiError,
  KubeObjectStore,
  RESOURCE_TYPES,
  type KubeObject,
  type ResourceType,
} from './kube-api-store.ts';
import { allows, type Grant } from './kube-rbac.ts';

export const ADMIN_TOKEN = 'test-admin-token';
export const OPERATOR_TOKEN = 'test-operator-token';

export interface ApiRequest {
  readonly user: 'admin' | 'operator' | 'anonymous';
  readonly verb: string;
  readonly group: string;
  /** `indexes` or `indexes/status`. */
  readonly resource: string;
  readonly namespace?: string;
  readonly name?: string;
  /** Set once answered. */
  code?: number;
}

/** Runs before a request is handled; may change the store or answer instead (return an ApiError). */
export type RequestHook = (request: ApiRequest, store: KubeObjectStore) => ApiError | undefined;

/** A JSON answer of the server: an object whose fields tests read (Status objects included). */
export type KubeJson = Record<string, unknown> & {
  readonly spec?: Record<string, unknown>;
  readonly status?: unknown;
};

export interface KubeApiServerOptions {
  /** The operator's RBAC (from deploy/); absent = the operator may do anything. */
  readonly grants?: readonly Grant[];
}

export interface KubeApiServer {
  readonly url: string;
  readonly store: KubeObjectStore;
  /** Every request so far, in order. */
  readonly requests: readonly ApiRequest[];
  /** A kubeconfig (YAML) for this server, authenticating with `token`. */
  kubeconfig(token?: string, namespace?: string): string;
  /** Acts as `kubectl` would (admin; no RBAC). */
  kube(
    method: string,
    path: string,
    body?: unknown,
    contentType?: string,
  ): Promise<{ status: number; body: KubeJson }>;
  onRequest(hook: RequestHook): () => void;
  /** Resets every open watch connection mid-stream (like a dropped TCP connection). */
  dropWatches(): number;
  /** Number of watch streams open now. */
  openWatches(): number;
  /** Sends a BOOKMARK on every open watch that asked for bookmarks. */
  bookmark(): void;
  close(): Promise<void>;
}

interface Route {
  readonly type: ResourceType;
  readonly namespace?: string;
  readonly name?: string;
  readonly subresource?: string;
}

function parsePath(pathname: string): Route | undefined {
  const parts = pathname.split('/').filter((p) => p !== '');
  let group: string;
  let rest: string[];
  if (parts[0] === 'api' && parts[1] === 'v1') [group, rest] = ['', parts.slice(2)];
  else if (parts[0] === 'apis' && parts.length >= 3) [group, rest] = [parts[1] ?? '', parts.slice(3)];
  else return undefined;
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3) [namespace, rest] = [rest[1], rest.slice(2)];
  const type = RESOURCE_TYPES.find((t) => t.group === group && t.plural === rest[0]);
  if (type === undefined || rest.length > 3) return undefined;
  return {
    type,
    ...(namespace === undefined ? {} : { namespace }),
    ...(rest[1] === undefined ? {} : { name: rest[1] }),
    ...(rest[2] === undefined ? {} : { subresource: rest[2] }),
  };
}

function verbOf(method: string, route: Route, watch: boolean): string {
  if (method === 'GET') return route.name !== undefined ? 'get' : watch ? 'watch' : 'list';
  if (method === 'POST') return 'create';
  if (method === 'PUT') return 'update';
  if (method === 'PATCH') return 'patch';
  if (method === 'DELETE') return route.name !== undefined ? 'delete' : 'deletecollection';
  return method.toLowerCase();
}

function statusBody(err: ApiError): Record<string, unknown> {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: err.message,
    reason: err.reason,
    code: err.code,
  };
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiError(400, 'BadRequest', 'the request body is not JSON');
  }
}

/** Lease times are MicroTime: a real server refuses anything but six fractional digits. */
function checkMicroTimes(body: unknown): void {
  const spec = (body as { spec?: Record<string, unknown> }).spec ?? {};
  for (const field of ['acquireTime', 'renewTime']) {
    const value = spec[field];
    if (
      value !== undefined &&
      !(typeof value === 'string' && /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/.test(value))
    ) {
      throw new ApiError(
        400,
        'BadRequest',
        `spec.${field}: must be a MicroTime (six fractional digits), got ${JSON.stringify(value)}`,
      );
    }
  }
}

interface OpenWatch {
  readonly res: ServerResponse;
  readonly bookmarks: boolean;
  readonly type: ResourceType;
}

export async function startKubeApiServer(options: KubeApiServerOptions = {}): Promise<KubeApiServer> {
  const store = new KubeObjectStore();
  const requests: ApiRequest[] = [];
  const hooks = new Set<RequestHook>();
  const watches = new Set<OpenWatch>();

  const send = (res: ServerResponse, code: number, body: unknown) => {
    res.writeHead(code, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };

  const serveWatch = (req: IncomingMessage, res: ServerResponse, route: Route, url: URL) => {
    const from = url.searchParams.get('resourceVersion') ?? '';
    const watch: OpenWatch = {
      res,
      bookmarks: url.searchParams.get('allowWatchBookmarks') === 'true',
      type: route.type,
    };
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    res.flushHeaders();
    const line = (type: string, object: unknown) => res.write(`${JSON.stringify({ type, object })}\n`);
    if (from !== '' && from !== '0' && Number(from) < store.compactedAt - 1) {
      line(
        'ERROR',
        statusBody(new ApiError(410, 'Expired', `too old resource version: ${from} (${store.compactedAt})`)),
      );
      res.end();
      return;
    }
    const initial =
      from === '' || from === '0'
        ? store.list(route.type, route.namespace).map((object) => ({ type: 'ADDED', object }))
        : store.eventsSince(Number(from), route.type, route.namespace);
    for (const event of initial) line(event.type, event.object);
    const unsubscribe = store.subscribe((event) => {
      if (event.resource !== route.type) return;
      if (route.namespace !== undefined && event.object.metadata.namespace !== route.namespace) return;
      line(event.type, event.object);
    });
    watches.add(watch);
    if (watch.bookmarks) line('BOOKMARK', bookmarkObject(route.type));
    const timeout = Number(url.searchParams.get('timeoutSeconds') ?? '0');
    const timer = timeout > 0 ? setTimeout(() => res.end(), timeout * 1000) : undefined;
    const done = () => {
      clearTimeout(timer);
      unsubscribe();
      watches.delete(watch);
    };
    res.on('close', done);
    req.on('close', done);
  };

  const bookmarkObject = (type: ResourceType) => ({
    kind: type.kind,
    apiVersion: type.group === '' ? type.version : `${type.group}/${type.version}`,
    metadata: { resourceVersion: String(store.resourceVersion) },
  });

  const handle = async (
    req: IncomingMessage,
    res: ServerResponse,
    request: ApiRequest,
    route: Route,
    url: URL,
  ) => {
    const { type } = route;
    const status = route.subresource === 'status';
    if (route.subresource !== undefined && !status)
      throw new ApiError(404, 'NotFound', 'no such subresource');
    if (request.verb === 'watch') return serveWatch(req, res, route, url);
    if (request.verb === 'list') {
      const items = store.list(type, route.namespace);
      const apiVersion = type.group === '' ? type.version : `${type.group}/${type.version}`;
      return send(res, 200, {
        apiVersion,
        kind: `${type.kind}List`,
        metadata: { resourceVersion: String(store.resourceVersion) },
        items,
      });
    }
    const namespace = route.namespace ?? '';
    if (namespace === '') throw new ApiError(404, 'NotFound', 'namespaced resource needs a namespace');
    const body = await readBody(req);
    if (type.kind === 'Lease' && body !== undefined) checkMicroTimes(body);
    if (request.verb === 'create') return send(res, 201, store.create(type, namespace, body as KubeObject));
    const name = route.name ?? '';
    if (request.verb === 'get') return send(res, 200, store.get(type, namespace, name));
    if (request.verb === 'delete') return send(res, 200, store.delete(type, namespace, name));
    if (request.verb === 'update')
      return send(res, 200, store.update(type, namespace, name, body as KubeObject, status));
    if (request.verb === 'patch') {
      const contentType = req.headers['content-type'] ?? '';
      if (!contentType.startsWith('application/merge-patch+json')) {
        throw new ApiError(
          415,
          'UnsupportedMediaType',
          `the test API server takes merge patches only, got ${contentType}`,
        );
      }
      return send(res, 200, store.patch(type, namespace, name, body, status));
    }
    throw new ApiError(405, 'MethodNotAllowed', `${req.method ?? ''} is not supported`);
  };

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const route = parsePath(url.pathname);
    if (route === undefined)
      return send(res, 404, statusBody(new ApiError(404, 'NotFound', `no route ${url.pathname}`)));
    const token = (req.headers.authorization ?? '').replace(/^Bearer /, '');
    const user = token === ADMIN_TOKEN ? 'admin' : token === OPERATOR_TOKEN ? 'operator' : 'anonymous';
    const request: ApiRequest = {
      user,
      verb: verbOf(req.method ?? 'GET', route, url.searchParams.get('watch') === 'true'),
      group: route.type.group,
      resource:
        route.subresource === undefined ? route.type.plural : `${route.type.plural}/${route.subresource}`,
      ...(route.namespace === undefined ? {} : { namespace: route.namespace }),
      ...(route.name === undefined ? {} : { name: route.name }),
    };
    requests.push(request);
    const fail = (err: unknown) => {
      const apiError =
        err instanceof ApiError ? err : new ApiError(500, 'InternalError', (err as Error).message);
      request.code = apiError.code;
      if (!res.headersSent) send(res, apiError.code, statusBody(apiError));
      else res.destroy();
    };
    try {
      if (user === 'anonymous') throw new ApiError(401, 'Unauthorized', 'Unauthorized');
      if (user === 'operator' && options.grants !== undefined && !allows(options.grants, request)) {
        throw new ApiError(
          403,
          'Forbidden',
          `${request.resource}.${request.group} is forbidden: User "system:serviceaccount:hevlayer" cannot ${request.verb} resource "${request.resource}" in API group "${request.group}"${request.namespace === undefined ? ' at the cluster scope' : ` in the namespace "${request.namespace}"`}`,
        );
      }
      for (const hook of hooks) {
        const injected = hook(request, store);
        if (injected !== undefined) throw injected;
      }
      request.code = 200;
      handle(req, res, request, route, url).catch(fail);
    } catch (err) {
      fail(err);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    store,
    requests,
    kubeconfig(token = OPERATOR_TOKEN, namespace = 'default') {
      return stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'test', cluster: { server: url, 'insecure-skip-tls-verify': true } }],
        users: [{ name: 'test', user: { token } }],
        contexts: [{ name: 'test', context: { cluster: 'test', user: 'test', namespace } }],
        'current-context': 'test',
      });
    },
    async kube(method, path, body, contentType = 'application/json') {
      const response = await fetch(`${url}${path}`, {
        method,
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': contentType },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: response.status, body: (await response.json()) as KubeJson };
    },
    onRequest(hook) {
      hooks.add(hook);
      return () => hooks.delete(hook);
    },
    dropWatches() {
      const open = [...watches];
      for (const w of open) w.res.socket?.destroy();
      return open.length;
    },
    openWatches: () => watches.size,
    bookmark() {
      for (const w of watches)
        if (w.bookmarks)
          w.res.write(`${JSON.stringify({ type: 'BOOKMARK', object: bookmarkObject(w.type) })}\n`);
    },
    close() {
      for (const w of watches) w.res.socket?.destroy();
      return new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
