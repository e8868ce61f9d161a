/**
 * One snapshot run of one Index: read the upstream facts, count the facet fields, write the body
 * and then `latest.json`, prune (orphans, retention) — and, whatever happens, record the run in
 * the history bridge. A run that fails records `Failed` with a message and leaves `lastSuccess`
 * and every body as they were; `stillHolder` is checked before anything is written, so a replica
 * that lost its lease writes nothing.
 */
import type { IndexEntry, RegistrySnapshot } from '../registry/types.ts';
import type { Dispatch } from '../stores/operations.ts';
import { HevError } from '../wire/errors.ts';
import { nextStatus, type SnapshotBridge } from './bridge.ts';
import { countFacets, type CountMode } from './facets.ts';
import type { LatestPointer, SnapshotBody, SnapshotHistory, SnapshotSummary } from './history.ts';
import { snapshotId } from './layout.ts';
import { upstreamFacts } from './watermark.ts';

export interface RunDeps {
  readonly history: SnapshotHistory;
  readonly bridge: SnapshotBridge;
  readonly now: () => number;
  readonly countMode?: CountMode | undefined;
}

export interface RunRequest {
  readonly entry: IndexEntry;
  readonly dispatch: Dispatch;
  /** The registry snapshot the entry comes from (the scan fallback's fan-out rule reads it). */
  readonly snapshot: RegistrySnapshot;
  readonly trigger: 'automatic' | 'manual';
  /** latest.json before this run (undefined before the first snapshot); read inside the run. */
  readonly previous: () => Promise<LatestPointer | undefined>;
  /** False once this replica may no longer write (its lease is gone). */
  readonly stillHolder: () => boolean;
  readonly signal?: AbortSignal | undefined;
}

export interface RunResult {
  readonly ok: boolean;
  readonly summary?: SnapshotSummary;
  readonly latest?: LatestPointer;
  readonly error?: unknown;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

const iso = (ms: number) => new Date(ms).toISOString();

export async function runSnapshot(deps: RunDeps, req: RunRequest): Promise<RunResult> {
  const { entry, dispatch } = req;
  const started = deps.now();
  let bytes = 0;
  try {
    const previous = await req.previous();
    const metadata = await dispatch({ op: 'metadata', ns: entry.name }, { signal: req.signal });
    const m = metadata.value() as Record<string, unknown> | undefined;
    const facts = upstreamFacts(m);
    const target = { dispatch, entry, snapshot: req.snapshot };
    const counts = await countFacets(target, entry.policy.facetFields, m?.schema, {
      mode: deps.countMode,
      signal: req.signal,
    });
    if (!req.stillHolder()) {
      throw new HevError(
        'HEV_CONFLICT',
        'this replica lost the snapshot lease during the run; nothing was written',
      );
    }
    const takenAt = iso(started);
    const id = snapshotId(started);
    const body: SnapshotBody = {
      id,
      index: entry.name,
      namespace: entry.resource.spec.backend.namespace ?? entry.name,
      k8sNamespace: entry.k8sNamespace,
      takenAt,
      upstream: { lastWriteAt: facts.lastWriteAt ?? null, approxRowCount: facts.approxRowCount },
      facets: counts.facets,
      rowCount: counts.rowCount,
      method: counts.method,
      durationMs: deps.now() - started,
    };
    const lastAutomaticAt = req.trigger === 'automatic' ? takenAt : (previous?.lastAutomaticAt ?? null);
    const written = await deps.history.write(entry, body, lastAutomaticAt);
    bytes = written.bytes;
    const before = await deps.bridge.current(entry);
    const finished = deps.now();
    await deps.bridge.record(entry, {
      status: nextStatus(
        before,
        { time: iso(finished), result: 'Succeeded', snapshotId: id },
        { time: takenAt, snapshotId: id, rowCount: counts.rowCount },
      ),
      durationMs: finished - started,
      bytes,
    });
    await deps.history
      .prune(entry, id, previous?.id, entry.policy.retentionMs, finished)
      .catch(() => undefined); // the next successful run prunes again
    const { key: _key, lastWriteAt: _w, lastAutomaticAt: _a, ...summary } = written.latest;
    return { ok: true, summary, latest: written.latest };
  } catch (error) {
    // Cut short by shutdown: nothing was committed and nothing failed; the next start runs again.
    if (req.signal?.aborted === true) return { ok: false, error };
    const before = await deps.bridge.current(entry);
    const finished = deps.now();
    await deps.bridge.record(entry, {
      status: nextStatus(
        before,
        { time: iso(finished), result: 'Failed', message: messageOf(error) },
        undefined,
      ),
      durationMs: finished - started,
      bytes,
    });
    return { ok: false, error };
  }
}
