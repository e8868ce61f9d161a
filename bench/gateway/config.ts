/**
 * The gateway's config directory for the benchmark: one GatewayConfig (a client API key, so auth
 * is on as in production), a `turbopuffer` VectorStore pointing at the bench upstream and marked
 * default, and the Index `bench` with its cache off so every request goes through to the upstream
 * (the pass-through path is what is compared with the bare proxy). The cache section turns the
 * Index cache on and may point the gateway at a shared cache backend (`cache` and `cacheStore`).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const STORE_KEY_ENV = 'BENCH_KEY';
export const CLIENT_KEY_ENV = 'BENCH_CLIENT_KEY';

export interface GatewayVariant {
  /** Bearer-key auth on (default true). */
  readonly auth?: boolean;
  /** GatewayConfig spec.upstream.maxInFlightPerNamespace (default: the product default, 16). */
  readonly maxInFlightPerNamespace?: number;
  /** Sub-directory name (several variants can share a scratch directory). */
  readonly name?: string;
  /** The Index's cache mode and consistency (default: mode off, the pass-through path). */
  readonly cache?: { readonly mode: 'standard' | 'off'; readonly consistency?: 'strong' | 'eventual' };
  /** GatewayConfig spec.cache (default: the embedded memory cache). */
  readonly cacheStore?: { readonly backend: 'redis'; readonly url: string };
}

export async function writeGatewayConfig(
  dir: string,
  upstreamOrigin: string,
  variant: GatewayVariant = {},
): Promise<string> {
  const configDir = join(dir, variant.name === undefined ? 'config' : `config-${variant.name}`);
  await mkdir(configDir, { recursive: true });
  const auth = `
  auth:
    apiKeys:
      - name: bench-client
        keyEnv: ${CLIENT_KEY_ENV}`;
  const upstream = `
  upstream:
    maxInFlightPerNamespace: ${variant.maxInFlightPerNamespace ?? 16}`;
  const cacheStore =
    variant.cacheStore === undefined
      ? ''
      : `
  cache:
    backend: ${variant.cacheStore.backend}
    url: ${variant.cacheStore.url}`;
  await writeFile(
    join(configDir, 'gateway.yaml'),
    `apiVersion: hevlayer.com/v1
kind: GatewayConfig
metadata:
  name: bench
spec:
  listen:
    host: 127.0.0.1${variant.auth === false ? '' : auth}${variant.maxInFlightPerNamespace === undefined ? '' : upstream}${cacheStore}
`,
  );
  await writeFile(
    join(configDir, 'vectorstore.yaml'),
    `apiVersion: hevlayer.com/v1
kind: VectorStore
metadata:
  name: upstream
spec:
  provider: turbopuffer
  default: true
  turbopuffer:
    baseURL: ${upstreamOrigin}
    apiKeyEnv: ${STORE_KEY_ENV}
`,
  );
  await writeFile(
    join(configDir, 'index.yaml'),
    `apiVersion: hevlayer.com/v1
kind: Index
metadata:
  name: bench
spec:
  backend:
    namespace: bench
  cache:
    mode: "${variant.cache?.mode ?? 'off'}"${variant.cache?.consistency === undefined ? '' : `\n  consistency: ${variant.cache.consistency}`}
`,
  );
  return configDir;
}
