/**
 * The three kinds: the document schema of each (apiVersion, kind, metadata, spec, status) and its
 * cross-field rules. Adding a kind means adding an entry here; validate.ts and crd.ts read this
 * table and nothing else.
 */
import { Type, type TObject, type TSchema } from '@sinclair/typebox';
import {
  GatewayConfigSpecSchema,
  GatewayConfigStatusSchema,
  type GatewayConfigResource,
} from './gateway-config-schema.ts';
import { IndexSpecSchema, IndexStatusSchema, type IndexResource } from './index-schema.ts';
import { API_VERSION, ObjectMetaSchema } from './meta.ts';
import { gatewayConfigRules, indexRules, vectorStoreRules, type RuleProblem } from './validate-rules.ts';
import {
  VectorStoreSpecSchema,
  VectorStoreStatusSchema,
  type VectorStoreResource,
} from './vector-store-schema.ts';

export type Resource = IndexResource | VectorStoreResource | GatewayConfigResource;
export type ResourceKind = Resource['kind'];

export interface KindDefinition {
  readonly kind: ResourceKind;
  /** The whole document as a file may hold it (status accepted and ignored). */
  readonly documentSchema: TObject;
  readonly specSchema: TObject;
  /** Present for kinds that have a CRD. */
  readonly statusSchema?: TSchema;
  readonly rules: (resource: Resource) => RuleProblem[];
}

function documentSchema(kind: ResourceKind, spec: TObject, specRequired: boolean): TObject {
  return Type.Object(
    {
      apiVersion: Type.Literal(API_VERSION),
      kind: Type.Literal(kind),
      metadata: ObjectMetaSchema,
      spec: specRequired ? spec : Type.Optional(spec),
      // A manifest exported from a cluster carries status; files never set it.
      status: Type.Optional(Type.Unknown()),
    },
    { additionalProperties: false },
  );
}

export const KINDS: ReadonlyMap<ResourceKind, KindDefinition> = new Map<ResourceKind, KindDefinition>([
  [
    'Index',
    {
      kind: 'Index',
      documentSchema: documentSchema('Index', IndexSpecSchema, false),
      specSchema: IndexSpecSchema,
      statusSchema: IndexStatusSchema,
      rules: (resource) => indexRules(resource as IndexResource),
    },
  ],
  [
    'VectorStore',
    {
      kind: 'VectorStore',
      documentSchema: documentSchema('VectorStore', VectorStoreSpecSchema, true),
      specSchema: VectorStoreSpecSchema,
      statusSchema: VectorStoreStatusSchema,
      rules: (resource) => vectorStoreRules((resource as VectorStoreResource).spec),
    },
  ],
  [
    'GatewayConfig',
    {
      kind: 'GatewayConfig',
      documentSchema: documentSchema('GatewayConfig', GatewayConfigSpecSchema, false),
      specSchema: GatewayConfigSpecSchema,
      statusSchema: GatewayConfigStatusSchema,
      rules: (resource) => gatewayConfigRules((resource as GatewayConfigResource).spec),
    },
  ],
]);

export const KIND_NAMES: readonly ResourceKind[] = [...KINDS.keys()];
