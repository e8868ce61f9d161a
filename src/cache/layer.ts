/**
 * The read cache as a layer of an Index's dispatch (targets/index-chain.ts), between the Index
 * policy and the shards: it sees the Index's operations before they are split over upstream
 * namespaces, and caches the merged answers. What it does per operation comes from the operation
 * table: `access: 'write'` bumps the write epochs of every upstream namespace of the Index before
 * and after the write; `cache: 'result' | 'metadata'` reads are looked up, coalesced and stored;
 * the rest pass through. The mechanism and its argument are in docs/adr/read-cache.md.
 */
import type { IndexPolicy } from '../registry/types.ts';
import {
  specOf,
  type CacheOutcome,
  type CallContext,
  type Dispatch,
  type Layer,
  type Operation,
} from '../stores/operations.ts';
import { isRecord } from '../wire/guards.ts';
import { Payload } from '../wire/payload.ts';
import { documentAnswer, idLookup } from './documents.ts';
import { entryKey, entryPrefix, epochCounter } from './keys.ts';
import type { CacheRuntime } from './runtime.ts';

export interface CacheLayerOptions {
  readonly runtime: CacheRuntime;
  /** The Index name (metrics label, health). */
  readonly index: string;
  /** The Index's set in the store (keys.ts setName). */
  readonly set: string;
  /** The upstream identity of the Index's store (keys.ts upstreamIdentity). */
  readonly identity: string;
  readonly namespaces: readonly string[];
  readonly policy: Pick<IndexPolicy, 'cacheTtlMs' | 'cacheCapBytes' | 'cacheMode' | 'consistency'>;
}

/** A query sent with the Index's eventual consistency, unless the client chose a level. */
function eventually(operation: Operation): Operation {
  const body = operation.body?.value();
  if (!isRecord(body) || body.consistency !== undefined) return operation;
  return { ...operation, body: Payload.fromValue({ ...body, consistency: { level: 'eventual' } }) };
}

function aborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}

