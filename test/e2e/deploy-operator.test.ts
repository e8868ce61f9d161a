/**
 * What ships in deploy/ for operator mode, rendered without a cluster: the kustomization (resources
 * + namespace, the subset it uses; cross-checked with `kubectl kustomize` when kubectl is on the
 * PATH), the Helm chart (test/helpers/helm-lite.ts: no helm binary here), the Dockerfile's
 * structure (no container engine here). Image, ports, service account, probes and RBAC are checked
 * against each other and against the code: the RBAC rules are the ones test/e2e/operator.test.ts
 * proves exact against a recorded run; the CRDs are the generator's output.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { CRD_KINDS, renderCrdYaml } from '../../src/resources/crd.ts';
import { renderChart, renderTemplate } from '../helpers/helm-lite.ts';

interface Container {
  readonly image: string;
  readonly args: string[];
  readonly ports: unknown[];
  readonly readinessProbe: { readonly httpGet: unknown };
  readonly livenessProbe: { readonly httpGet: unknown };
}

/** A rendered manifest; one shape for every kind, the fields these tests read (a missing one fails them). */
interface Doc {
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string };
  readonly spec: {
    readonly template: {
      readonly spec: {
        readonly serviceAccountName: string;
        readonly terminationGracePeriodSeconds: number;
        readonly securityContext: { readonly runAsNonRoot: boolean; readonly runAsUser: number };
        readonly containers: Container[];
      };
    };
    readonly selector: { readonly matchLabels: unknown };
    readonly ports: unknown[];
    readonly names: { readonly kind: string };
  };
  readonly rules?: unknown[];
  readonly roleRef: { readonly name: string };
  readonly subjects?: Record<string, unknown>[];
}

const docsOf = (file: string): Doc[] =>
  parseAllDocuments(readFileSync(file, 'utf8')).map((d) => d.toJS() as Doc);

function kustomize(dir: string): Doc[] {
  const k = parse(readFileSync(join(dir, 'kustomization.yaml'), 'utf8')) as {
    namespace: string;
    resources: string[];
  };
  return k.resources.flatMap((file) =>
    docsOf(join(dir, file)).map((doc) => {
      const namespaced = ![
        'CustomResourceDefinition',
        'ClusterRole',
        'ClusterRoleBinding',
        'Namespace',
      ].includes(doc.kind);
      const subjects = (doc.subjects as Doc[] | undefined)?.map((s) => ({ ...s, namespace: k.namespace }));
      return {
        ...doc,
        metadata: { ...doc.metadata, ...(namespaced ? { namespace: k.namespace } : {}) },
        ...(subjects === undefined ? {} : { subjects }),
      };
    }),
  );
}

const find = (docs: Doc[], kind: string): Doc => {
  const doc = docs.find((d) => d.kind === kind);
  if (doc === undefined) throw new Error(`no ${kind}`);
  return doc;
};

const kustomized = kustomize('deploy');
const charted = renderChart('deploy/helm/hevlayer', {
  name: 'hevlayer',
  namespace: 'search',
}) as unknown as Doc[];
const operatorRules = find(docsOf('deploy/operator/rbac.yaml'), 'Role').rules as unknown[];

