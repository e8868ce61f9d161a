import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { evaluate } from '@marcbachmann/cel-js';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CRD_KINDS, buildCrd, renderAllCrdsYaml, renderCrdYaml } from './crd.ts';

type Json = Record<string, unknown>;

describe('deploy/crds (golden)', () => {
  it.each(CRD_KINDS.map((names) => [names.file, names] as const))(
    'deploy/crds/%s equals the generator output (run `npm run crds -- --out deploy/crds` after a schema change)',
    (file, names) => {
      expect(readFileSync(join('deploy/crds', file), 'utf8')).toBe(renderCrdYaml(names));
    },
  );

  it('`hevlayer crds` prints every CRD as one multi-document stream', () => {
    const docs = renderAllCrdsYaml()
      .split(/^---$/m)
      .map((d) => parse(d, { version: '1.1' }) as Json);
    expect(docs.map((d) => (d.metadata as Json).name)).toEqual([
      'indexes.hevlayer.com',
      'vectorstores.hevlayer.com',
      'gatewayconfigs.hevlayer.com',
    ]);
  });
});

function versionOf(kind: string): Json {
  const names = CRD_KINDS.find((n) => n.kind === kind);
  if (names === undefined) throw new Error(kind);
  const spec = buildCrd(names).spec as { versions: Json[] };
  const [version] = spec.versions;
  if (version === undefined) throw new Error('no version');
  return version;
}

function schemaOf(kind: string): Json {
  return (versionOf(kind).schema as { openAPIV3Schema: Json }).openAPIV3Schema;
}

/** Every schema node with its path. */
function* nodes(node: Json, path = ''): Generator<[string, Json]> {
  yield [path, node];
  for (const [key, child] of Object.entries((node.properties as Record<string, Json> | undefined) ?? {})) {
    yield* nodes(child, `${path}.${key}`);
  }
  if (node.items !== undefined) yield* nodes(node.items as Json, `${path}[]`);
  if (typeof node.additionalProperties === 'object')
    yield* nodes(node.additionalProperties as Json, `${path}{}`);
}

describe.each(['Index', 'VectorStore'])('%s CRD is structural', (kind) => {
  const schema = schemaOf(kind);
  it('gives every node a type and uses no non-structural keyword', () => {
    for (const [path, node] of nodes(schema)) {
      expect(node.type, path).toBeTypeOf('string');
      for (const banned of ['anyOf', 'oneOf', 'allOf', 'const', 'patternProperties', 'uniqueItems', '$ref']) {
        expect(node[banned], `${path}.${banned}`).toBeUndefined();
      }
      expect(node.additionalProperties, path).not.toBe(false);
      if (node.exclusiveMinimum !== undefined) expect(node.exclusiveMinimum, path).toBe(true);
    }
  });

  it('never requires a field that has a default', () => {
    for (const [path, node] of nodes(schema)) {
      const properties = (node.properties ?? {}) as Record<string, Json>;
      for (const key of (node.required as string[] | undefined) ?? []) {
        expect(properties[key]?.default, `${path}.${key}`).toBeUndefined();
      }
    }
  });

  it('has the status subresource', () => {
    expect(versionOf(kind).subresources).toEqual({ status: {} });
  });
});

describe('Index CRD', () => {
  const schema = schemaOf('Index');
  const spec = (schema.properties as Record<string, Json>).spec as Json;
  const at = (path: string) =>
    path.split('.').reduce<Json>((n, k) => (n.properties as Record<string, Json>)[k] as Json, spec);

  it('carries the seed defaults, enums and bounds', () => {
    expect(at('backend.distanceMetric')).toMatchObject({
      default: 'cosine_distance',
      enum: ['cosine_distance', 'euclidean_squared'],
    });
    expect(at('backend.shards')).toMatchObject({ type: 'integer', default: 1, minimum: 1, maximum: 256 });
    expect(at('snapshot.interval')).toMatchObject({ default: '5m', pattern: '^[1-9][0-9]{0,5}[smhd]$' });
    expect(at('snapshot.retention')).toMatchObject({ default: 'never' });
    expect(at('snapshot.facetFields')).toMatchObject({ default: [], 'x-kubernetes-list-type': 'set' });
    expect(at('scan.threads')).toMatchObject({ type: 'integer', default: 8, minimum: 1 });
    expect(at('cache.mode')).toMatchObject({ default: 'standard', enum: ['standard', 'warm', 'off'] });
    expect(at('cache.capGiB')).toMatchObject({ minimum: 0, exclusiveMinimum: true });
    expect(at('consistency')).toMatchObject({ default: 'strong', enum: ['strong', 'eventual'] });
  });

  it('quotes "off" so kubectl (YAML 1.1) reads a string', () => {
    expect(readFileSync('deploy/crds/index.yaml', 'utf8')).toContain('- "off"');
  });

  it('has the printer columns Ready, Store, Namespace, Consistency, LastSnapshot, Age', () => {
    const columns = versionOf('Index').additionalPrinterColumns as Json[];
    expect(columns.map((c) => c.name)).toEqual([
      'Ready',
      'Store',
      'Namespace',
      'Consistency',
      'LastSnapshot',
      'Age',
    ]);
    expect(columns[0]?.jsonPath).toBe('.status.conditions[?(@.type=="Ready")].status');
  });

  it('has the status fields of INTERFACES.md', () => {
    const status = (schema.properties as Record<string, Json>).status as Json;
    expect(Object.keys(status.properties as Json)).toEqual(
      expect.arrayContaining([
        'observedGeneration',
        'metadataSync',
        'conditions',
        'upstream',
        'snapshot',
        'cache',
      ]),
    );
    const conditions = (status.properties as Record<string, Json>).conditions as Json;
    expect(conditions['x-kubernetes-list-map-keys']).toEqual(['type']);
  });
});

