/**
 * A problem found in a set of manifests, and its one-line rendering
 * `FILE: KIND/NAME: spec.path: message` (INTERFACES.md, `hevlayer validate`). The line is the
 * contract: tests assert it verbatim, so change it only on purpose.
 */

export type ProblemSeverity = 'error' | 'warning';

export interface ConfigProblem {
  readonly severity: ProblemSeverity;
  /** The file as the user named it (or as found in the config directory). */
  readonly file: string;
  /** 1-based position of the YAML document in its file. */
  readonly document?: number;
  /** 1-based line of the offending node, when known (not part of the rendered line). */
  readonly line?: number;
  readonly kind?: string;
  readonly name?: string;
  /** Field path such as `spec.scan.threads`; empty for a whole document. */
  readonly path: string;
  readonly message: string;
}

/** Where a resource came from. */
export interface SourceRef {
  readonly file: string;
  readonly document: number;
  readonly line?: number;
}

export function objectLabel(problem: Pick<ConfigProblem, 'kind' | 'name' | 'document'>): string {
  const where = `(document ${problem.document ?? 1})`;
  if (problem.kind === undefined) return where;
  return `${problem.kind}/${problem.name ?? where}`;
}

export function formatProblem(problem: ConfigProblem): string {
  const parts = [problem.file];
  // A file-level problem (unreadable file) names no document or object.
  if (problem.kind !== undefined || problem.document !== undefined) parts.push(objectLabel(problem));
  if (problem.path !== '') parts.push(problem.path);
  const message = problem.severity === 'warning' ? `warning: ${problem.message}` : problem.message;
  return `${parts.join(': ')}: ${message}`;
}

export function hasErrors(problems: readonly ConfigProblem[]): boolean {
  return problems.some((problem) => problem.severity === 'error');
}
