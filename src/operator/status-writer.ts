/**
 * Writes one writer's part of an Index status through the status subresource (never the main
 * resource, so spec is never written): a JSON merge patch carrying the resourceVersion it was
 * computed from. A 409 means someone else wrote in between; the writer fetches the fresh object,
 * recomputes and tries again (a few times), so nothing the other writer wrote is lost.
 */
import {
  ApiException,
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
} from '@kubernetes/client-node';
import { GROUP, VERSION } from '../resources/meta.ts';
import type { StatusFields } from './status-patch.ts';

export interface IndexRef {
  readonly namespace: string;
  readonly name: string;
}

export interface IndexObjectState {
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly generation?: number;
    readonly resourceVersion?: string;
  };
  readonly status?: StatusFields;
}

/** The two calls a status writer makes. */
export interface IndexStatusApi {
  get(ref: IndexRef): Promise<IndexObjectState>;
  patchStatus(
    ref: IndexRef,
    resourceVersion: string | undefined,
    status: Record<string, unknown>,
  ): Promise<IndexObjectState>;
}

export type WriteOutcome = 'written' | 'unchanged' | 'gone';

export class StatusConflictError extends Error {}

const MAX_ATTEMPTS = 5;

function httpCode(err: unknown): number | undefined {
  return err instanceof ApiException ? (err.code as number) : undefined;
}

export async function writeStatus(
  api: IndexStatusApi,
  ref: IndexRef,
  seen: IndexObjectState | undefined,
  compute: (object: IndexObjectState) => Record<string, unknown> | undefined,
  onConflict?: () => void,
): Promise<WriteOutcome> {
  let object = seen;
  for (let attempt = 1; ; attempt += 1) {
    try {
      object ??= await api.get(ref);
      const patch = compute(object);
      if (patch === undefined) return 'unchanged';
      await api.patchStatus(ref, object.metadata.resourceVersion, patch);
      return 'written';
    } catch (err) {
      const code = httpCode(err);
      if (code === 404) return 'gone';
      if (code !== 409) throw err;
      onConflict?.();
      if (attempt >= MAX_ATTEMPTS) {
        throw new StatusConflictError(
          `status of Index ${ref.namespace}/${ref.name}: still conflicting after ${attempt} attempts`,
        );
      }
      object = undefined;
    }
  }
}

/** The IndexStatusApi over a cluster (CustomObjectsApi, merge patches on the status subresource). */
export function kubeIndexStatusApi(kc: KubeConfig): IndexStatusApi {
  const custom = kc.makeApiClient(CustomObjectsApi);
  const base = { group: GROUP, version: VERSION, plural: 'indexes' };
  return {
    async get(ref) {
      return (await custom.getNamespacedCustomObject({ ...base, ...ref })) as IndexObjectState;
    },
    async patchStatus(ref, resourceVersion, status) {
      const body = { metadata: resourceVersion === undefined ? {} : { resourceVersion }, status };
      return (await custom.patchNamespacedCustomObjectStatus(
        { ...base, ...ref, body },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      )) as IndexObjectState;
    },
  };
}
