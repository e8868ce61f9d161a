/**
 * TypeBox JSON Schema → Kubernetes structural OpenAPI v3. The differences that matter:
 * - every node needs a `type`, so a union of string literals becomes `type: string` + `enum`;
 * - `additionalProperties: false` is not allowed (the API server prunes unknown fields instead),
 *   and maps are `additionalProperties: <value schema>` (label-key syntax moves into CEL);
 * - OpenAPI v3.0 spells an exclusive bound `minimum: n, exclusiveMinimum: true`;
 * - `uniqueItems: true` is forbidden; a set of scalars is `x-kubernetes-list-type: set`;
 * - a field with a default need not be required (the API server fills it in before validating).
 */

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/** A CEL string literal that needs no escaping (raw string; the patterns contain no quote). */
function celRaw(pattern: string): string {
  if (pattern.includes("'")) throw new Error(`pattern ${pattern} cannot be a raw CEL literal`);
  return `r'${pattern}'`;
}

function literalUnion(node: Json): Json | undefined {
  const options = node.anyOf;
  if (!Array.isArray(options) || options.length === 0) return undefined;
  const values: unknown[] = [];
  for (const option of options) {
    if (!isObject(option) || option.const === undefined) return undefined;
    values.push(option.const);
  }
  const types = new Set(values.map((v) => typeof v));
  if (types.size !== 1 || !types.has('string')) throw new Error('only string enums are supported in CRDs');
  const { anyOf: _anyOf, ...rest } = node;
  return { type: 'string', enum: values, ...rest };
}

export function toStructural(input: unknown): Json {
  if (!isObject(input)) throw new Error('schema node must be an object');
  const enumNode = literalUnion(input);
  if (enumNode !== undefined) return orderKeys(enumNode);
  const out: Json = {};
  const rules: unknown[] = Array.isArray(input['x-kubernetes-validations'])
    ? [...input['x-kubernetes-validations']]
    : [];
  for (const [key, value] of Object.entries(input)) {
    switch (key) {
      case 'properties':
        out.properties = Object.fromEntries(
          Object.entries(value as Json).map(([k, v]) => [k, toStructural(v)]),
        );
        break;
      case 'items':
        out.items = toStructural(value);
        break;
      case 'additionalProperties':
        if (isObject(value)) out.additionalProperties = toStructural(value);
        break;
      case 'patternProperties': {
        const entries = Object.entries(value as Json);
        const [pattern, valueSchema] = entries[0] ?? [];
        if (entries.length !== 1 || pattern === undefined)
          throw new Error('exactly one key pattern per map is supported');
        out.additionalProperties = toStructural(valueSchema);
        rules.push({
          rule: `self.all(k, k.matches(${celRaw(pattern)}))`,
          message: 'every key must be a valid label key',
        });
        break;
      }
      case 'exclusiveMinimum':
        out.minimum = value;
        out.exclusiveMinimum = true;
        break;
      case 'exclusiveMaximum':
        out.maximum = value;
        out.exclusiveMaximum = true;
        break;
      case 'uniqueItems':
        if (value === true) out['x-kubernetes-list-type'] = 'set';
        break;
      case 'const':
        out.enum = [value];
        break;
      case 'required': {
        const properties = (input.properties ?? {}) as Json;
        const required = (value as string[]).filter(
          (k) => !isObject(properties[k]) || properties[k].default === undefined,
        );
        if (required.length > 0) out.required = required;
        break;
      }
      case 'x-kubernetes-validations':
        break;
      default:
        out[key] = value;
    }
  }
  if (rules.length > 0) out['x-kubernetes-validations'] = rules;
  if (out.type === undefined)
    throw new Error(`schema node without a type: ${JSON.stringify(input).slice(0, 120)}`);
  return orderKeys(out);
}

const KEY_ORDER = [
  'description',
  'type',
  'format',
  'enum',
  'default',
  'minimum',
  'exclusiveMinimum',
  'maximum',
];

/** Stable, readable key order in the generated YAML: description and type first. */
function orderKeys(node: Json): Json {
  const rank = (key: string) => {
    const i = KEY_ORDER.indexOf(key);
    return i === -1 ? KEY_ORDER.length : i;
  };
  return Object.fromEntries(Object.entries(node).sort(([a], [b]) => rank(a) - rank(b)));
}
