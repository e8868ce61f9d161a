/**
 * Builders for the resource schemas. Every field is built here so that three consumers read the
 * same facts: TypeBox validation, the human error formatter (via the `Expect` annotation: what a
 * valid value looks like, in words), and the CRD/doc generators (JSON Schema keywords plus our
 * `x-kubernetes-*` extensions). The annotation is a symbol so it never leaks into generated YAML.
 */
import {
  Type,
  type SchemaOptions,
  type TArray,
  type TBoolean,
  type TInteger,
  type TLiteral,
  type TNumber,
  type TObject,
  type TProperties,
  type TRecord,
  type TSchema,
  type TString,
  type TUnion,
} from '@sinclair/typebox';
import { DELAY_PATTERN, DURATION_PATTERN, RETENTION_PATTERN } from './duration.ts';

/** What a valid value looks like, in words ("an integer >= 1"). */
export const Expect: unique symbol = Symbol.for('hevlayer.expect');

/** A CEL rule for the CRD (`x-kubernetes-validations`); the TS validator has its own rules. */
export interface CelRule {
  readonly rule: string;
  readonly message: string;
  readonly fieldPath?: string;
  readonly reason?:
    'FieldValueInvalid' | 'FieldValueForbidden' | 'FieldValueRequired' | 'FieldValueDuplicate';
}

export interface FieldOptions extends SchemaOptions {
  readonly description: string;
  readonly 'x-kubernetes-validations'?: readonly CelRule[];
}

export function expectationOf(schema: TSchema): string | undefined {
  return (schema as unknown as Record<symbol, string | undefined>)[Expect];
}

function annotate<T extends TSchema>(schema: T, expectation: string): T {
  (schema as unknown as Record<symbol, string>)[Expect] = expectation;
  return schema;
}

export const K8S_NAME_PATTERN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';
export const K8S_LABEL_PATTERN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';
export const ENV_VAR_PATTERN = '^[A-Za-z_][A-Za-z0-9_]*$';
/** Label keys: an optional DNS prefix and a name (Kubernetes label syntax). */
export const LABEL_KEY_PATTERN =
  '^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$';
export const LABEL_VALUE_PATTERN = '^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$';

export function strictObject<T extends TProperties>(properties: T, options: FieldOptions): TObject<T> {
  return annotate(Type.Object(properties, { ...options, additionalProperties: false }), 'a mapping');
}

/** An object that is created with its own defaults when absent. */
export function defaultedObject<T extends TProperties>(properties: T, options: FieldOptions): TObject<T> {
  return strictObject(properties, { ...options, default: {} });
}

export function text(options: FieldOptions & { minLength?: number; maxLength?: number }): TString {
  const max = options.maxLength === undefined ? '' : ` of at most ${options.maxLength} characters`;
  return annotate(Type.String({ minLength: 1, ...options }), `a non-empty string${max}`);
}

export function patterned(
  pattern: string,
  expectation: string,
  options: FieldOptions & { maxLength?: number },
): TString {
  return annotate(Type.String({ ...options, pattern }), expectation);
}

export function k8sName(options: FieldOptions): TString {
  return patterned(K8S_NAME_PATTERN, 'a lowercase DNS name (a-z, 0-9, "-" and ".", at most 253 characters)', {
    maxLength: 253,
    ...options,
  });
}

export function envVarName(options: FieldOptions): TString {
  return patterned(ENV_VAR_PATTERN, 'an environment variable name ([A-Za-z_][A-Za-z0-9_]*)', {
    maxLength: 256,
    ...options,
  });
}

export function duration(options: FieldOptions): TString {
  return patterned(DURATION_PATTERN, 'a duration such as 30s, 5m, 24h or 30d', { maxLength: 8, ...options });
}

export function delay(options: FieldOptions): TString {
  return patterned(DELAY_PATTERN, 'a duration such as 5s or 1m, or 0s', { maxLength: 8, ...options });
}

export function retention(options: FieldOptions): TString {
  return patterned(RETENTION_PATTERN, '"never" or a duration such as 30d', { maxLength: 8, ...options });
}

export function integer(options: FieldOptions & { minimum: number; maximum?: number }): TInteger {
  const words =
    options.maximum === undefined
      ? `an integer >= ${options.minimum}`
      : `an integer between ${options.minimum} and ${options.maximum}`;
  return annotate(Type.Integer(options), words);
}

export function positiveNumber(options: FieldOptions & { maximum: number }): TNumber {
  return annotate(Type.Number({ ...options, exclusiveMinimum: 0 }), `a number > 0 and <= ${options.maximum}`);
}

export function boolean(options: FieldOptions): TBoolean {
  return annotate(Type.Boolean(options), 'true or false');
}

export function stringEnum<const V extends readonly [string, ...string[]]>(
  values: V,
  options: FieldOptions,
): TUnion<TLiteral<V[number]>[]> {
  const literals = values.map((value) => Type.Literal(value as V[number]));
  return annotate(Type.Union(literals, options), `one of ${values.join(', ')}`);
}

export function list<T extends TSchema>(
  items: T,
  options: FieldOptions & { maxItems?: number; uniqueItems?: boolean },
): TArray<T> {
  return annotate(Type.Array(items, options), 'a list');
}

export function labelMap(options: FieldOptions & { maxProperties?: number }): TRecord<TString, TString> {
  const value = patterned(
    LABEL_VALUE_PATTERN,
    'a label value (at most 63 characters: letters, digits, "-", "_" and ".", starting and ending alphanumeric)',
    { description: 'label value', maxLength: 63 },
  );
  const record = Type.Record(Type.String({ pattern: LABEL_KEY_PATTERN }), value, {
    ...options,
    additionalProperties: false,
  });
  return annotate(record, 'a mapping of label keys to label values');
}
