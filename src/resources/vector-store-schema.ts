/**
 * The VectorStore resource: one backend connection (INTERFACES.md "Manifests"). The seed only says
 * the backend connection lives here; the shape is ours. Provider blocks are optional in the schema
 * and made mandatory/exclusive by rules (validate-rules.ts for files, CEL for the CRD), because a
 * structural schema cannot express "exactly one of".
 */
import { Type, type Static } from '@sinclair/typebox';
import { ConditionSchema, type ObjectMeta } from './meta.ts';
import {
  boolean,
  defaultedObject,
  duration,
  envVarName,
  integer,
  k8sName,
  patterned,
  strictObject,
  stringEnum,
  text,
} from './schema-kit.ts';

export const STORE_PROVIDERS = ['turbopuffer', 'local'] as const;
export type StoreProvider = (typeof STORE_PROVIDERS)[number];

export const SecretKeyRefSchema = strictObject(
  {
    name: k8sName({ description: 'Secret name (same Kubernetes namespace).' }),
    key: patterned('^[-._a-zA-Z0-9]+$', 'a Secret data key ([-._a-zA-Z0-9]+)', {
      description: 'Key inside the Secret.',
      maxLength: 253,
    }),
  },
  { description: 'A key of a Kubernetes Secret.' },
);

export const VectorStoreSpecSchema = strictObject(
  {
    provider: stringEnum(STORE_PROVIDERS, {
      description: 'turbopuffer: the real upstream over HTTP; local: the embedded engine.',
    }),
    default: boolean({
      description: "Marks the Kubernetes namespace's default store, used by Indexes without storeRef.",
      default: false,
    }),
    turbopuffer: Type.Optional(
      strictObject(
        {
          region: Type.Optional(
            patterned('^[a-z0-9][a-z0-9-]*$', 'a region name such as gcp-us-central1', {
              description: 'turbopuffer region (https://<region>.turbopuffer.com). Exclusive with baseURL.',
              maxLength: 63,
            }),
          ),
          baseURL: Type.Optional(
            patterned('^https?://[^\\s/?#]+(/[^\\s?#]*)?$', 'an http(s) URL without query or fragment', {
              description: 'Explicit base URL (e.g. a proxy or a test server). Exclusive with region.',
              maxLength: 2048,
            }),
          ),
          apiKeySecretRef: Type.Optional(SecretKeyRefSchema),
          apiKeyEnv: Type.Optional(
            envVarName({
              description:
                'Environment variable holding the API key (file mode). Exclusive with apiKeySecretRef.',
            }),
          ),
        },
        {
          description: 'Settings for provider: turbopuffer.',
          'x-kubernetes-validations': [
            {
              rule: 'has(self.region) != has(self.baseURL)',
              message: 'set exactly one of region or baseURL',
            },
            {
              rule: 'has(self.apiKeySecretRef) != has(self.apiKeyEnv)',
              message: 'set exactly one of apiKeySecretRef or apiKeyEnv',
            },
          ],
        },
      ),
    ),
    local: Type.Optional(
      strictObject(
        {
          path: Type.Optional(
            text({
              description:
                'Data directory; relative paths resolve against --data. Default: data/<store name>.',
              maxLength: 4096,
            }),
          ),
        },
        { description: 'Settings for provider: local.' },
      ),
    ),
    limits: defaultedObject(
      {
        maxConcurrency: integer({
          description: 'Max concurrent requests to this store.',
          minimum: 1,
          maximum: 100000,
          default: 64,
        }),
        timeout: duration({ description: 'Per-request timeout.', default: '30s' }),
      },
      { description: 'Client-side limits.' },
    ),
  },
  {
    description: 'VectorStore spec.',
    'x-kubernetes-validations': [
      {
        rule: "self.provider != 'turbopuffer' || has(self.turbopuffer)",
        message: 'provider turbopuffer needs spec.turbopuffer',
      },
      {
        rule: "self.provider == 'turbopuffer' || !has(self.turbopuffer)",
        message: 'spec.turbopuffer is only allowed with provider turbopuffer',
      },
      {
        rule: "self.provider == 'local' || !has(self.local)",
        message: 'spec.local is only allowed with provider local',
      },
    ],
  },
);
export type VectorStoreSpec = Static<typeof VectorStoreSpecSchema>;

const opt = Type.Optional;

export const VectorStoreStatusSchema = Type.Object(
  {
    observedGeneration: opt(Type.Integer({ minimum: 0 })),
    conditions: opt(
      Type.Array(ConditionSchema, {
        description: 'Ready, Reachable.',
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-list-map-keys': ['type'],
      }),
    ),
  },
  { description: 'VectorStore status.' },
);

export interface VectorStoreResource {
  readonly apiVersion: 'hevlayer.com/v1';
  readonly kind: 'VectorStore';
  readonly metadata: ObjectMeta;
  readonly spec: VectorStoreSpec;
  readonly status?: Static<typeof VectorStoreStatusSchema>;
}
