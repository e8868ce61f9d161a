/**
 * The snapshot store layout (INTERFACES.md): `<prefix>/<k8s namespace>/<index>/snapshots/<id>.json`
 * for the bodies, `<…>/<index>/latest.json` naming the newest complete one, and `<…>/<index>/status.json`
 * (the history bridge's last run, so status survives a restart). Ids sort by the time they were
 * taken: `YYYYMMDDTHHMMSSmmmZ-<6 hex>` (UTC to the millisecond, then a random suffix so two
 * snapshots in one millisecond never share an id), and the same order as strings and as times.
 */
import { randomBytes } from 'node:crypto';

export const SNAPSHOT_ID_PATTERN = /^\d{8}T\d{9}Z-[0-9a-f]{6}$/;

export interface IndexRef {
  readonly k8sNamespace: string;
  readonly name: string;
}

export function snapshotId(takenAtMs: number, suffix = randomBytes(3).toString('hex')): string {
  const iso = new Date(takenAtMs).toISOString(); // 2026-12-06T10:05:12.123Z
  return `${iso.slice(0, 19).replace(/[-:]/g, '')}${iso.slice(20, 23)}Z-${suffix}`;
}

/** When the snapshot with this id was taken (ms), or undefined for a string that is no id. */
export function takenAtOf(id: string): number | undefined {
  if (!SNAPSHOT_ID_PATTERN.test(id)) return undefined;
  const d = id;
  const iso = `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}T${d.slice(9, 11)}:${d.slice(11, 13)}:${d.slice(13, 15)}.${d.slice(15, 18)}Z`;
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? undefined : ms;
}

export class SnapshotLayout {
  readonly #prefix: string;

  /** `prefix` is GatewayConfig spec.snapshots.prefix ('' = the store's root). */
  constructor(prefix: string) {
    this.#prefix = prefix.replace(/^\/+|\/+$/g, '');
  }

  indexDir(index: IndexRef): string {
    const ns = index.k8sNamespace === '' ? 'default' : index.k8sNamespace;
    return `${this.#prefix === '' ? '' : `${this.#prefix}/`}${ns}/${index.name}`;
  }

  /** Prefix of every body key of the Index. */
  bodiesPrefix(index: IndexRef): string {
    return `${this.indexDir(index)}/snapshots/`;
  }

  bodyKey(index: IndexRef, id: string): string {
    return `${this.bodiesPrefix(index)}${id}.json`;
  }

  latestKey(index: IndexRef): string {
    return `${this.indexDir(index)}/latest.json`;
  }

  statusKey(index: IndexRef): string {
    return `${this.indexDir(index)}/status.json`;
  }

  /** The id of a body key listed under bodiesPrefix, or undefined for anything else. */
  idOf(index: IndexRef, key: string): string | undefined {
    const prefix = this.bodiesPrefix(index);
    if (!key.startsWith(prefix) || !key.endsWith('.json')) return undefined;
    const id = key.slice(prefix.length, -'.json'.length);
    return SNAPSHOT_ID_PATTERN.test(id) ? id : undefined;
  }
}
