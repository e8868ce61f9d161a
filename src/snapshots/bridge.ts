/**
 * The history bridge: after every run, the Index's `status.snapshot {lastRun, lastSuccess}`, the
 * `SnapshotsHealthy` condition and the metrics. The writer records runs here; the status is kept in
 * memory and persisted as `status.json` beside `latest.json`, so it survives a restart and every
 * replica (sharing the object store) reports the same facts, whichever replica wrote. Reads of
 * `status.json` are cached for `refreshMs`. `indexSnapshotStatus` is a plain function of the Index:
 * the gateway's `indexStatus` extras and the operator's CRD status patch both call it.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { Condition, IndexEntry } from '../registry/types.ts';
import type { IndexStatus } from '../resources/index-schema.ts';
import type { SnapshotHistory, SnapshotStatus } from './history.ts';

export interface SnapshotMetrics {
  readonly lastSuccess: Gauge<'index'>;
  readonly runDuration: Histogram<'index' | 'result'>;
  readonly failures: Counter<'index'>;
  readonly bytes: Counter<'index'>;
}

export function createSnapshotMetrics(registry: Registry): SnapshotMetrics {
  const registers = [registry];
  return {
    lastSuccess: new Gauge({
      name: 'hevlayer_snapshot_last_success_timestamp_seconds',
      help: 'When the last successful facet snapshot of the Index was taken (Unix seconds)',
      labelNames: ['index'],
      registers,
    }),
    runDuration: new Histogram({
      name: 'hevlayer_snapshot_run_duration_seconds',
      help: 'Duration of facet snapshot runs by Index and result (Succeeded, Failed)',
      labelNames: ['index', 'result'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers,
    }),
    failures: new Counter({
      name: 'hevlayer_snapshot_failures_total',
      help: 'Failed facet snapshot runs by Index',
      labelNames: ['index'],
      registers,
    }),
    bytes: new Counter({
      name: 'hevlayer_snapshot_bytes_written_total',
      help: 'Bytes written to the snapshot store (bodies and latest.json) by Index',
      labelNames: ['index'],
      registers,
    }),
  };
}

export interface RunOutcome {
  readonly status: SnapshotStatus;
  readonly durationMs: number;
  readonly bytes: number;
}

export interface SnapshotBridgeOptions {
  readonly history: SnapshotHistory;
  readonly metrics?: SnapshotMetrics;
  readonly now?: () => number;
  /** How long a status.json read stays fresh (default 2000 ms). */
  readonly refreshMs?: number;
  readonly onError?: (err: unknown, entry: IndexEntry) => void;
}

const keyOf = (entry: IndexEntry) => `${entry.k8sNamespace}/${entry.name}`;

/**
 * The status with the later last run: status.json may be older than what this replica recorded
 * (its write failed while the store was down), or newer (another replica wrote since).
 */
function newer(a: SnapshotStatus | undefined, b: SnapshotStatus | undefined): SnapshotStatus | undefined {
  const ta = a?.lastRun?.time ?? '';
  const tb = b?.lastRun?.time ?? '';
  return tb > ta ? b : (a ?? b);
}

export class SnapshotBridge {
  readonly #o: SnapshotBridgeOptions;
  readonly #now: () => number;
  readonly #known = new Map<string, { status: SnapshotStatus; readAt: number }>();

  constructor(options: SnapshotBridgeOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
  }

  /** The status before a run (memory, else status.json); undefined when there was none. */
  async current(entry: IndexEntry): Promise<SnapshotStatus | undefined> {
    const known = this.#known.get(keyOf(entry));
    if (known !== undefined && this.#now() - known.readAt < (this.#o.refreshMs ?? 2000)) return known.status;
    try {
      const status = newer(await this.#o.history.readStatus(entry), known?.status) ?? {};
      this.#known.set(keyOf(entry), { status, readAt: this.#now() });
      return status;
    } catch (err) {
      this.#o.onError?.(err, entry);
      return known?.status;
    }
  }

  /** Records a finished run: memory and metrics at once, then status.json (best effort). */
  async record(entry: IndexEntry, outcome: RunOutcome): Promise<void> {
    const { status, durationMs, bytes } = outcome;
    const result = status.lastRun?.result ?? 'Failed';
    this.#known.set(keyOf(entry), { status, readAt: this.#now() });
    const m = this.#o.metrics;
    m?.runDuration.observe({ index: entry.name, result }, durationMs / 1000);
    if (result === 'Failed') m?.failures.inc({ index: entry.name });
    if (bytes > 0) m?.bytes.inc({ index: entry.name }, bytes);
    if (status.lastSuccess !== undefined) {
      m?.lastSuccess.set({ index: entry.name }, Date.parse(status.lastSuccess.time) / 1000);
    }
    try {
      await this.#o.history.writeStatus(entry, status);
    } catch (err) {
      this.#o.onError?.(err, entry); // the store is down: the next successful run persists it
    }
  }
}

/** The next status after a run: lastSuccess kept on failure, transition time moved on a change. */
export function nextStatus(
  previous: SnapshotStatus | undefined,
  run: NonNullable<SnapshotStatus['lastRun']>,
  success: SnapshotStatus['lastSuccess'],
): SnapshotStatus {
  const changed = previous?.lastRun?.result !== run.result;
  const lastSuccess = success ?? previous?.lastSuccess;
  return {
    lastRun: run,
    ...(lastSuccess === undefined ? {} : { lastSuccess }),
    lastTransitionTime: changed ? run.time : (previous?.lastTransitionTime ?? run.time),
  };
}

export function snapshotsCondition(entry: IndexEntry, status: SnapshotStatus | undefined): Condition {
  const run = status?.lastRun;
  const time = status?.lastTransitionTime ?? run?.time ?? new Date(0).toISOString();
  if (run === undefined) {
    const disabled = entry.policy.facetFields.length === 0;
    return {
      type: 'SnapshotsHealthy',
      status: disabled ? 'True' : 'Unknown',
      reason: disabled ? 'Disabled' : 'NoRunYet',
      message: disabled
        ? 'spec.snapshot.facetFields is empty: the automatic writer is off'
        : 'no snapshot run yet: the writer waits for the upstream to be stable and to advance',
      lastTransitionTime: time,
    };
  }
  if (run.result === 'Failed') {
    return {
      type: 'SnapshotsHealthy',
      status: 'False',
      reason: 'RunFailed',
      message: `the snapshot run at ${run.time} failed: ${run.message ?? 'unknown error'}`,
      lastTransitionTime: time,
    };
  }
  return {
    type: 'SnapshotsHealthy',
    status: 'True',
    reason: 'Succeeded',
    message: `snapshot ${run.snapshotId ?? ''} written at ${run.time}`,
    lastTransitionTime: time,
  };
}

/** status.snapshot and the SnapshotsHealthy condition of an Index (gateway and operator alike). */
export async function indexSnapshotStatus(
  bridge: SnapshotBridge,
  entry: IndexEntry,
): Promise<{ snapshot?: NonNullable<IndexStatus['snapshot']>; condition: Condition }> {
  const status = await bridge.current(entry);
  const snapshot = {
    ...(status?.lastRun === undefined ? {} : { lastRun: status.lastRun }),
    ...(status?.lastSuccess === undefined ? {} : { lastSuccess: status.lastSuccess }),
  };
  return {
    ...(Object.keys(snapshot).length === 0 ? {} : { snapshot }),
    condition: snapshotsCondition(entry, status),
  };
}