export function cacheLayer(options: CacheLayerOptions): Layer {
  const { runtime, index, set, identity, namespaces, policy } = options;
  const counters = namespaces.map((ns) => epochCounter(identity, ns));
  const strong = policy.consistency === 'strong';
  const consistency = strong ? 'strong' : 'eventual';
  // `cache.mode: warm` also keeps documents by id (documents.ts), filled by the warmer.
  const warmed = policy.cacheMode === 'warm';
  const fromDocuments = (sent: Operation, epochs: readonly number[]) => {
    const lookup = idLookup(sent.body?.value());
    if (lookup === undefined) return Promise.resolve(undefined);
    return documentAnswer(runtime, { index, set, identity, namespaces, epochs, consistency }, lookup);
  };

  /** Entry-key prefixes by operation and epochs; epochs move only on writes, so this stays tiny. */
  const prefixes = new Map<string, string>();
  const prefixOf = (op: string, epochs: readonly number[]): string => {
    const memo = `${op}@${epochs.join(',')}`;
    let prefix = prefixes.get(memo);
    if (prefix === undefined) {
      if (prefixes.size >= 64) prefixes.clear();
      prefix = entryPrefix({ identity, namespaces, epochs, op, consistency });
      prefixes.set(memo, prefix);
    }
    return prefix;
  };

  const report = (ctx: CallContext, outcome: CacheOutcome): void => {
    if (ctx.cache !== undefined) ctx.cache.outcome = outcome;
    runtime.health.outcome(index, outcome);
  };

  /**
   * The entry's TTL. A strong entry ends strongMaxAge after its read *started* (not after it is
   * stored), so no answer outlives the bound by the time it took to be asked and stored.
   */
  const ttlOf = (kind: 'result' | 'metadata', started: number): number => {
    let ttl = policy.cacheTtlMs;
    if (kind === 'metadata') ttl = Math.min(ttl, runtime.metadataMaxAgeMs);
    if (strong) ttl = Math.min(ttl, runtime.strongMaxAgeMs - runtime.elapsedMs(started));
    return ttl;
  };

  /** Keeps an answer under the epochs it was asked with — only if no write began meanwhile. */
  const keep = async (
    key: string,
    epochs: readonly number[],
    bytes: Buffer,
    kind: 'result' | 'metadata',
    started: number,
  ) => {
    if (strong) {
      const now = await runtime.epochs(index, counters, true);
      if (now === undefined) return;
      if (now.some((e, i) => e !== epochs[i])) {
        runtime.health.notStored(index, 'epoch-moved');
        return;
      }
    }
    const ttl = ttlOf(kind, started);
    if (ttl <= 0) {
      runtime.health.notStored(index, 'expired');
      return;
    }
    const stored = await runtime.set(index, set, key, bytes, ttl, policy.cacheCapBytes);
    if (stored !== undefined && stored.value !== 'stored') runtime.health.notStored(index, stored.value);
  };

  /** The leader of a miss: asks the upstream, answers at once, keeps the answer in the background. */
  const lead = (
    next: Dispatch,
    sent: Operation,
    ctx: CallContext,
    slot: string,
    store: (b: Buffer) => Promise<void>,
  ) => {
    const bytes = next(sent, ctx).then((payload) => payload.bytes());
    const entry = { bytes, signal: ctx.signal };
    runtime.inFlight.set(slot, entry);
    // Followers keep coalescing on the answer until it is stored, so none of them misses meanwhile.
    bytes
      .then(store, () => undefined)
      .finally(() => {
        if (runtime.inFlight.get(slot) === entry) runtime.inFlight.delete(slot);
      })
      .catch(() => undefined);
    return bytes;
  };

  const read = async (
    next: Dispatch,
    operation: Operation,
    ctx: CallContext,
    kind: 'result' | 'metadata',
  ) => {
    const sent = strong || kind !== 'result' ? operation : eventually(operation);
    const started = runtime.now();
    const epochs = await runtime.epochs(index, counters, strong);
    if (epochs === undefined) {
      report(ctx, 'bypass');
      return next(sent, ctx);
    }
    if (warmed && operation.op === 'query') {
      const answer = await fromDocuments(sent, epochs);
      if (answer !== undefined) {
        report(ctx, 'hit');
        return answer;
      }
    }
    const key = entryKey(prefixOf(operation.op, epochs), runtime.bodyDigests.of(operation.body));
    const slot = `${set}\n${key}`;
    let pending = runtime.inFlight.get(slot);
    if (pending === undefined) {
      const cached = await runtime.call(index, 'get', () => runtime.store.get(set, key));
      if (cached?.value !== undefined) {
        report(ctx, 'hit');
        return Payload.fromBytes(cached.value);
      }
      pending = runtime.inFlight.get(slot);
    }
    if (pending !== undefined) {
      try {
        const bytes = await pending.bytes;
        report(ctx, 'coalesced');
        return Payload.fromBytes(bytes);
      } catch (err) {
        // The leader's client went away: that is no answer for this one, which asks for itself.
        if (!aborted(pending.signal) || aborted(ctx.signal)) throw err;
      }
    }
    report(ctx, 'miss');
    return Payload.fromBytes(await lead(next, sent, ctx, slot, (b) => keep(key, epochs, b, kind, started)));
  };

  /**
   * A write bumps the epochs of its namespaces before and after (also after a failed write: it may
   * have applied on some shards). When a bump did not land (this replica cannot reach the shared
   * store), another replica that can may still serve an entry from before the write under the old
   * epoch: the acknowledgment then waits until every such entry has expired (ADR "Partition").
   */
  const write = async (next: Dispatch, operation: Operation, ctx: CallContext) => {
    const before = await runtime.bump(index, counters, false);
    try {
      return await next(operation, ctx);
    } finally {
      const after = await runtime.bump(index, counters, true);
      if (!before || !after) await runtime.outwaitStaleEntries(index, ctx.signal);
    }
  };

  return (next) => (operation, ctx) => {
    const spec = specOf(operation.op);
    if (spec.access === 'write') return write(next, operation, ctx);
    // A call pinned to one shard (a scan's probe) is not the Index's answer: never kept.
    if (spec.cache === 'none' || operation.shard !== undefined) return next(operation, ctx);
    if (policy.cacheMode === 'off') {
      report(ctx, 'bypass');
      return next(operation, ctx);
    }
    return read(next, operation, ctx, spec.cache);
  };
}
