import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { validateManifestSet } from './manifests.ts';
import { formatProblem } from './problems.ts';
import { problemLinesOfText } from './test-helpers.ts';

const SEED = 'test/fixtures/seed-index.yaml';

describe('the seed example', () => {
  const result = validateManifestSet([{ file: SEED, text: readFileSync(SEED, 'utf8') }]);

  it('validates as written, with only the facetFields deprecation warning', () => {
    expect(result.valid).toBe(true);
    expect(result.problems.map(formatProblem)).toEqual([
      `${SEED}: Index/products: spec.facetFields: warning: is deprecated; move the list to spec.snapshot.facetFields`,
    ]);
    expect(result.problems[0]?.line).toBe(21);
  });

  it('yields the seed values, the alias moved into snapshot.facetFields, and our defaults', () => {
    expect(result.resources).toHaveLength(1);
    expect(result.resources[0]?.resource).toEqual({
      apiVersion: 'hevlayer.com/v1',
      kind: 'Index',
      metadata: { name: 'products', namespace: 'layer' },
      spec: {
        backend: {
          storeRef: 'turbopuffer-default',
          namespace: 'products',
          distanceMetric: 'cosine_distance',
          shards: 1,
        },
        metadata: { labels: { app: 'shop' }, tags: ['catalog'] },
        snapshot: { interval: '5m', retention: 'never', facetFields: ['category', 'brand'] },
        scan: { threads: 8 },
        cache: { ttl: '24h', capGiB: 64, mode: 'standard' },
        consistency: 'strong',
      },
    });
    expect(result.resources[0]?.source).toEqual({ file: SEED, document: 1, line: 3 });
  });
});

const store = (name: string, extra = '') =>
  `apiVersion: hevlayer.com/v1\nkind: VectorStore\nmetadata:\n  name: ${name}\n${extra}spec:\n  provider: local\n`;

describe('sets of manifests', () => {
  it('skips empty documents and reads several per file', () => {
    const text = `---\n${store('a')}---\n${store('b')}---\n`;
    const result = validateManifestSet([{ file: 'f.yaml', text }]);
    expect(result.problems).toEqual([]);
    expect(result.resources.map((r) => [r.resource.metadata.name, r.source.document])).toEqual([
      ['a', 1],
      ['b', 2],
    ]);
  });

  it('reports a duplicate across files on the second one', () => {
    const result = validateManifestSet([
      { file: 'one.yaml', text: store('a') },
      { file: 'two.yaml', text: store('a') },
    ]);
    expect(result.valid).toBe(false);
    expect(result.problems.map(formatProblem)).toEqual([
      'two.yaml: VectorStore/a: metadata.name: duplicates VectorStore default/a from one.yaml (document 1)',
    ]);
  });

  it('allows the same name in two Kubernetes namespaces and for two kinds', () => {
    const index = 'apiVersion: hevlayer.com/v1\nkind: Index\nmetadata:\n  name: a\n';
    const text = `${store('a')}---\n${store('a', '  namespace: other\n')}---\n${index}`;
    const result = validateManifestSet([{ file: 'f.yaml', text }]);
    expect(result.problems).toEqual([]);
    expect(result.resources).toHaveLength(3);
  });

  it('allows one GatewayConfig only', () => {
    const gw = (name: string) =>
      `apiVersion: hevlayer.com/v1\nkind: GatewayConfig\nmetadata:\n  name: ${name}\n`;
    expect(problemLinesOfText(`${gw('a')}---\n${gw('b')}`)).toEqual([
      'm.yaml: GatewayConfig/b: metadata.name: only one GatewayConfig is allowed; GatewayConfig/a is in m.yaml (document 1)',
    ]);
  });

  it('keeps the valid documents of a file in which another one fails', () => {
    const result = validateManifestSet([{ file: 'f.yaml', text: `${store('a')}---\nkind: Nope\n` }]);
    expect(result.valid).toBe(false);
    expect(result.resources.map((r) => r.resource.metadata.name)).toEqual(['a']);
  });

  it('accepts identical alias and table facetFields with a warning', () => {
    const text =
      'apiVersion: hevlayer.com/v1\nkind: Index\nmetadata:\n  name: a\nspec:\n  facetFields: [brand]\n  snapshot:\n    facetFields: [brand]\n';
    const result = validateManifestSet([{ file: 'm.yaml', text }]);
    expect(result.valid).toBe(true);
    expect(result.problems.map((p) => p.severity)).toEqual(['warning']);
    const spec = result.resources[0]?.resource.spec as {
      snapshot: { facetFields: string[] };
      facetFields?: unknown;
    };
    expect(spec.snapshot.facetFields).toEqual(['brand']);
    expect(spec.facetFields).toBeUndefined();
  });

  it('warns about a bare off, which Kubernetes would read as false', () => {
    const text =
      'apiVersion: hevlayer.com/v1\nkind: Index\nmetadata:\n  name: a\nspec:\n  cache:\n    mode: off\n';
    expect(problemLinesOfText(text)).toEqual([
      'm.yaml: Index/a: spec.cache.mode: warning: write "off" in quotes: Kubernetes reads a bare off as the boolean false',
    ]);
    expect(problemLinesOfText(text.replace('mode: off', 'mode: "off"'))).toEqual([]);
  });

  it('accepts a manifest exported from a cluster (server metadata, status) and drops status', () => {
    const text = [
      'apiVersion: hevlayer.com/v1',
      'kind: Index',
      'metadata:',
      '  name: a',
      '  namespace: shop',
      '  uid: 0b3c',
      '  resourceVersion: "12"',
      '  generation: 3',
      '  creationTimestamp: "2026-01-01T00:00:00Z"',
      '  managedFields: []',
      'spec: {}',
      'status:',
      '  observedGeneration: 2',
    ].join('\n');
    const result = validateManifestSet([{ file: 'm.yaml', text }]);
    expect(result.problems).toEqual([]);
    expect(result.resources[0]?.resource.metadata.generation).toBe(3);
    expect('status' in (result.resources[0]?.resource ?? {})).toBe(false);
  });

  it('records the line of the offending field', () => {
    const text =
      'apiVersion: hevlayer.com/v1\nkind: Index\nmetadata:\n  name: a\nspec:\n  scan:\n    threads: 0\n';
    const [problem] = validateManifestSet([{ file: 'm.yaml', text }]).problems;
    expect(problem?.line).toBe(7);
  });

  it('limits YAML alias expansion', () => {
    const bomb = [
      'a: &a [x, x, x, x, x, x, x, x, x, x]',
      ...Array.from({ length: 8 }, (_, i) => {
        const prev = i === 0 ? 'a' : `l${i - 1}`;
        return `l${i}: &l${i} [*${prev}, *${prev}, *${prev}, *${prev}, *${prev}, *${prev}, *${prev}, *${prev}, *${prev}, *${prev}]`;
      }),
    ].join('\n');
    const result = validateManifestSet([{ file: 'bomb.yaml', text: bomb }]);
    expect(result.valid).toBe(false);
    expect(result.problems.map(formatProblem)).toEqual([
      'bomb.yaml: (document 1): line 1: invalid YAML: Excessive alias count indicates a resource exhaustion attack',
    ]);
  });
});
