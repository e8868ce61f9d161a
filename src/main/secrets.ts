/**
 * Where secret values come from on one machine: environment variables, or a directory laid out
 * like a mounted Kubernetes Secret volume (`<dir>/<secret name>/<key>`), so `secretRef`/
 * `apiKeySecretRef` work in file mode when the Secret is mounted. Errors name the variable or the
 * Secret, never a value.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { envSecret } from '../config/provider.ts';

export interface SecretRef {
  readonly name: string;
  readonly key: string;
}

export interface SecretSource {
  fromEnv(variable: string): string;
  fromSecretRef(ref: SecretRef): string;
}

const SAFE_SEGMENT = /^[A-Za-z0-9._-]+$/;

export function createSecretSource(
  env: Readonly<Record<string, string | undefined>>,
  secretsDir: string | undefined,
): SecretSource {
  return {
    fromEnv: (variable) => envSecret(env, variable),
    fromSecretRef(ref) {
      if (secretsDir === undefined) {
        throw new Error(
          `Secret ${ref.name}/${ref.key} cannot be read: set HEVLAYER_SECRETS_DIR to the mounted Secrets, or use an env var`,
        );
      }
      if (!SAFE_SEGMENT.test(ref.name) || !SAFE_SEGMENT.test(ref.key) || ref.name.startsWith('.')) {
        throw new Error(`Secret reference ${ref.name}/${ref.key} is not a valid name`);
      }
      const file = join(secretsDir, ref.name, ref.key);
      try {
        const value = readFileSync(file, 'utf8').trim();
        if (value === '') throw new Error('empty');
        return value;
      } catch {
        throw new Error(`Secret ${ref.name}/${ref.key} not found or empty under HEVLAYER_SECRETS_DIR`);
      }
    },
  };
}
