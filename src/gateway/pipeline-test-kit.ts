/**
 * A pipeline on a real port (127.0.0.1, port 0) for tests: the turbopuffer routes over a stub store
 * that parses its body like a store would, the hevlayer API over a small registry, and whatever
 * test-only routes a test adds. The phase is the test's to set, so "503 while closing" can be sent
 * on an open connection. Test support only; not imported by the gateway.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { buildRegistry, emptyRegistry } from '../registry/build.ts';
import { RegistryHolder } from '../registry/holder.ts';
import type { ValidatedResource } from '../resources/manifests.ts';
import { manifest, validResource } from '../resources/test-helpers.ts';
import type { VectorStore } from '../stores/port.ts';
import { createLogger } from '../telemetry/logger.ts';
import { Payload } from '../wire/payload.ts';
import { createAuthorizer } from './auth.ts';
import { registerHevlayerRoutes, registerReadiness } from './hevlayer-routes.ts';
import { createIndexResolver } from './index-resolver.ts';
import { createRequestRecorder } from './observability.ts';
import { createPipeline, type Phase, type Pipeline } from './pipeline.ts';
import type { RouteSpec } from './route.ts';
import { turbopufferRoutes } from './turbopuffer-routes.ts';

export const SHOP_KEY = 'k-shop';

const resources: ValidatedResource[] = [
  ['VectorStore', 'd', { provider: 'local', default: true }],
  ['Index', 'products', { metadata: { labels: { app: 'shop' } } }],
  ['Index', 'blog', { metadata: { labels: { app: 'blog' } } }],
].map(([kind, name, spec]) => ({
  resource: validResource(manifest(kind as string, spec, name as string)),
  source: { file: `${name as string}.yaml`, document: 1 },
}));

/** A store that reads its body (so bad JSON fails where a real store's would) and answers `{}`. */
const parsingStore = {
  dispatch: async (operation: { body?: Payload | undefined }) => {
    operation.body?.value();
    return Payload.fromValue({});
  },
} as unknown as VectorStore;

export interface PipelineKit {
  readonly url: string;
  readonly pipeline: Pipeline;
  readonly server: Server;
  /** Parsed log lines written so far. */
  readonly lines: Record<string, unknown>[];
  phase: Phase;
  readonly stopping: AbortController;
  close(): Promise<void>;
}

export async function startPipelineKit(
  options: { bodyLimit?: number; routes?: readonly RouteSpec[] } = {},
): Promise<PipelineKit> {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString('utf8').split('\n')) if (l !== '') lines.push(JSON.parse(l));
      done();
    },
  });
  const log = createLogger({ level: 'info', destination });
  const holder = new RegistryHolder({ initial: emptyRegistry('/d'), source: 'file', location: '/cfg' });
  holder.publish(
    buildRegistry({ resources, generation: 1, loadedAt: '2026-01-01T00:00:00.000Z', dataDir: '/d' }),
  );
  const stopping = new AbortController();
  const state = { phase: 'serving' as Phase };
  const pipeline = createPipeline({
    authorizer: createAuthorizer([{ name: 'shop', key: SHOP_KEY, matchLabels: { app: 'shop' } }]),
    bodyLimit: options.bodyLimit ?? 4096,
    record: createRequestRecorder(log, undefined),
    log,
    phase: () => state.phase,
    stopping: stopping.signal,
  });
  const table = { route: (spec: RouteSpec) => pipeline.add(spec) };
  const resolver = createIndexResolver({ registry: holder, stores: { get: () => parsingStore } });
  for (const route of turbopufferRoutes(resolver)) table.route(route);
  registerHevlayerRoutes(table, { registry: holder });
  registerReadiness(table, holder, () => state.phase !== 'serving');
  for (const route of options.routes ?? []) table.route(route);
  const server = createServer(pipeline.handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    pipeline,
    server,
    lines,
    get phase() {
      return state.phase;
    },
    set phase(next: Phase) {
      state.phase = next;
    },
    stopping,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
