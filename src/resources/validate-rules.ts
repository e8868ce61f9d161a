/**
 * Cross-field rules the schema cannot express ("exactly one of", "only with provider X", name
 * lengths that depend on the shard count). They run only on documents that already passed the
 * schema, so they see fully typed, defaulted values. The CRD carries the Kubernetes-side subset
 * as CEL (see the `x-kubernetes-validations` options in the schemas).
 */
import { NAMESPACE_NAME_MAX_LENGTH } from '../wire/namespace-name.ts';
import type { GatewayConfigSpec } from './gateway-config-schema.ts';
import type { IndexResource } from './index-schema.ts';
import type { VectorStoreSpec } from './vector-store-schema.ts';

export interface RuleProblem {
  readonly path: string;
  readonly message: string;
  readonly severity?: 'warning';
}

export function upstreamNamespaceOf(name: string, spec: { backend: { namespace?: string } }): string {
  return spec.backend.namespace ?? name;
}

/** `[ns]` for one shard, else `ns-0 … ns-(N-1)`. */
export function upstreamNamespaces(namespace: string, shards: number): string[] {
  if (shards <= 1) return [namespace];
  return Array.from({ length: shards }, (_, i) => `${namespace}-${i}`);
}

export function indexRules(index: IndexResource): RuleProblem[] {
  const { spec } = index;
  const namespace = upstreamNamespaceOf(index.metadata.name, spec);
  const longest = upstreamNamespaces(namespace, spec.backend.shards).reduce((a, b) =>
    b.length > a.length ? b : a,
  );
  if (longest.length <= NAMESPACE_NAME_MAX_LENGTH) return [];
  const path = spec.backend.namespace === undefined ? 'metadata.name' : 'spec.backend.namespace';
  const fix = spec.backend.namespace === undefined ? '; set a shorter spec.backend.namespace' : '';
  return [
    {
      path,
      message: `makes the upstream namespace "${longest.slice(0, 20)}…" ${longest.length} characters long; turbopuffer allows ${NAMESPACE_NAME_MAX_LENGTH}${fix}`,
    },
  ];
}

function exactlyOne(path: string, block: Record<string, unknown>, a: string, b: string): RuleProblem[] {
  const hasA = block[a] !== undefined;
  const hasB = block[b] !== undefined;
  if (hasA !== hasB) return [];
  return [{ path, message: `set exactly one of ${a} or ${b}, got ${hasA ? 'both' : 'neither'}` }];
}

export function vectorStoreRules(spec: VectorStoreSpec): RuleProblem[] {
  const problems: RuleProblem[] = [];
  if (spec.provider === 'turbopuffer') {
    if (spec.turbopuffer === undefined) {
      problems.push({
        path: 'spec.turbopuffer',
        message:
          'is required when provider is turbopuffer (region or baseURL, and apiKeySecretRef or apiKeyEnv)',
      });
    } else {
      problems.push(...exactlyOne('spec.turbopuffer', spec.turbopuffer, 'region', 'baseURL'));
      problems.push(...exactlyOne('spec.turbopuffer', spec.turbopuffer, 'apiKeySecretRef', 'apiKeyEnv'));
    }
    if (spec.local !== undefined) {
      problems.push({ path: 'spec.local', message: 'is only allowed when provider is local' });
    }
  } else if (spec.turbopuffer !== undefined) {
    problems.push({ path: 'spec.turbopuffer', message: 'is only allowed when provider is turbopuffer' });
  }
  return problems;
}

function onlyWith(
  problems: RuleProblem[],
  block: Record<string, unknown>,
  base: string,
  fields: readonly string[],
  context: string,
): void {
  for (const field of fields) {
    if (block[field] !== undefined)
      problems.push({ path: `${base}.${field}`, message: `is not used ${context}` });
  }
}

export function gatewayConfigRules(spec: GatewayConfigSpec): RuleProblem[] {
  const problems: RuleProblem[] = [];
  const { cache, snapshots } = spec;
  const cacheContext = `by the ${cache.backend} cache backend`;
  if (cache.backend === 'memory') {
    onlyWith(problems, cache, 'spec.cache', ['url', 'hosts', 'namespace'], cacheContext);
  } else if (cache.backend === 'redis') {
    if (cache.url === undefined)
      problems.push({
        path: 'spec.cache.url',
        message: 'is required with the redis backend (redis://host:port)',
      });
    if (cache.namespace !== undefined && /[{}]/.test(cache.namespace))
      problems.push({
        path: 'spec.cache.namespace',
        message: 'must not contain { or } with the redis backend (they delimit the per-Index key groups)',
      });
    onlyWith(problems, cache, 'spec.cache', ['hosts'], cacheContext);
  } else {
    if (cache.hosts === undefined || cache.hosts.length === 0) {
      problems.push({
        path: 'spec.cache.hosts',
        message: 'is required with the aerospike backend (host:port seed nodes)',
      });
    }
    if (cache.namespace === undefined) {
      problems.push({
        path: 'spec.cache.namespace',
        message: 'is required with the aerospike backend (an Aerospike namespace)',
      });
    }
    onlyWith(problems, cache, 'spec.cache', ['url'], cacheContext);
  }
  if (snapshots.store === 's3') {
    if (snapshots.bucket === undefined)
      problems.push({ path: 'spec.snapshots.bucket', message: 'is required with the s3 store' });
    onlyWith(problems, snapshots, 'spec.snapshots', ['path'], 'by the s3 store (use bucket and prefix)');
  } else {
    onlyWith(
      problems,
      snapshots,
      'spec.snapshots',
      ['bucket', 'endpoint', 'region', 'credentialsSecretRef'],
      'by the filesystem store (use path)',
    );
  }
  const firstByName = new Map<string, number>();
  spec.auth.apiKeys.forEach((key, i) => {
    const base = `spec.auth.apiKeys[${i}]`;
    problems.push(...exactlyOne(base, key, 'keyEnv', 'secretRef'));
    const first = firstByName.get(key.name);
    if (first === undefined) firstByName.set(key.name, i);
    else
      problems.push({
        path: `${base}.name`,
        message: `duplicates spec.auth.apiKeys[${first}].name "${key.name}"`,
      });
  });
  if (spec.implicitIndexes) {
    problems.push({
      path: 'spec.implicitIndexes',
      message: 'is a development mode: every namespace without an Index is served from the default store',
      severity: 'warning',
    });
  }
  return problems;
}