describe.each([
  ['kustomize (deploy/kustomization.yaml)', kustomized],
  ['helm (deploy/helm/hevlayer)', charted],
])('%s', (_name, docs) => {
  const deployment = find(docs, 'Deployment');
  const pod = deployment.spec.template.spec;
  const container = pod.containers[0]!;

  it('runs the hevlayer image as `operator` in its own namespace under the hevlayer service account', () => {
    expect(container.image).toBe('hevlayer:0.1.0');
    expect(container.args.slice(0, 2)).toEqual(['operator', '--namespace']);
    expect(pod.serviceAccountName).toBe(find(docs, 'ServiceAccount').metadata.name);
    const binding = find(docs, 'RoleBinding');
    expect(binding.roleRef.name).toBe(find(docs, 'Role').metadata.name);
    expect(binding.subjects).toEqual([
      { kind: 'ServiceAccount', name: pod.serviceAccountName, namespace: deployment.metadata.namespace },
    ]);
  });

  it('exposes port 8080 as `http` and the Service targets it', () => {
    expect(container.ports).toEqual([{ name: 'http', containerPort: 8080 }]);
    expect(container.args).toContain('8080');
    const service = find(docs, 'Service');
    expect(service.spec.ports).toEqual([{ name: 'http', port: 8080, targetPort: 'http' }]);
    expect(service.spec.selector).toEqual(deployment.spec.selector.matchLabels);
  });

  it('probes readiness on /readyz and liveness on /healthz, and runs non-root', () => {
    expect(container.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http' });
    expect(container.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    expect(pod.securityContext.runAsUser).not.toBe(0);
    expect(pod.terminationGracePeriodSeconds).toBe(30);
  });

  it('grants exactly the operator Role of deploy/operator/rbac.yaml (the verbs the code uses)', () => {
    expect(find(docs, 'Role').rules).toEqual(operatorRules);
    expect(docs.filter((d) => d.kind === 'ClusterRole')).toEqual([]);
  });
});

describe('deploy/ CRDs', () => {
  it.each(CRD_KINDS.map((k) => k.file))(
    'the kustomization and the Helm chart ship the generated %s',
    (file) => {
      const names = CRD_KINDS.find((k) => k.file === file)!;
      expect(readFileSync(join('deploy/helm/hevlayer/crds', file), 'utf8')).toBe(renderCrdYaml(names));
      expect(
        kustomized.some((d) => d.kind === 'CustomResourceDefinition' && d.spec.names.kind === names.kind),
      ).toBe(true);
    },
  );
});

describe('helm-lite', () => {
  it('refuses template syntax outside its subset (so the chart cannot silently mis-render)', () => {
    expect(() => renderTemplate('{{ if .Values.x }}a{{ end }}', { Values: { x: 1 } })).toThrow(/unsupported/);
    expect(() => renderTemplate('{{ .Values.missing }}', { Values: {} })).toThrow(/no value/);
  });
});

describe('kubectl kustomize (when kubectl is installed)', () => {
  let kubectl = true;
  try {
    execFileSync('kubectl', ['version', '--client'], { stdio: 'ignore' });
  } catch {
    kubectl = false;
  }
  it.runIf(kubectl)('renders the same objects as the subset renderer', () => {
    const out = execFileSync('kubectl', ['kustomize', 'deploy'], { encoding: 'utf8' });
    const real = parseAllDocuments(out).map((d) => d.toJS() as Doc);
    const key = (d: Doc) => `${d.kind}/${d.metadata.namespace ?? ''}/${d.metadata.name}`;
    expect(real.map(key).sort()).toEqual(kustomized.map(key).sort());
    expect(find(real, 'RoleBinding').subjects).toEqual(find(kustomized, 'RoleBinding').subjects);
  });
});

describe('Dockerfile', () => {
  const text = readFileSync('Dockerfile', 'utf8');
  const stages = text.split(/^FROM /m).slice(1);
  const runtime = stages.at(-1) ?? '';

  it('is multi-stage: a build stage and a runtime stage on the same Node 20 base', () => {
    expect(stages.length).toBe(2);
    expect(stages.map((s) => s.split(/\s/)[0])).toEqual(['node:20-bookworm-slim', 'node:20-bookworm-slim']);
  });

  it('copies only the built artifact into the runtime stage and runs it as a non-root user', () => {
    const copies = runtime.split('\n').filter((l) => l.startsWith('COPY'));
    expect(copies.every((l) => l.startsWith('COPY --from=build '))).toBe(true);
    expect(copies.map((l) => l.split(' ')[2])).toEqual([
      '/src/package.json',
      '/src/node_modules',
      '/src/dist',
      '/src/bin',
    ]);
    const user = /^USER (\S+)/m.exec(runtime)?.[1] ?? 'root';
    expect(['root', '0', '0:0']).not.toContain(user);
    expect(runtime).toMatch(/^EXPOSE 8080$/m);
    expect(runtime).toMatch(/^ENTRYPOINT \["node", "bin\/hevlayer.js"\]$/m);
  });

  it('keeps local state out of the build context (.dockerignore)', () => {
    const ignored = readFileSync('.dockerignore', 'utf8').split('\n');
    expect(ignored).toEqual(expect.arrayContaining(['node_modules', 'dist', 'data', '.git']));
  });
});
