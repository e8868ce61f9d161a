/**
 * Cross-namespace writes (`copy_from_namespace`, `branch_from_namespace`, turbopuffer API §4.7/4.8):
 * reading the source a write names, and writing the resolved one back. The name a client sends is
 * an Index name; the gateway authorizes it and resolves it to upstream namespaces
 * (gateway/copy-source.ts), and the shards layer writes each shard's source namespace into the body
 * (shards/copy-plan.ts). Credentials for another store are the gateway's to fill, never the
 * client's (docs/adr/gateway-auth-and-telemetry.md "Cross-namespace writes").
 */
import { invalid } from '../wire/errors.ts';
import { isRecord } from '../wire/guards.ts';
import { isNamespaceName } from '../wire/namespace-name.ts';
import { DOCUMENT_FIELDS, SOURCE_FIELDS } from '../wire/write-fields.ts';

export type SourceField = (typeof SOURCE_FIELDS)[number];

const FIELDS: readonly SourceField[] = SOURCE_FIELDS;

/** Object-form keys a client may send besides `source_namespace`, per field (SDK params). */
const CLIENT_KEYS: Readonly<Record<SourceField, readonly string[]>> = {
  copy_from_namespace: ['dest_encryption'],
  branch_from_namespace: [],
};

/** Where the source lives: for the gateway to fill, never the client (they would bypass the Index). */
const GATEWAY_KEYS = ['source_api_key', 'source_region'];

/** The source a write names, as the client sent it (an Index name). */
export interface NamedSource {
  readonly field: SourceField;
  readonly name: string;
  /** The client's form, kept on the way upstream. */
  readonly form: 'string' | 'object';
  /** Object-form keys passed through as sent (`dest_encryption`). */
  readonly options: Readonly<Record<string, unknown>>;
}

/** What the gateway fills in for a source on another turbopuffer store. */
export interface SourceAccess {
  readonly source_api_key?: string;
  readonly source_region?: string;
}

/** A source resolved by the gateway: the Index it names and that Index's upstream namespaces. */
export interface ResolvedSource extends NamedSource {
  /** The source Index's upstream namespaces: shard i is `namespaces[i]`. */
  readonly namespaces: readonly string[];
  readonly access: SourceAccess;
}

/**
 * The source a write body names, or undefined when it names none. Throws a 400 on a malformed
 * source, on client-supplied credentials, on both fields at once, and on a source combined with
 * documents or schema changes.
 */
export function namedSource(body: unknown): NamedSource | undefined {
  if (!isRecord(body)) return undefined;
  const present = FIELDS.filter((field) => field in body);
  const [field] = present;
  if (field === undefined) return undefined;
  if (present.length > 1) {
    throw invalid('a write may name copy_from_namespace or branch_from_namespace, not both');
  }
  const mixed = DOCUMENT_FIELDS.filter((key) => body[key] !== undefined);
  if (mixed.length > 0) {
    throw invalid(
      `${field} fills an empty namespace and cannot be combined with ${mixed.join(', ')} in one write; ` +
        'send the documents in a later write',
    );
  }
  const value = body[field];
  if (typeof value === 'string')
    return { field, name: checkedName(field, value), form: 'string', options: {} };
  if (!isRecord(value)) {
    throw invalid(
      `${field} must be an Index name (a string) or {"source_namespace": "<Index name>"}, got ${describe(value)}`,
    );
  }
  const options: Record<string, unknown> = {};
  for (const [key, option] of Object.entries(value)) {
    if (key === 'source_namespace') continue;
    if (GATEWAY_KEYS.includes(key)) {
      throw invalid(
        `${field}.${key} is not accepted from clients: the source is a declared Index, and when it lives on ` +
          "another VectorStore the gateway sends that store's own credentials and region",
      );
    }
    if (!CLIENT_KEYS[field].includes(key)) throw invalid(`unknown field ${JSON.stringify(key)} in ${field}`);
    options[key] = option;
  }
  if (typeof value.source_namespace !== 'string') {
    throw invalid(`${field}.source_namespace must be an Index name (a string)`);
  }
  return {
    field,
    name: checkedName(`${field}.source_namespace`, value.source_namespace),
    form: 'object',
    options,
  };
}

function checkedName(where: string, name: string): string {
  if (!isNamespaceName(name)) {
    throw invalid(
      `${where} ${JSON.stringify(name)} is not a valid Index name: must match [A-Za-z0-9-_.]{1,128}`,
    );
  }
  return name;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  return Array.isArray(value) ? 'an array' : `a ${typeof value}`;
}

/**
 * The write body with the source replaced by `namespace` (one of the source's upstream namespaces)
 * and the gateway's access fields added. The client's form is kept unless access fields need the
 * object form.
 */
export function withSourceNamespace(
  body: Readonly<Record<string, unknown>>,
  source: ResolvedSource,
  namespace: string,
): Record<string, unknown> {
  const objectForm = source.form === 'object' || Object.keys(source.access).length > 0;
  return {
    ...body,
    [source.field]: objectForm
      ? { source_namespace: namespace, ...source.options, ...source.access }
      : namespace,
  };
}
