/**
 * What the reconciler asks the upstream: the metadata of each of an Index's upstream namespaces
 * (through the store's own stack, not the read cache), summed over shards. A namespace that does
 * not exist yet (404) is reachable and empty (`indexStatus: absent`); any other failure is
 * "unreachable" with the store's message (which never holds a key).
 */
import type { IndexEntry } from '../registry/types.ts';
import type { Dispatch } from '../stores/port.ts';
import { HevError } from '../wire/errors.ts';
import type { UpstreamFacts, UpstreamObservation } from './reconcile.ts';

interface NamespaceMetadata {
  readonly approx_row_count?: number;
  readonly approx_logical_bytes?: number;
  readonly last_write_at?: string;
  readonly index?: { readonly status?: string };
}

const TIMEOUT_MS = 5000;

export async function observeUpstream(entry: IndexEntry, dispatch: Dispatch): Promise<UpstreamObservation> {
  try {
    const shards = await Promise.all(
      entry.upstreamNamespaces.map(async (ns): Promise<NamespaceMetadata | undefined> => {
        try {
          const payload = await dispatch({ op: 'metadata', ns }, { signal: AbortSignal.timeout(TIMEOUT_MS) });
          return payload.value() as NamespaceMetadata;
        } catch (err) {
          if (err instanceof HevError && err.status === 404) return undefined;
          throw err;
        }
      }),
    );
    return { reachable: true, facts: sumFacts(shards) };
  } catch (err) {
    return { reachable: false, message: (err as Error).message };
  }
}

export function sumFacts(shards: readonly (NamespaceMetadata | undefined)[]): UpstreamFacts {
  const present = shards.filter((s): s is NamespaceMetadata => s !== undefined);
  const statuses = present.map((s) => s.index?.status ?? 'up-to-date');
  const lastWrites = present.flatMap((s) => (s.last_write_at === undefined ? [] : [s.last_write_at])).sort();
  const lastWriteAt = lastWrites.at(-1);
  return {
    approxRowCount: present.reduce((sum, s) => sum + (s.approx_row_count ?? 0), 0),
    approxLogicalBytes: present.reduce((sum, s) => sum + (s.approx_logical_bytes ?? 0), 0),
    indexStatus: present.length === 0 ? 'absent' : statuses.includes('updating') ? 'updating' : 'up-to-date',
    ...(lastWriteAt === undefined ? {} : { lastWriteAt }),
  };
}
