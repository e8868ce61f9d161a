/**
 * Multi-document YAML manifests → validated resources, for a whole set at once (the files given to
 * `hevlayer validate`, or every file of a config directory). YAML syntax errors carry their line and
 * column; set-level rules (duplicates, one GatewayConfig) see every file together.
 */
import { LineCounter, isMap, isScalar, isSeq, parseAllDocuments, type Document } from 'yaml';
import type { Resource } from './kinds.ts';
import { DEFAULT_K8S_NAMESPACE } from './meta.ts';
import { hasErrors, type ConfigProblem, type SourceRef } from './problems.ts';
import { validateDocument } from './validate.ts';

export interface ManifestFile {
  /** The name used in problem lines. */
  readonly file: string;
  readonly text: string;
}

export interface ValidatedResource {
  readonly resource: Resource;
  readonly source: SourceRef;
}

export interface ManifestSetResult {
  /** True when there is no error (warnings allowed). */
  readonly valid: boolean;
  /** Every valid resource, in file and document order (also when other documents failed). */
  readonly resources: ValidatedResource[];
  readonly problems: ConfigProblem[];
}

/** Aliases can expand exponentially ("billion laughs"); manifests never need many. */
const MAX_ALIAS_COUNT = 100;

export function validateManifestSet(files: readonly ManifestFile[]): ManifestSetResult {
  const resources: ValidatedResource[] = [];
  const problems: ConfigProblem[] = [];
  for (const { file, text } of files) {
    const lineCounter = new LineCounter();
    const documents = parseAllDocuments(text, { lineCounter, uniqueKeys: true, prettyErrors: true });
    const list = Array.isArray(documents) ? documents : [];
    list.forEach((doc, i) => {
      const document = i + 1;
      const start = doc.contents?.range[0] ?? doc.range[0];
      const line = lineCounter.linePos(start).line;
      if (doc.errors.length > 0) {
        for (const error of doc.errors) {
          const pos = error.linePos?.[0];
          const where = pos === undefined ? `line ${line}` : `line ${pos.line}, column ${pos.col}`;
          const message = error.message.split(' at line ')[0] ?? error.message;
          problems.push({
            severity: 'error',
            file,
            document,
            line: pos?.line ?? line,
            path: where,
            message: `invalid YAML: ${message}`,
          });
        }
        return;
      }
      let value: unknown;
      try {
        value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
      } catch (err) {
        const message = `invalid YAML: ${(err as Error).message}`;
        problems.push({ severity: 'error', file, document, line, path: `line ${line}`, message });
        return;
      }
      if (value === null || value === undefined) return; // an empty document (e.g. a trailing ---)
      const locate = (segments: readonly (string | number)[]) => locateLine(doc, lineCounter, segments);
      const result = validateDocument(value, { file, document, line, locate });
      problems.push(...result.problems);
      if (result.resource !== undefined) {
        problems.push(...kubernetesYamlHazards(doc, result.resource, { file, document }, lineCounter));
        resources.push({ resource: result.resource, source: { file, document, line } });
      }
    });
  }
  problems.push(...setProblems(resources));
  return { valid: !hasErrors(problems), resources, problems };
}

/** The line of the key naming the field at `segments` (or of its nearest existing parent). */
function locateLine(
  doc: Document,
  lineCounter: LineCounter,
  segments: readonly (string | number)[],
): number | undefined {
  for (let n = segments.length; n > 0; n--) {
    const parent = doc.getIn(segments.slice(0, n - 1), true);
    const last = segments[n - 1];
    if (isMap(parent)) {
      const pair = parent.items.find((item) => isScalar(item.key) && item.key.value === last);
      const range = isScalar(pair?.key) ? pair.key.range : undefined;
      if (range) return lineCounter.linePos(range[0]).line;
    } else if (isSeq(parent) && typeof last === 'number') {
      const range = (parent.items[last] as { range?: [number, number, number] } | undefined)?.range;
      if (range) return lineCounter.linePos(range[0]).line;
    }
  }
  return undefined;
}

/**
 * kubectl reads YAML 1.1, where a bare `off` is the boolean false: `cache.mode: off` would be
 * rejected by the CRD. Files are read as YAML 1.2 here, so warn and suggest quoting.
 */
function kubernetesYamlHazards(
  doc: Document,
  resource: Resource,
  where: { file: string; document: number },
  lineCounter: LineCounter,
): ConfigProblem[] {
  if (resource.kind !== 'Index') return [];
  const node = doc.getIn(['spec', 'cache', 'mode'], true);
  if (!isScalar(node) || node.type !== 'PLAIN' || node.value !== 'off') return [];
  return [
    {
      severity: 'warning',
      ...where,
      ...(node.range ? { line: lineCounter.linePos(node.range[0]).line } : {}),
      kind: 'Index',
      name: resource.metadata.name,
      path: 'spec.cache.mode',
      message: 'write "off" in quotes: Kubernetes reads a bare off as the boolean false',
    },
  ];
}

function setProblems(resources: readonly ValidatedResource[]): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const seen = new Map<string, ValidatedResource>();
  let gateway: ValidatedResource | undefined;
  for (const entry of resources) {
    const { resource, source } = entry;
    const namespace = resource.metadata.namespace ?? DEFAULT_K8S_NAMESPACE;
    const key = `${resource.kind}/${namespace}/${resource.metadata.name}`;
    const base = {
      severity: 'error' as const,
      file: source.file,
      document: source.document,
      ...(source.line === undefined ? {} : { line: source.line }),
      kind: resource.kind,
      name: resource.metadata.name,
      path: 'metadata.name',
    };
    const first = seen.get(key);
    if (first !== undefined) {
      problems.push({
        ...base,
        message: `duplicates ${resource.kind} ${namespace}/${resource.metadata.name} from ${first.source.file} (document ${first.source.document})`,
      });
      continue;
    }
    seen.set(key, entry);
    if (resource.kind === 'GatewayConfig') {
      if (gateway === undefined) gateway = entry;
      else {
        problems.push({
          ...base,
          message: `only one GatewayConfig is allowed; GatewayConfig/${gateway.resource.metadata.name} is in ${gateway.source.file} (document ${gateway.source.document})`,
        });
      }
    }
  }
  return problems;
}
