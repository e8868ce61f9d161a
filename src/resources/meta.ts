/**
 * What every hevlayer resource shares: the API group and version, Kubernetes-style object metadata,
 * and the metav1.Condition shape used in status. Metadata accepts the fields the API server adds
 * (so `kubectl get -o yaml` output validates) but nothing else: a typo there is an error too.
 */
import { Type, type Static } from '@sinclair/typebox';
import { K8S_LABEL_PATTERN, k8sName, labelMap, patterned, strictObject } from './schema-kit.ts';

export const GROUP = 'hevlayer.com';
export const VERSION = 'v1';
export const API_VERSION = `${GROUP}/${VERSION}`;
/** The Kubernetes namespace of a resource that names none (file mode). */
export const DEFAULT_K8S_NAMESPACE = 'default';

const serverField = (description: string) => Type.Optional(Type.Unknown({ description }));

export const ObjectMetaSchema = strictObject(
  {
    name: k8sName({ description: 'Object name, unique per kind and Kubernetes namespace.' }),
    namespace: Type.Optional(
      patterned(K8S_LABEL_PATTERN, 'a Kubernetes namespace name (a-z, 0-9 and "-", at most 63 characters)', {
        description: 'Kubernetes namespace; "default" when absent.',
        maxLength: 63,
      }),
    ),
    labels: Type.Optional(labelMap({ description: 'Kubernetes labels.' })),
    annotations: Type.Optional(
      Type.Record(Type.String(), Type.String(), { description: 'Kubernetes annotations.' }),
    ),
    generation: Type.Optional(Type.Integer({ minimum: 0, description: 'Set by the API server.' })),
    uid: serverField('Set by the API server.'),
    resourceVersion: serverField('Set by the API server.'),
    creationTimestamp: serverField('Set by the API server.'),
    deletionTimestamp: serverField('Set by the API server.'),
    deletionGracePeriodSeconds: serverField('Set by the API server.'),
    finalizers: serverField('Set by controllers.'),
    ownerReferences: serverField('Set by controllers.'),
    managedFields: serverField('Set by the API server.'),
  },
  { description: 'Standard object metadata.' },
);
export type ObjectMeta = Static<typeof ObjectMetaSchema>;

export const ConditionSchema = Type.Object(
  {
    type: Type.String({
      description: 'CamelCase condition type, e.g. Ready, StoreResolved.',
      maxLength: 316,
    }),
    status: Type.Union([Type.Literal('True'), Type.Literal('False'), Type.Literal('Unknown')], {
      description: 'True, False or Unknown.',
    }),
    reason: Type.String({ description: 'CamelCase reason for the last transition.', maxLength: 1024 }),
    message: Type.String({ description: 'Human-readable detail.', maxLength: 32768 }),
    lastTransitionTime: Type.String({ format: 'date-time', description: 'When status last changed.' }),
    observedGeneration: Type.Optional(
      Type.Integer({ minimum: 0, description: 'metadata.generation this condition was computed from.' }),
    ),
  },
  { description: 'A metav1.Condition.' },
);
export type Condition = Static<typeof ConditionSchema>;
export type ConditionStatus = Condition['status'];
