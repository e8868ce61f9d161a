/**
 * Turns TypeBox's error iterator into stable, human messages such as
 * `spec.scan.threads: must be an integer >= 1, got 0`. TypeBox's own messages ("Expected integer to
 * be greater or equal to 1") name neither the rule in our words nor the value, and may change
 * between versions; ours are derived from the schema's `Expect` annotation and are part of the
 * contract. One message per field: the first error TypeBox reports for a path wins.
 */
import type { TSchema } from '@sinclair/typebox';
import { ValueErrorType, type ValueError } from '@sinclair/typebox/errors';
import { Value } from '@sinclair/typebox/value';
import { expectationOf } from './schema-kit.ts';

export interface FieldProblem {
  /** `spec.auth.apiKeys[0].keyEnv`. */
  readonly path: string;
  /** Path segments, for locating the YAML node. */
  readonly segments: readonly (string | number)[];
  readonly message: string;
}

export function schemaProblems(
  schema: TSchema,
  value: unknown,
  prefix: readonly string[] = [],
): FieldProblem[] {
  const seen = new Set<string>();
  const problems: FieldProblem[] = [];
  for (const error of Value.Errors(schema, value)) {
    const segments = [...prefix, ...segmentsOf(value, error.path)];
    const path = renderPath(segments);
    if (seen.has(path)) continue;
    seen.add(path);
    problems.push({ path, segments, message: messageFor(error) });
  }
  return problems;
}

function messageFor(error: ValueError): string {
  const schema = error.schema as TSchema & Record<string, unknown>;
  switch (error.type) {
    case ValueErrorType.ObjectRequiredProperty:
      return `is required (${expectation(schema)})`;
    case ValueErrorType.ObjectAdditionalProperties:
      return unknownField(schema, lastSegment(error.path));
    case ValueErrorType.ArrayUniqueItems:
      return `must not repeat items, got ${duplicateOf(error.value)} more than once`;
    case ValueErrorType.ArrayMaxItems:
      return `must have at most ${String(schema.maxItems)} items, got ${(error.value as unknown[]).length}`;
    case ValueErrorType.ObjectMaxProperties:
      return `must have at most ${String(schema.maxProperties)} entries, got ${Object.keys(error.value as object).length}`;
    default:
      return `must be ${expectation(schema)}, got ${describeValue(error.value)}`;
  }
}

function expectation(schema: TSchema & Record<string, unknown>): string {
  const annotated = expectationOf(schema);
  if (annotated !== undefined) return annotated;
  switch (schema.type) {
    case 'string':
      return typeof schema.maxLength === 'number'
        ? `a string of at most ${schema.maxLength} characters`
        : 'a string';
    case 'integer':
      return 'an integer';
    case 'number':
      return 'a number';
    case 'boolean':
      return 'true or false';
    case 'array':
      return 'a list';
    case 'object':
      return 'a mapping';
    default:
      return 'a valid value';
  }
}

function unknownField(objectSchema: Record<string, unknown>, key: string): string {
  if (objectSchema.patternProperties !== undefined) {
    return 'is not a valid label key (an optional DNS prefix and "/", then up to 63 letters, digits, "-", "_" or ".")';
  }
  const known = Object.keys((objectSchema.properties as Record<string, unknown> | undefined) ?? {});
  const suggestion = closest(key, known);
  if (suggestion !== undefined) return `unknown field (did you mean "${suggestion}"?)`;
  return known.length === 0 ? 'unknown field' : `unknown field (expected one of: ${known.join(', ')})`;
}

/** The known key a typo most likely meant: same letters ignoring case, or edit distance <= 2. */
export function closest(key: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const distance = candidate.toLowerCase() === key.toLowerCase() ? 0 : editDistance(key, candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return bestDistance <= Math.min(2, Math.max(1, Math.floor(key.length / 3))) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

function duplicateOf(value: unknown): string {
  const items = Array.isArray(value) ? value : [];
  const seen = new Set<string>();
  for (const item of items) {
    const key = JSON.stringify(item);
    if (seen.has(key)) return describeValue(item);
    seen.add(key);
  }
  return 'an item';
}

/** How a value appears in a message: scalars verbatim (strings quoted), containers by shape. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return value.length === 0 ? 'an empty list' : 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') {
    // A mistyped URL may carry a password (redis://:secret@host): it must not reach the message.
    const text = value.replace(/(\/\/[^/@\s]*?:)[^/@\s]*@/g, '$1***@');
    return text.length > 40
      ? `${JSON.stringify(text.slice(0, 40))}… (${text.length} characters)`
      : JSON.stringify(text);
  }
  return String(value);
}

function decodePointerSegment(segment: string): string {
  return segment.replaceAll('~1', '/').replaceAll('~0', '~');
}

function lastSegment(pointer: string): string {
  return decodePointerSegment(pointer.slice(pointer.lastIndexOf('/') + 1));
}

/** Pointer segments, with array positions as numbers (decided by walking the value). */
function segmentsOf(root: unknown, pointer: string): (string | number)[] {
  if (pointer === '') return [];
  const segments: (string | number)[] = [];
  let node: unknown = root;
  for (const raw of pointer.slice(1).split('/')) {
    const key = decodePointerSegment(raw);
    if (Array.isArray(node)) {
      segments.push(Number(key));
      node = node[Number(key)];
    } else {
      segments.push(key);
      node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined;
    }
  }
  return segments;
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;

/** `spec.auth.apiKeys[0].keyEnv`, `spec.metadata.labels["app.kubernetes.io/name"]`. */
export function renderPath(segments: readonly (string | number)[]): string {
  let out = '';
  for (const segment of segments) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (IDENTIFIER.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

/** The inverse of renderPath for the paths rules write (`a.b[0].c`, `labels["x/y"]`). */
export function pathSegments(path: string): (string | number)[] {
  const segments: (string | number)[] = [];
  for (const match of path.matchAll(/([^.[\]]+)|\[(\d+)\]|\["((?:[^"\\]|\\.)*)"\]/g)) {
    if (match[1] !== undefined) segments.push(match[1]);
    else if (match[2] !== undefined) segments.push(Number(match[2]));
    else if (match[3] !== undefined) segments.push(JSON.parse(`"${match[3]}"`) as string);
  }
  return segments;
}
