/**
 * Validates one parsed manifest document: kind and apiVersion, then the kind's schema with
 * defaults applied, then its cross-field rules. Returns the resource with every schema default
 * filled, or the problems. This is the only place config is checked; nothing downstream
 * re-validates by hand.
 */
import { isRecord } from '../wire/guards.ts';
import { applyDefaults } from './defaults.ts';
import { closest, describeValue, pathSegments, schemaProblems } from './error-format.ts';
import { KINDS, KIND_NAMES, type Resource, type ResourceKind } from './kinds.ts';
import { API_VERSION } from './meta.ts';
import type { ConfigProblem, SourceRef } from './problems.ts';

export interface ValidationResult {
  /** Present when the document has no errors (warnings allowed). */
  readonly resource?: Resource;
  readonly problems: ConfigProblem[];
}

export interface DocumentContext extends SourceRef {
  /** Line of the node at a path (or of its nearest existing parent), for problem records. */
  readonly locate?: (segments: readonly (string | number)[]) => number | undefined;
}

type Raw = Record<string, unknown>;

export function validateDocument(raw: unknown, ctx: DocumentContext): ValidationResult {
  const problems: ConfigProblem[] = [];
  const kindText = isRecord(raw) && typeof raw.kind === 'string' ? raw.kind : undefined;
  const metadata = isRecord(raw) && isRecord(raw.metadata) ? raw.metadata : undefined;
  const name = typeof metadata?.name === 'string' && metadata.name !== '' ? metadata.name : undefined;
  const report = (
    path: string,
    message: string,
    segments: readonly (string | number)[] = [],
    severity: 'error' | 'warning' = 'error',
  ) => {
    const line = ctx.locate?.(segments) ?? ctx.line;
    problems.push({
      severity,
      file: ctx.file,
      document: ctx.document,
      ...(line === undefined ? {} : { line }),
      ...(kindText === undefined ? {} : { kind: kindText }),
      ...(name === undefined ? {} : { name }),
      path,
      message,
    });
  };

  if (!isRecord(raw)) {
    report('', `must be a mapping with apiVersion, kind, metadata and spec, got ${describeValue(raw)}`);
    return { problems };
  }
  const definition = kindText === undefined ? undefined : KINDS.get(kindText as ResourceKind);
  if (definition === undefined) {
    if (raw.kind === undefined) report('kind', `is required (one of ${KIND_NAMES.join(', ')})`, ['kind']);
    else if (kindText === undefined)
      report('kind', `must be one of ${KIND_NAMES.join(', ')}, got ${describeValue(raw.kind)}`, ['kind']);
    else {
      const guess = closest(kindText, KIND_NAMES);
      const hint =
        guess === undefined ? `expected one of ${KIND_NAMES.join(', ')}` : `did you mean ${guess}?`;
      report('kind', `unknown kind "${kindText}" (${hint})`, ['kind']);
    }
    return { problems };
  }
  if (raw.apiVersion !== API_VERSION) {
    const got = raw.apiVersion === undefined ? 'nothing' : describeValue(raw.apiVersion);
    report('apiVersion', `must be ${API_VERSION}, got ${got}`, ['apiVersion']);
    return { problems };
  }

  const aliasProblems = definition.kind === 'Index' ? facetFieldsAlias(raw) : [];
  for (const p of aliasProblems) report(p.path, p.message, pathSegments(p.path), p.severity);
  const value = applyDefaults(definition.documentSchema, raw);
  for (const p of schemaProblems(definition.documentSchema, value)) report(p.path, p.message, p.segments);
  if (problems.some((p) => p.severity === 'error')) return { problems: inLineOrder(problems) };

  const resource = finish(value as Resource);
  for (const p of definition.rules(resource))
    report(p.path, p.message, pathSegments(p.path), p.severity ?? 'error');
  if (problems.some((p) => p.severity === 'error')) return { problems: inLineOrder(problems) };
  return { resource, problems: inLineOrder(problems) };
}

/** Problems of one document in the order their lines appear (stable for equal lines). */
function inLineOrder(problems: ConfigProblem[]): ConfigProblem[] {
  return [...problems].sort((a, b) => (a.line ?? Infinity) - (b.line ?? Infinity));
}

/**
 * The seed example writes `spec.facetFields`; the seed table says `spec.snapshot.facetFields`.
 * Both are accepted; the alias earns a warning, and two different lists are an error.
 */
function facetFieldsAlias(raw: Raw): { path: string; message: string; severity: 'error' | 'warning' }[] {
  const spec = isRecord(raw.spec) ? raw.spec : undefined;
  if (spec?.facetFields === undefined) return [];
  const snapshot = isRecord(spec.snapshot) ? spec.snapshot : undefined;
  if (
    snapshot?.facetFields !== undefined &&
    JSON.stringify(snapshot.facetFields) !== JSON.stringify(spec.facetFields)
  ) {
    return [
      {
        path: 'spec.facetFields',
        message:
          'conflicts with spec.snapshot.facetFields (spec.facetFields is a deprecated alias); keep only spec.snapshot.facetFields',
        severity: 'error',
      },
    ];
  }
  return [
    {
      path: 'spec.facetFields',
      message: 'is deprecated; move the list to spec.snapshot.facetFields',
      severity: 'warning',
    },
  ];
}

/** Moves the alias into place and drops file-only noise (status is never read from files). */
function finish(resource: Resource): Resource {
  const { status: _status, ...rest } = resource as Resource & { status?: unknown };
  if (rest.kind !== 'Index') return rest;
  const { facetFields, ...spec } = rest.spec as typeof rest.spec & { facetFields?: string[] };
  if (facetFields === undefined) return rest;
  return { ...rest, spec: { ...spec, snapshot: { ...spec.snapshot, facetFields } } };
}