/** Every CEL rule in both CRDs, with cases evaluated by a CEL interpreter. */
const RULE_CASES: Record<string, readonly (readonly [vars: Json, expected: boolean])[]> = {
  'self == oldSelf': [
    [{ self: 4, oldSelf: 4 }, true],
    [{ self: 4, oldSelf: 1 }, false],
  ],
  '!has(self.facetFields) || size(self.snapshot.facetFields) == 0 || self.facetFields == self.snapshot.facetFields':
    [
      [{ self: { snapshot: { facetFields: ['a'] } } }, true],
      [{ self: { facetFields: ['a'], snapshot: { facetFields: [] } } }, true],
      [{ self: { facetFields: ['a'], snapshot: { facetFields: ['a'] } } }, true],
      [{ self: { facetFields: ['a'], snapshot: { facetFields: ['b'] } } }, false],
    ],
  'has(self.region) != has(self.baseURL)': [
    [{ self: { region: 'r' } }, true],
    [{ self: { baseURL: 'http://x' } }, true],
    [{ self: { region: 'r', baseURL: 'http://x' } }, false],
    [{ self: {} }, false],
  ],
  'has(self.apiKeySecretRef) != has(self.apiKeyEnv)': [
    [{ self: { apiKeyEnv: 'K' } }, true],
    [{ self: { apiKeySecretRef: { name: 's', key: 'k' } } }, true],
    [{ self: { apiKeyEnv: 'K', apiKeySecretRef: { name: 's', key: 'k' } } }, false],
  ],
  "self.provider != 'turbopuffer' || has(self.turbopuffer)": [
    [{ self: { provider: 'turbopuffer', turbopuffer: {} } }, true],
    [{ self: { provider: 'local' } }, true],
    [{ self: { provider: 'turbopuffer' } }, false],
  ],
  "self.provider == 'turbopuffer' || !has(self.turbopuffer)": [
    [{ self: { provider: 'local', turbopuffer: {} } }, false],
    [{ self: { provider: 'local' } }, true],
  ],
  "self.provider == 'local' || !has(self.local)": [
    [{ self: { provider: 'turbopuffer', local: {} } }, false],
    [{ self: { provider: 'local', local: {} } }, true],
  ],
};
const LABEL_KEY_RULE_CASES = [
  [{ self: { app: 'x', 'app.kubernetes.io/name': 'y' } }, true],
  [{ self: { 'bad key': 'x' } }, false],
  [{ self: { 'Upper/x': 'x' } }, false],
] as const;

function rulesIn(schema: Json): string[] {
  const rules: string[] = [];
  for (const [, node] of nodes(schema)) {
    for (const v of (node['x-kubernetes-validations'] as Json[] | undefined) ?? [])
      rules.push(v.rule as string);
  }
  return rules;
}

describe('CEL rules (evaluated with a CEL interpreter)', () => {
  const rules = [...rulesIn(schemaOf('Index')), ...rulesIn(schemaOf('VectorStore'))];

  it('every rule has cases', () => {
    for (const rule of rules) {
      if (rule.startsWith('self.all(k, k.matches(')) continue;
      expect(Object.keys(RULE_CASES), rule).toContain(rule);
    }
  });

  it.each(
    Object.entries(RULE_CASES).flatMap(([rule, cases]) =>
      cases.map(([vars, expected]) => [rule, JSON.stringify(vars), vars, expected] as const),
    ),
  )('%s with %s', (rule, _label, vars, expected) => {
    expect(evaluate(rule, vars)).toBe(expected);
  });

  it.each(LABEL_KEY_RULE_CASES.map(([vars, expected]) => [JSON.stringify(vars), vars, expected] as const))(
    'label key rule with %s',
    (_label, vars, expected) => {
      const rule = rules.find((r) => r.startsWith('self.all(k, k.matches('));
      expect(rule).toBeDefined();
      expect(evaluate(rule ?? '', vars)).toBe(expected);
    },
  );
});
