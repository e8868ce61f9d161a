/**
 * Applies schema defaults: a missing field gets a copy of its `default`, then defaults inside it
 * apply too. Hand-written instead of TypeBox's Value.Default on purpose: Value.Default merges an
 * object default into any "object", arrays included, so `spec: []` silently became `spec: {}`
 * (and `facetFields: {a: 1}` an array). Here a value of the wrong shape is left alone for the
 * validator to report.
 */
import type { TSchema } from '@sinclair/typebox';

type Json = Record<string, unknown>;

const isPlainObject = (value: unknown): value is Json =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

export function applyDefaults(schema: TSchema, value: unknown): unknown {
  const node = schema as TSchema & Json;
  const current = value === undefined && node.default !== undefined ? structuredClone(node.default) : value;
  if (isPlainObject(current)) {
    const properties = node.properties as Record<string, TSchema> | undefined;
    if (properties !== undefined) {
      const out: Json = { ...current };
      for (const [key, child] of Object.entries(properties)) {
        const next = applyDefaults(child, out[key]);
        if (next !== undefined) out[key] = next;
      }
      return out;
    }
    const patterns = node.patternProperties as Record<string, TSchema> | undefined;
    const valueSchema = patterns === undefined ? undefined : Object.values(patterns)[0];
    if (valueSchema !== undefined) {
      return Object.fromEntries(Object.entries(current).map(([k, v]) => [k, applyDefaults(valueSchema, v)]));
    }
    return current;
  }
  if (Array.isArray(current) && node.items !== undefined && !Array.isArray(node.items)) {
    return current.map((item) => applyDefaults(node.items as TSchema, item));
  }
  return current;
}
