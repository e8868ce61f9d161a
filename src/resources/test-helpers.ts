/**
 * Test helpers for the resource model: build manifests as plain objects, run them through the
 * same validation `serve` and `validate` use, and read back the rendered problem lines.
 */
import { stringify } from 'yaml';
import type { Resource } from './kinds.ts';
import { validateManifestSet } from './manifests.ts';
import { formatProblem } from './problems.ts';

export const FILE = 'm.yaml';

export function manifest(
  kind: string,
  spec: unknown,
  name = 'x',
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    apiVersion: 'hevlayer.com/v1',
    kind,
    metadata: { name },
    ...(spec === undefined ? {} : { spec }),
    ...extra,
  };
}

export const LOCAL_STORE = { provider: 'local' };
export const TPUF_STORE = {
  provider: 'turbopuffer',
  turbopuffer: { region: 'gcp-us-central1', apiKeyEnv: 'TPUF_KEY' },
};

/** Problem lines for one or more documents written to one file. */
export function problemLines(...docs: unknown[]): string[] {
  const text = docs.map((d) => stringify(d, { version: '1.1' })).join('---\n');
  return validateManifestSet([{ file: FILE, text }]).problems.map(formatProblem);
}

export function problemLinesOfText(text: string, file = FILE): string[] {
  return validateManifestSet([{ file, text }]).problems.map(formatProblem);
}

/** The single valid resource of a document; throws with the problem lines otherwise. */
export function validResource(doc: unknown): Resource {
  const result = validateManifestSet([{ file: FILE, text: stringify(doc, { version: '1.1' }) }]);
  const resource = result.resources[0]?.resource;
  if (!result.valid || resource === undefined) {
    throw new Error(`expected valid, got:\n${result.problems.map(formatProblem).join('\n')}`);
  }
  return resource;
}

/** Reads a dotted path (`spec.cache.mode`) from a value. */
export function at(value: unknown, path: string): unknown {
  return path
    .split('.')
    .reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], value);
}

/** Builds `{a: {b: value}}` from `a.b`. */
export function nested(path: string, value: unknown): Record<string, unknown> {
  return path
    .split('.')
    .reverse()
    .reduce<unknown>((inner, key) => ({ [key]: inner }), value) as Record<string, unknown>;
}

/** Deep merge of plain objects (right wins), for composing test specs. */
export function merge(a: unknown, b: unknown): unknown {
  if (
    a === null ||
    b === null ||
    typeof a !== 'object' ||
    typeof b !== 'object' ||
    Array.isArray(a) ||
    Array.isArray(b)
  )
    return b;
  const out: Record<string, unknown> = { ...(a as Record<string, unknown>) };
  for (const [k, v] of Object.entries(b as Record<string, unknown>)) out[k] = merge(out[k], v);
  return out;
}
