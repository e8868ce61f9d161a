/**
 * The field reference tables of docs/configuration.md, generated from the schemas (so the doc
 * cannot drift: reference-doc.test.ts compares). Regenerate with
 *   npx tsx src/resources/reference-doc.ts docs/configuration.md
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import type { TSchema } from '@sinclair/typebox';
import { KINDS, type ResourceKind } from './kinds.ts';
import { expectationOf } from './schema-kit.ts';

type Json = Record<string, unknown>;

interface Row {
  readonly path: string;
  readonly schema: TSchema & Json;
  readonly required: boolean;
}

function rows(schema: TSchema & Json, prefix: string, out: Row[]): Row[] {
  const properties = (schema.properties ?? {}) as Record<string, TSchema & Json>;
  const required = new Set((schema.required as string[] | undefined) ?? []);
  for (const [key, child] of Object.entries(properties)) {
    const path = prefix === '' ? key : `${prefix}.${key}`;
    out.push({ path, schema: child, required: required.has(key) && child.default === undefined });
    if (child.type === 'object' && child.properties !== undefined) rows(child, path, out);
    const items = child.items as (TSchema & Json) | undefined;
    if (child.type === 'array' && items?.type === 'object') rows(items, `${path}[]`, out);
  }
  return out;
}

const cell = (text: string) => text.replaceAll('|', '\\|').replaceAll('\n', ' ');

function defaultText(row: Row): string {
  if (row.schema.default !== undefined) {
    const value = row.schema.default;
    if (typeof value === 'object' && value !== null && Object.keys(value).length === 0)
      return Array.isArray(value) ? '`[]`' : '`{}`';
    return `\`${typeof value === 'string' && value !== '' ? value : JSON.stringify(value)}\``;
  }
  return row.required ? 'required' : '—';
}

function valuesText(schema: TSchema & Json): string {
  if (schema.type === 'array') {
    const limits = [
      typeof schema.maxItems === 'number' ? `at most ${schema.maxItems}` : undefined,
      schema.uniqueItems === true ? 'no repeats' : undefined,
    ].filter((x) => x !== undefined);
    const items = valuesText(schema.items as TSchema & Json).replace(/^an? /, '');
    return `list of: ${items}${limits.length > 0 ? ` (${limits.join(', ')})` : ''}`;
  }
  const expectation = expectationOf(schema) ?? (schema.type as string | undefined) ?? '';
  return expectation === 'a mapping' ? 'mapping' : expectation;
}

export function renderFieldTable(kind: ResourceKind): string {
  const definition = KINDS.get(kind);
  if (definition === undefined) throw new Error(kind);
  const lines = ['| field | default | values | meaning |', '|---|---|---|---|'];
  for (const row of rows(definition.specSchema as TSchema & Json, '', [])) {
    const description = (row.schema.description as string | undefined) ?? '';
    lines.push(
      `| \`spec.${row.path}\` | ${defaultText(row)} | ${cell(valuesText(row.schema))} | ${cell(description)} |`,
    );
  }
  return lines.join('\n');
}

const marker = (kind: string, end: boolean) => `<!-- ${end ? 'END' : 'BEGIN'} GENERATED ${kind} fields -->`;

/** The document with every generated block replaced by the current tables. */
export function updateReference(doc: string): string {
  let out = doc;
  for (const kind of KINDS.keys()) {
    const begin = marker(kind, false);
    const end = marker(kind, true);
    const from = out.indexOf(begin);
    const to = out.indexOf(end);
    if (from === -1 || to === -1) throw new Error(`missing ${begin} … ${end}`);
    out = `${out.slice(0, from + begin.length)}\n${renderFieldTable(kind)}\n${out.slice(to)}`;
  }
  return out;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const file = process.argv[2] ?? 'docs/configuration.md';
  writeFileSync(file, updateReference(readFileSync(file, 'utf8')));
}
