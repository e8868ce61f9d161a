/**
 * Invalid manifests, each with the exact lines `hevlayer validate` prints for it. The lines are a
 * user-facing contract: a change here should be deliberate.
 */
import { describe, expect, it } from 'vitest';
import { problemLinesOfText } from './test-helpers.ts';

const head = (kind: string, name = 'x') =>
  `apiVersion: hevlayer.com/v1\nkind: ${kind}\nmetadata:\n  name: ${name}\n`;

const cases: readonly (readonly [title: string, yaml: string, lines: readonly string[]])[] = [
  [
    'threads below 1',
    `${head('Index')}spec:\n  scan:\n    threads: 0\n`,
    ['m.yaml: Index/x: spec.scan.threads: must be an integer >= 1, got 0'],
  ],
  [
    'threads as a string',
    `${head('Index')}spec:\n  scan:\n    threads: "8"\n`,
    ['m.yaml: Index/x: spec.scan.threads: must be an integer >= 1, got "8"'],
  ],
  [
    'typo in a field name',
    `${head('Index')}spec:\n  scan:\n    thread: 4\n`,
    ['m.yaml: Index/x: spec.scan.thread: unknown field (did you mean "threads"?)'],
  ],
  [
    'unknown top-level spec field',
    `${head('Index')}spec:\n  replicas: 3\n`,
    [
      'm.yaml: Index/x: spec.replicas: unknown field (expected one of: backend, metadata, snapshot, facetFields, scan, cache, consistency)',
    ],
  ],
  [
    'unknown top-level field',
    `${head('Index')}specs: {}\n`,
    ['m.yaml: Index/x: specs: unknown field (did you mean "spec"?)'],
  ],
  [
    'unknown kind',
    'apiVersion: hevlayer.com/v1\nkind: Indx\nmetadata:\n  name: x\n',
    ['m.yaml: Indx/x: kind: unknown kind "Indx" (did you mean Index?)'],
  ],
  [
    'foreign kind',
    'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n',
    [
      'm.yaml: Deployment/web: kind: unknown kind "Deployment" (expected one of Index, VectorStore, GatewayConfig)',
    ],
  ],
  [
    'missing kind',
    'apiVersion: hevlayer.com/v1\nmetadata:\n  name: x\n',
    ['m.yaml: (document 1): kind: is required (one of Index, VectorStore, GatewayConfig)'],
  ],
  [
    'wrong apiVersion',
    'apiVersion: hevlayer.com/v2\nkind: Index\nmetadata:\n  name: x\n',
    ['m.yaml: Index/x: apiVersion: must be hevlayer.com/v1, got "hevlayer.com/v2"'],
  ],
  [
    'missing metadata.name',
    'apiVersion: hevlayer.com/v1\nkind: Index\nmetadata: {}\n',
    [
      'm.yaml: Index/(document 1): metadata.name: is required (a lowercase DNS name (a-z, 0-9, "-" and ".", at most 253 characters))',
    ],
  ],
  [
    'uppercase name',
    head('Index', 'Products'),
    [
      'm.yaml: Index/Products: metadata.name: must be a lowercase DNS name (a-z, 0-9, "-" and ".", at most 253 characters), got "Products"',
    ],
  ],
  [
    'shutdown drainDelay not a duration',
    `${head('GatewayConfig')}spec:\n  shutdown:\n    drainDelay: abc\n`,
    [
      'm.yaml: GatewayConfig/x: spec.shutdown.drainDelay: must be a duration such as 5s or 1m, or 0s, got "abc"',
    ],
  ],
  [
    'shutdown drainDelay negative',
    `${head('GatewayConfig')}spec:\n  shutdown:\n    drainDelay: -5s\n`,
    [
      'm.yaml: GatewayConfig/x: spec.shutdown.drainDelay: must be a duration such as 5s or 1m, or 0s, got "-5s"',
    ],
  ],
  [
    'shutdown gracePeriod zero',
    `${head('GatewayConfig')}spec:\n  shutdown:\n    gracePeriod: 0s\n`,
    [
      'm.yaml: GatewayConfig/x: spec.shutdown.gracePeriod: must be a duration such as 30s, 5m, 24h or 30d, got "0s"',
    ],
  ],
  [
    'shutdown gracePeriod a bare number',
    `${head('GatewayConfig')}spec:\n  shutdown:\n    gracePeriod: 25\n`,
    [
      'm.yaml: GatewayConfig/x: spec.shutdown.gracePeriod: must be a duration such as 30s, 5m, 24h or 30d, got 25',
    ],
  ],
  [
    'unknown cache mode',
    `${head('Index')}spec:\n  cache:\n    mode: aggressive\n`,
    ['m.yaml: Index/x: spec.cache.mode: must be one of standard, warm, off, got "aggressive"'],
  ],
  [
    'capGiB zero',
    `${head('Index')}spec:\n  cache:\n    capGiB: 0\n`,
    ['m.yaml: Index/x: spec.cache.capGiB: must be a number > 0 and <= 1048576, got 0'],
  ],
  [
    'ttl with a space',
    `${head('Index')}spec:\n  cache:\n    ttl: 5 min\n`,
    ['m.yaml: Index/x: spec.cache.ttl: must be a duration such as 30s, 5m, 24h or 30d, got "5 min"'],
  ],
  [
    'shards above 256',
    `${head('Index')}spec:\n  backend:\n    shards: 300\n`,
    ['m.yaml: Index/x: spec.backend.shards: must be an integer between 1 and 256, got 300'],
  ],
  [
    'upstream namespace with a slash',
    `${head('Index')}spec:\n  backend:\n    namespace: a/b\n`,
    [
      'm.yaml: Index/x: spec.backend.namespace: must be a turbopuffer namespace name ([A-Za-z0-9_.-], 1 to 128 characters), got "a/b"',
    ],
  ],
  [
    'storeRef that is not a DNS name',
    `${head('Index')}spec:\n  backend:\n    storeRef: My_Store\n`,
    [
      'm.yaml: Index/x: spec.backend.storeRef: must be a lowercase DNS name (a-z, 0-9, "-" and ".", at most 253 characters), got "My_Store"',
    ],
  ],
  [
    'sharded upstream names too long',
    `${head('Index')}spec:\n  backend:\n    namespace: ${'n'.repeat(126)}\n    shards: 12\n`,
    [
      `m.yaml: Index/x: spec.backend.namespace: makes the upstream namespace "${'n'.repeat(20)}…" 129 characters long; turbopuffer allows 128`,
    ],
  ],
  [
    'facetFields as a string',
    `${head('Index')}spec:\n  snapshot:\n    facetFields: category\n`,
    ['m.yaml: Index/x: spec.snapshot.facetFields: must be a list, got "category"'],
  ],
  [
    'repeated facet field',
    `${head('Index')}spec:\n  snapshot:\n    facetFields: [brand, brand]\n`,
    ['m.yaml: Index/x: spec.snapshot.facetFields: must not repeat items, got "brand" more than once'],
  ],
  [
    'facetFields alias disagreeing with snapshot.facetFields',
    `${head('Index')}spec:\n  facetFields: [brand]\n  snapshot:\n    facetFields: [category]\n`,
    [
      'm.yaml: Index/x: spec.facetFields: conflicts with spec.snapshot.facetFields (spec.facetFields is a deprecated alias); keep only spec.snapshot.facetFields',
    ],
  ],
  [
    'bad label key and value',
    `${head('Index')}spec:\n  metadata:\n    labels:\n      "bad key": x\n      team: "a b"\n`,
    [
      'm.yaml: Index/x: spec.metadata.labels["bad key"]: is not a valid label key (an optional DNS prefix and "/", then up to 63 letters, digits, "-", "_" or ".")',
      'm.yaml: Index/x: spec.metadata.labels.team: must be a label value (at most 63 characters: letters, digits, "-", "_" and ".", starting and ending alphanumeric), got "a b"',
    ],
  ],
  [
    'spec is a list',
    `${head('Index')}spec: []\n`,
    ['m.yaml: Index/x: spec: must be a mapping, got an empty list'],
  ],
  [
    'scan as a list (never silently turned into a mapping)',
    `${head('Index')}spec:\n  scan: [8]\n`,
    ['m.yaml: Index/x: spec.scan: must be a mapping, got a list'],
  ],
  [
    'facetFields as a mapping',
    `${head('Index')}spec:\n  snapshot:\n    facetFields: {category: true}\n`,
    ['m.yaml: Index/x: spec.snapshot.facetFields: must be a list, got a mapping'],
  ],
  [
    'VectorStore without provider',
    `${head('VectorStore')}spec:\n  default: true\n`,
    ['m.yaml: VectorStore/x: spec.provider: is required (one of turbopuffer, local)'],
  ],
  ['VectorStore without spec', head('VectorStore'), ['m.yaml: VectorStore/x: spec: is required (a mapping)']],
  [
    'turbopuffer without its block',
    `${head('VectorStore')}spec:\n  provider: turbopuffer\n`,
    [
      'm.yaml: VectorStore/x: spec.turbopuffer: is required when provider is turbopuffer (region or baseURL, and apiKeySecretRef or apiKeyEnv)',
    ],
  ],
  [
    'turbopuffer with region and baseURL, no key',
    `${head('VectorStore')}spec:\n  provider: turbopuffer\n  turbopuffer:\n    region: gcp-us-central1\n    baseURL: https://tp.example\n`,
    [
      'm.yaml: VectorStore/x: spec.turbopuffer: set exactly one of region or baseURL, got both',
      'm.yaml: VectorStore/x: spec.turbopuffer: set exactly one of apiKeySecretRef or apiKeyEnv, got neither',
    ],
  ],
  [
    'turbopuffer block on a local store',
    `${head('VectorStore')}spec:\n  provider: local\n  turbopuffer:\n    region: gcp-us-central1\n    apiKeyEnv: K\n`,
    ['m.yaml: VectorStore/x: spec.turbopuffer: is only allowed when provider is turbopuffer'],
  ],
  [
    'local block on a turbopuffer store',
    `${head('VectorStore')}spec:\n  provider: turbopuffer\n  turbopuffer:\n    region: r1\n    apiKeyEnv: K\n  local:\n    path: /tmp/x\n`,
    ['m.yaml: VectorStore/x: spec.local: is only allowed when provider is local'],
  ],
  [
    'baseURL without scheme',
    `${head('VectorStore')}spec:\n  provider: turbopuffer\n  turbopuffer:\n    baseURL: tp.example.com\n    apiKeyEnv: K\n`,
    [
      'm.yaml: VectorStore/x: spec.turbopuffer.baseURL: must be an http(s) URL without query or fragment, got "tp.example.com"',
    ],
  ],
  [
    'apiKeyEnv that is not a variable name',
    `${head('VectorStore')}spec:\n  provider: turbopuffer\n  turbopuffer:\n    region: r1\n    apiKeyEnv: tpuf-key\n`,
    [
      'm.yaml: VectorStore/x: spec.turbopuffer.apiKeyEnv: must be an environment variable name ([A-Za-z_][A-Za-z0-9_]*), got "tpuf-key"',
    ],
  ],
  [
    'default as a YAML 1.1 boolean word',
    `${head('VectorStore')}spec:\n  provider: local\n  default: yes\n`,
    ['m.yaml: VectorStore/x: spec.default: must be true or false, got "yes"'],
  ],
  [
    'port out of range',
    `${head('GatewayConfig')}spec:\n  listen:\n    port: 70000\n`,
    ['m.yaml: GatewayConfig/x: spec.listen.port: must be an integer between 1 and 65535, got 70000'],
  ],
  [
    'redis without url',
    `${head('GatewayConfig')}spec:\n  cache:\n    backend: redis\n`,
    ['m.yaml: GatewayConfig/x: spec.cache.url: is required with the redis backend (redis://host:port)'],
  ],
  [
    'a redis url with the wrong scheme, its password not echoed',
    `${head('GatewayConfig')}spec:\n  cache:\n    backend: redis\n    url: "http://app:s3cret@h:6379"\n`,
    [
      'm.yaml: GatewayConfig/x: spec.cache.url: must be a redis:// or rediss:// URL, got "http://app:***@h:6379"',
    ],
  ],
  [
    'a redis key prefix with braces',
    `${head('GatewayConfig')}spec:\n  cache:\n    backend: redis\n    url: redis://h:6379\n    namespace: "a{b}"\n`,
    [
      'm.yaml: GatewayConfig/x: spec.cache.namespace: must not contain { or } with the redis backend (they delimit the per-Index key groups)',
    ],
  ],
  [
    'redis with aerospike hosts',
    `${head('GatewayConfig')}spec:\n  cache:\n    backend: redis\n    url: redis://h:6379\n    hosts: [a:3000]\n`,
    ['m.yaml: GatewayConfig/x: spec.cache.hosts: is not used by the redis cache backend'],
  ],
  [
    'memory backend with a redis url',
    `${head('GatewayConfig')}spec:\n  cache:\n    url: redis://h:6379\n`,
    ['m.yaml: GatewayConfig/x: spec.cache.url: is not used by the memory cache backend'],
  ],
  [
    'aerospike with a url instead of hosts',
    `${head('GatewayConfig')}spec:\n  cache:\n    backend: aerospike\n    url: redis://x:6379\n`,
    [
      'm.yaml: GatewayConfig/x: spec.cache.hosts: is required with the aerospike backend (host:port seed nodes)',
      'm.yaml: GatewayConfig/x: spec.cache.namespace: is required with the aerospike backend (an Aerospike namespace)',
      'm.yaml: GatewayConfig/x: spec.cache.url: is not used by the aerospike cache backend',
    ],
  ],
  [
    's3 snapshots without bucket',
    `${head('GatewayConfig')}spec:\n  snapshots:\n    store: s3\n    path: /tmp/snaps\n`,
    [
      'm.yaml: GatewayConfig/x: spec.snapshots.bucket: is required with the s3 store',
      'm.yaml: GatewayConfig/x: spec.snapshots.path: is not used by the s3 store (use bucket and prefix)',
    ],
  ],
  [
    'S3 credentials Secret on the filesystem store, and a bad Secret key',
    `${head('GatewayConfig')}spec:\n  snapshots:\n    credentialsSecretRef: {name: s3-creds, accessKeyIdKey: 'bad key'}\n`,
    [
      'm.yaml: GatewayConfig/x: spec.snapshots.credentialsSecretRef.accessKeyIdKey: must be a Secret data key ([-._a-zA-Z0-9]+), got "bad key"',
    ],
  ],
  [
    'S3 credentials Secret on the filesystem store',
    `${head('GatewayConfig')}spec:\n  snapshots:\n    credentialsSecretRef: {name: s3-creds}\n`,
    [
      'm.yaml: GatewayConfig/x: spec.snapshots.credentialsSecretRef: is not used by the filesystem store (use path)',
    ],
  ],
  [
    'api key with both keyEnv and secretRef, and a duplicate name',
    `${head('GatewayConfig')}spec:\n  auth:\n    apiKeys:\n      - name: ci\n        keyEnv: CI_KEY\n        secretRef: {name: keys, key: ci}\n      - name: ci\n        keyEnv: CI_KEY_2\n`,
    [
      'm.yaml: GatewayConfig/x: spec.auth.apiKeys[0]: set exactly one of keyEnv or secretRef, got both',
      'm.yaml: GatewayConfig/x: spec.auth.apiKeys[1].name: duplicates spec.auth.apiKeys[0].name "ci"',
    ],
  ],
  [
    'api key missing its name',
    `${head('GatewayConfig')}spec:\n  auth:\n    apiKeys:\n      - keyEnv: CI_KEY\n`,
    [
      'm.yaml: GatewayConfig/x: spec.auth.apiKeys[0].name: is required (a non-empty string of at most 63 characters)',
    ],
  ],
  [
    'a document that is a list',
    '- a\n- b\n',
    ['m.yaml: (document 1): must be a mapping with apiVersion, kind, metadata and spec, got a list'],
  ],
  [
    'YAML syntax error',
    `${head('Index')}spec:\n  scan: {threads: 8\n`,
    [
      'm.yaml: (document 1): line 7, column 1: invalid YAML: Flow map in block collection must be sufficiently indented and end with a }',
    ],
  ],
  [
    'duplicate YAML key',
    `${head('Index')}spec:\n  consistency: strong\n  consistency: eventual\n`,
    ['m.yaml: (document 1): line 7, column 3: invalid YAML: Map keys must be unique'],
  ],
];

describe('invalid manifests produce exactly these lines', () => {
  it(`has at least 25 cases (${cases.length})`, () => {
    expect(cases.length).toBeGreaterThanOrEqual(25);
  });
  it.each(cases)('%s', (_title, yaml, lines) => {
    expect(problemLinesOfText(yaml)).toEqual(lines);
  });
});
