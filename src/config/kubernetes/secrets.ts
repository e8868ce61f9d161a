/**
 * Secret values in operator mode: read from the Secrets informer's cache (base64 `data`, or
 * `stringData` as some fakes keep it), in the namespace of the object that references them. A
 * changed Secret is a new cache entry, so the next registry build (and the stores and keys built
 * from it) sees the new value without a restart. Errors name the Secret, never a value.
 */
import { envSecret, type SecretRef, type SecretSource } from '../provider.ts';

export interface SecretObject {
  readonly metadata?: { readonly name?: string; readonly namespace?: string };
  readonly data?: Record<string, string>;
  readonly stringData?: Record<string, string>;
}

export function createKubernetesSecretSource(
  secrets: () => readonly SecretObject[],
  defaultNamespace: () => string,
  env: Readonly<Record<string, string | undefined>> = process.env,
): SecretSource {
  return {
    fromEnv: (variable) => envSecret(env, variable),
    fromSecretRef(ref: SecretRef) {
      const namespace = ref.namespace ?? defaultNamespace();
      const secret = secrets().find(
        (s) => s.metadata?.name === ref.name && s.metadata.namespace === namespace,
      );
      if (secret === undefined) throw new Error(`Secret ${namespace}/${ref.name} not found`);
      const encoded = secret.data?.[ref.key];
      const value =
        encoded !== undefined
          ? Buffer.from(encoded, 'base64').toString('utf8').trim()
          : secret.stringData?.[ref.key];
      if (value === undefined || value === '') {
        throw new Error(
          `Secret ${namespace}/${ref.name} has no key ${JSON.stringify(ref.key)} (or it is empty)`,
        );
      }
      return value;
    },
  };
}
