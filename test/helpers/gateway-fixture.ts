/**
 * Starts a whole gateway (`startServe`: file provider, registry, store pool, resolver, routes) from
 * manifests written to a fresh temp directory, on a free port. Tests describe the config as plain
 * objects; this writes them as YAML.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { startServe, type RunningGateway, type ServeOptions } from '../../src/main/serve.ts';
import { silentLogger, type Logger } from '../../src/telemetry/logger.ts';

export interface GatewayFixture {
  readonly url: string;
  readonly gateway: RunningGateway;
  readonly dir: string;
  close(): Promise<void>;
}

export interface GatewayFixtureOptions {
  readonly manifests: readonly Record<string, unknown>[];
  readonly env?: Record<string, string>;
  readonly logger?: Logger;
  /** Extra serve options (e.g. a fast cache-warmer poll). */
  readonly serve?: Pick<ServeOptions, 'warmPollMs'>;
}

export const API_VERSION = 'hevlayer.com/v1';

export function localStore(name = 'local', extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: API_VERSION,
    kind: 'VectorStore',
    metadata: { name },
    spec: { provider: 'local', default: true, local: { path: `data/${name}` }, ...extra },
  };
}

/** A VectorStore over a turbopuffer-compatible upstream (`turbopuffer`: baseURL/region, key source). */
export function turbopufferStore(
  name: string,
  turbopuffer: Record<string, unknown>,
  isDefault = true,
): Record<string, unknown> {
  return {
    apiVersion: API_VERSION,
    kind: 'VectorStore',
    metadata: { name },
    spec: { provider: 'turbopuffer', default: isDefault, turbopuffer },
  };
}

export function gatewayConfigManifest(spec: Record<string, unknown> = {}): Record<string, unknown> {
  return { apiVersion: API_VERSION, kind: 'GatewayConfig', metadata: { name: 'gw' }, spec };
}

export function indexManifest(
  name: string,
  spec: Record<string, unknown> = {},
  labels?: Record<string, string>,
) {
  return {
    apiVersion: API_VERSION,
    kind: 'Index',
    metadata: { name, ...(labels === undefined ? {} : { labels }) },
    spec,
  };
}

export async function startGatewayFixture(options: GatewayFixtureOptions): Promise<GatewayFixture> {
  const dir = await mkdtemp(join(tmpdir(), 'hevlayer-gw-'));
  const configDir = join(dir, 'config');
  const { mkdir } = await import('node:fs/promises');
  await mkdir(configDir);
  await writeFile(join(configDir, 'all.yaml'), options.manifests.map((m) => stringify(m)).join('---\n'));
  const gateway = await startServe({
    configDir,
    dataDir: dir,
    port: 0,
    host: '127.0.0.1',
    env: { ...options.env },
    logger: options.logger ?? silentLogger(),
    ...options.serve,
  });
  return {
    url: gateway.url,
    gateway,
    dir,
    async close() {
      await gateway.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
