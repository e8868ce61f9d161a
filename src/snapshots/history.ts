/**
 * Snapshot history in an object store (layout.ts): writing a snapshot (the body first, then
 * `latest.json`), reading the latest, listing the committed snapshots newest first, reading one
 * body, pruning, and the bridge's `status.json`. A body whose id is newer than `latest.json` was
 * written by a run that failed before committing: it is never listed or served, and the next
 * successful write deletes it (retention.ts). Bodies never change once written, so their
 * summaries (row count, size) are cached in memory by id.
 */
import type { ObjectStore } from '../objects/port.ts';
import { parseJson, stringifyJson } from '../wire/json.ts';
import type { FacetValue } from './facets.ts';
import { takenAtOf, type IndexRef, type SnapshotLayout } from './layout.ts';
import { bodiesToPrune } from './retention.ts';

export interface SnapshotBody {
  readonly id: string;
  readonly index: string;
  /** The upstream namespace (before shard suffixes). */
  readonly namespace: string;
  readonly k8sNamespace: string;
  readonly takenAt: string;
  readonly upstream: { readonly lastWriteAt: string | null; readonly approxRowCount: number };
  readonly facets: Record<string, FacetValue[]>;
  /** Exact number of rows counted. */
  readonly rowCount: number;
  /** `grouped` (aggregate_by + group_by) or `scan`. */
  readonly method: 'grouped' | 'scan';
  readonly durationMs: number;
}

export interface SnapshotSummary {
  readonly id: string;
  readonly takenAt: string;
  readonly rowCount: number;
  readonly sizeBytes: number;
}

/** `latest.json`: names the newest complete snapshot. */
export interface LatestPointer extends SnapshotSummary {
  readonly key: string;
  readonly lastWriteAt: string | null;
  /** When the last automatic snapshot was taken (the interval counts from it; manual runs do not move it). */
  readonly lastAutomaticAt: string | null;
}

export interface RunRecord {
  readonly time: string;
  readonly result: 'Succeeded' | 'Failed';
  readonly snapshotId?: string;
  readonly message?: string;
}

export interface SuccessRecord {
  readonly time: string;
  readonly snapshotId: string;
  readonly rowCount: number;
}

/** `status.json`: the history bridge's facts (status.snapshot of the Index). */
export interface SnapshotStatus {
  readonly lastRun?: RunRecord;
  readonly lastSuccess?: SuccessRecord;
  /** When lastRun.result last changed (the SnapshotsHealthy condition's lastTransitionTime). */
  readonly lastTransitionTime?: string;
}

const READ_CONCURRENCY = 8;

async function readJson<T>(store: ObjectStore, key: string): Promise<T | undefined> {
  const bytes = await store.get(key);
  return bytes === undefined ? undefined : (parseJson(bytes.toString('utf8')) as T);
}

export class SnapshotHistory {
  readonly store: ObjectStore;
  readonly layout: SnapshotLayout;
  readonly #summaries = new Map<string, SnapshotSummary>();

  constructor(store: ObjectStore, layout: SnapshotLayout) {
    this.store = store;
    this.layout = layout;
  }

  /** Writes the body, then moves `latest.json` to it; returns the bytes written. */
  async write(
    ref: IndexRef,
    body: SnapshotBody,
    lastAutomaticAt: string | null,
  ): Promise<{ latest: LatestPointer; bytes: number }> {
    const key = this.layout.bodyKey(ref, body.id);
    const bytes = Buffer.from(stringifyJson(body), 'utf8');
    await this.store.put(key, bytes);
    const latest: LatestPointer = {
      id: body.id,
      takenAt: body.takenAt,
      rowCount: body.rowCount,
      sizeBytes: bytes.length,
      key,
      lastWriteAt: body.upstream.lastWriteAt,
      lastAutomaticAt,
    };
    const pointer = Buffer.from(JSON.stringify(latest), 'utf8');
    await this.store.put(this.layout.latestKey(ref), pointer);
    this.#summaries.set(key, summaryOf(latest));
    return { latest, bytes: bytes.length + pointer.length };
  }

  latest(ref: IndexRef): Promise<LatestPointer | undefined> {
    return readJson<LatestPointer>(this.store, this.layout.latestKey(ref));
  }

  /** A committed body, or undefined (unknown id, or newer than latest.json). */
  async read(ref: IndexRef, id: string): Promise<SnapshotBody | undefined> {
    const latest = await this.latest(ref);
    if (latest === undefined || id > latest.id) return undefined;
    return readJson<SnapshotBody>(this.store, this.layout.bodyKey(ref, id));
  }

  /** Committed snapshots, newest first. */
  async list(ref: IndexRef): Promise<SnapshotSummary[]> {
    const latest = await this.latest(ref);
    if (latest === undefined) return [];
    const listed = (await this.store.list(this.layout.bodiesPrefix(ref)))
      .map((o) => ({ ...o, id: this.layout.idOf(ref, o.key) }))
      .filter((o): o is { key: string; size: number; id: string } => o.id !== undefined && o.id <= latest.id)
      .reverse();
    const out: SnapshotSummary[] = new Array(listed.length);
    let next = 0;
    const worker = async () => {
      for (let i = next++; i < listed.length; i = next++) {
        const o = listed[i] as { key: string; size: number; id: string };
        out[i] = await this.#summary(o.key, o.id, o.size);
      }
    };
    await Promise.all(Array.from({ length: READ_CONCURRENCY }, worker));
    return out.filter((s) => s !== undefined);
  }

  async #summary(key: string, id: string, size: number): Promise<SnapshotSummary> {
    const known = this.#summaries.get(key);
    if (known !== undefined) return known;
    const body = await readJson<SnapshotBody>(this.store, key);
    const summary = {
      id,
      takenAt: body?.takenAt ?? new Date(takenAtOf(id) ?? 0).toISOString(),
      rowCount: body?.rowCount ?? 0,
      sizeBytes: size,
    };
    this.#summaries.set(key, summary);
    return summary;
  }

  /** Deletes orphans and bodies past retention (never the latest); returns the ids deleted. */
  async prune(
    ref: IndexRef,
    latestId: string,
    previousLatestId: string | undefined,
    retentionMs: number | null,
    now: number,
  ): Promise<string[]> {
    const bodies = (await this.store.list(this.layout.bodiesPrefix(ref))).flatMap((o) => {
      const id = this.layout.idOf(ref, o.key);
      const takenAtMs = id === undefined ? undefined : takenAtOf(id);
      return id === undefined || takenAtMs === undefined ? [] : [{ id, takenAtMs }];
    });
    const ids = bodiesToPrune(bodies, latestId, previousLatestId, retentionMs, now);
    const keys = ids.map((id) => this.layout.bodyKey(ref, id));
    await this.store.delete(keys);
    for (const key of keys) this.#summaries.delete(key);
    return ids;
  }

  readStatus(ref: IndexRef): Promise<SnapshotStatus | undefined> {
    return readJson<SnapshotStatus>(this.store, this.layout.statusKey(ref));
  }

  async writeStatus(ref: IndexRef, status: SnapshotStatus): Promise<void> {
    await this.store.put(this.layout.statusKey(ref), JSON.stringify(status));
  }
}

function summaryOf(latest: LatestPointer): SnapshotSummary {
  return { id: latest.id, takenAt: latest.takenAt, rowCount: latest.rowCount, sizeBytes: latest.sizeBytes };
}
