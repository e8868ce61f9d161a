/**
 * The history bridge: the gateway-owned facts about an Index (status.snapshot from the snapshot
 * writer, status.cache, and their conditions CacheDegraded / SnapshotsHealthy) copied into the
 * Index's CRD status, in the status loop. The facts are what the hevlayer API shows for the Index
 * (`indexStatus(entry)` in main/), filtered to the bridge's own fields: the reconciler's fields are
 * never in its patches, so neither writer clobbers the other.
 */
import type { Logger } from 'pino';
import type { ObjectValidation } from '../config/kubernetes/objects.ts';
import type { IndexEntry, RegistrySnapshot } from '../registry/types.ts';
import type { Condition } from '../resources/meta.ts';
import { StatusLoop } from './status-loop.ts';
import { BRIDGE, statusPatch, type StatusFields } from './status-patch.ts';
import type { IndexStatusApi, WriteOutcome } from './status-writer.ts';

export interface GatewayStatusFacts {
  readonly extraStatus?: Readonly<Record<string, unknown>> | undefined;
  readonly extraConditions?: readonly Condition[] | undefined;
}

export interface BridgeOptions {
  readonly indexes: () => readonly ObjectValidation[];
  readonly registry: { current(): RegistrySnapshot };
  readonly indexStatus: (entry: IndexEntry) => Promise<GatewayStatusFacts>;
  readonly api: IndexStatusApi;
  readonly logger: Logger;
  /** How often gateway facts are copied (default 10 s). */
  readonly intervalMs?: number;
  readonly onWrite?: (outcome: WriteOutcome | 'conflict' | 'failed') => void;
}

/** The bridge's part of a status, from the gateway's facts. */
export function bridgeStatus(facts: GatewayStatusFacts): StatusFields {
  const status: Record<string, unknown> = {};
  for (const field of BRIDGE.fields) {
    const value = facts.extraStatus?.[field];
    if (
      value !== undefined &&
      !(typeof value === 'object' && value !== null && Object.keys(value).length === 0)
    ) {
      status[field] = value;
    }
  }
  return {
    ...status,
    conditions: (facts.extraConditions ?? []).filter((c) => BRIDGE.conditionTypes.includes(c.type)),
  };
}

export function createBridge(options: BridgeOptions): StatusLoop {
  return new StatusLoop({
    name: 'status bridge',
    indexes: options.indexes,
    registry: options.registry,
    api: options.api,
    logger: options.logger,
    intervalMs: options.intervalMs ?? 10_000,
    ...(options.onWrite === undefined ? {} : { onWrite: options.onWrite }),
    async plan(_validation, entry) {
      if (entry === undefined) return undefined;
      const desired = bridgeStatus(await options.indexStatus(entry));
      return { patchFor: (object) => statusPatch(object.status, desired, BRIDGE) };
    },
  });
}
