/**
 * The configuration provider port: where manifests come from. A provider reads and validates them,
 * builds a registry snapshot and publishes it through the RegistryHolder, and keeps doing so as
 * they change; the data plane reads only the holder, so it does not know which provider runs.
 * Implementations: `file/` (a watched directory of YAML) and `kubernetes/` (informers on the CRs
 * and the Secrets they reference).
 */

export interface ConfigProvider {
  /** Loads the configuration once and publishes it (throws when there is none to serve), then follows changes. */
  start(): Promise<void>;
  /** Stops following changes; the last published snapshot stays in the holder. */
  close(): Promise<void>;
}

/** A Secret reference; `namespace` is the Kubernetes namespace of the object that names it. */
export interface SecretRef {
  readonly name: string;
  readonly key: string;
  readonly namespace?: string;
}

/** Secret values for a provider's manifests; errors name the source, never a value. */
export interface SecretSource {
  fromEnv(variable: string): string;
  fromSecretRef(ref: SecretRef): string;
}

/** An environment variable's value; the error names the variable, never a value. */
export function envSecret(env: Readonly<Record<string, string | undefined>>, variable: string): string {
  const value = env[variable];
  if (value === undefined || value === '') throw new Error(`environment variable ${variable} is not set`);
  return value;
}
