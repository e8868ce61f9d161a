/**
 * An in-process Aerospike for tests: one "cluster" (records by namespace, set and key) that hands
 * out clients implementing `AerospikeClientLike` (cache/aerospike-client.ts), so two adapters can
 * share it like two gateway replicas share a cluster. It reproduces the server semantics the
 * adapter relies on, checked against a real Aerospike CE 8 by cache/aerospike-fidelity.test.ts:
 * TTL expiry (a write without a TTL gets the namespace default, `DONT_UPDATE` keeps the record's),
 * generations (+1 per write, `gen: EQ` checks → code 3), `operate` applying its operations in
 * order on one record atomically (a read before a write sees the old value; `incr`, `delete`, map
 * increment / get and remove by key range), the record-size limit (code 13 RECORD_TOO_BIG),
 * stop-writes (code 22 FORBIDDEN or 8 on every write but a plain `remove`; 14 for a busy record), missing records
 * (code 2), and a slow or unreachable server (code 9 TIMEOUT after the policy's totalTimeout,
 * in doubt for writes; code -10 when down). Operations it does not know are refused loudly.
 */
import Aerospike from 'aerospike';
import type {
  AerospikeClientLike,
  AerospikeKey,
  AerospikeOperation,
  AerospikePolicyLike,
  AerospikeRecordLike,
} from './aerospike-client.ts';

export interface FakeAerospikeOptions {
  readonly namespace?: string;
  /** The server's record-size limit in bytes (CE 8 default 1 MiB). */
  readonly maxRecordBytes?: number;
  /** Namespace `default-ttl`, seconds; 0 = never expire. */
  readonly defaultTtlSeconds?: number;
  readonly now?: () => number;
}

export interface FakeAerospike {
  /** A new client of this cluster (connect it before use, like a real one). */
  client(): AerospikeClientLike;
  /**
   * Refuse every write but a plain `remove` with this code, as a server does in stop-writes (22
   * for a set's limits, 8 for the namespace's memory) or with a record's write queue full (14).
   */
  refuseWrites(code: 8 | 14 | 22 | false): void;
  /** Every call waits this long first; past the policy's totalTimeout it fails with code 9. */
  setLatency(ms: number): void;
  /** Unreachable: connects and calls fail with code -10. */
  setDown(down: boolean): void;
  /** Live records of a set (for assertions). */
  records(set: string): { key: string; bins: Record<string, unknown>; gen: number }[];
}

interface StoredRecord {
  bins: Map<string, unknown>;
  gen: number;
  /** ms since the epoch; 0 = never. */
  voidTime: number;
}

const { operations: ops, maps } = Aerospike;
const OP = {
  write: ops.write('x', 0).op,
  read: ops.read('x').op,
  incr: ops.incr('x', 0).op,
  delete: ops.delete().op,
  mapIncrement: maps.increment('x', 'k', 0).op,
  mapGetByKeyRange: maps.getByKeyRange('x', null, null).op,
  mapRemoveByKeyRange: maps.removeByKeyRange('x', null, null).op,
};
const WRITES = new Set<number>([OP.write, OP.incr, OP.delete, OP.mapIncrement, OP.mapRemoveByKeyRange]);
const { status } = Aerospike;

function fail(code: number, message: string, inDoubt = false): Error {
  return Object.assign(new Aerospike.AerospikeError(message), { code, inDoubt });
}

/** The stored size of a record, as the server counts it closely enough: header + bins. */
function recordBytes(bins: Map<string, unknown>): number {
  let bytes = 32;
  for (const [name, value] of bins) bytes += name.length + 4 + valueBytes(value);
  return bytes;
}

function valueBytes(value: unknown): number {
  if (Buffer.isBuffer(value)) return value.length + 1;
  if (typeof value === 'string') return Buffer.byteLength(value) + 1;
  if (value instanceof Map) return [...value].reduce((n, [k, v]) => n + valueBytes(k) + valueBytes(v), 4);
  return 9;
}

export function createFakeAerospike(options: FakeAerospikeOptions = {}): FakeAerospike {
  const namespace = options.namespace ?? 'cache';
  const maxRecordBytes = options.maxRecordBytes ?? 1024 * 1024;
  const now = options.now ?? Date.now;
  const data = new Map<string, Map<string, StoredRecord>>(); // set → key → record
  let refusing: 8 | 14 | 22 | false = false;
  let latencyMs = 0;
  let down = false;

  const where = (key: AerospikeKey) => {
    if (key.ns !== namespace) throw fail(status.ERR_NAMESPACE_NOT_FOUND, `namespace ${key.ns} not found`);
    let set = data.get(key.set);
    if (set === undefined) data.set(key.set, (set = new Map()));
    return { set, id: String(key.key) };
  };
  const live = (set: Map<string, StoredRecord>, id: string): StoredRecord | undefined => {
    const record = set.get(id);
    if (record === undefined) return undefined;
    if (record.voidTime !== 0 && record.voidTime <= now()) {
      set.delete(id);
      return undefined;
    }
    return record;
  };
  const voidTimeFor = (ttl: number | undefined, previous: StoredRecord | undefined): number => {
    if (ttl === Aerospike.ttl.DONT_UPDATE && previous !== undefined) return previous.voidTime;
    if (ttl === Aerospike.ttl.NEVER_EXPIRE) return 0;
    if (ttl === undefined || ttl <= 0) {
      const seconds = options.defaultTtlSeconds ?? 0;
      return seconds === 0 ? 0 : now() + seconds * 1000;
    }
    return now() + ttl * 1000;
  };
  const toRecord = (
    key: AerospikeKey,
    record: StoredRecord,
    bins: Record<string, unknown>,
  ): AerospikeRecordLike => ({
    key,
    bins,
    gen: record.gen,
    ttl: record.voidTime === 0 ? -1 : Math.ceil((record.voidTime - now()) / 1000),
  });

  /** Waits like the network would; a budget below the latency is a timeout. */
  const call = async <T>(
    policy: AerospikePolicyLike | undefined,
    isWrite: boolean,
    run: () => T,
  ): Promise<T> => {
    if (down) throw fail(status.ERR_CONNECTION, 'Failed to connect');
    const budget = policy?.totalTimeout ?? 0;
    if (latencyMs > 0)
      await new Promise((r) => setTimeout(r, budget > 0 ? Math.min(budget, latencyMs) : latencyMs));
    if (budget > 0 && latencyMs > budget) {
      if (isWrite) run(); // it reached the server; the client only stopped waiting
      throw fail(status.ERR_TIMEOUT, 'Timeout', isWrite);
    }
    return run();
  };

  const operate = (
    key: AerospikeKey,
    list: AerospikeOperation[],
    metadata: { ttl?: number; gen?: number } | null | undefined,
    policy: AerospikePolicyLike | undefined,
  ): AerospikeRecordLike => {
    const { set, id } = where(key);
    const previous = live(set, id);
    const writes = list.some((o) => WRITES.has(o.op));
    if (writes && refusing !== false) throw fail(refusing, 'Operation not allowed at this time');
    if (previous === undefined && (!writes || policy?.exists === Aerospike.policy.exists.UPDATE)) {
      throw fail(status.ERR_RECORD_NOT_FOUND, 'Record does not exist in database');
    }
    if (previous !== undefined && writes && policy?.exists === Aerospike.policy.exists.CREATE) {
      throw fail(status.ERR_RECORD_EXISTS, 'Record already exists');
    }
    if (policy?.gen === Aerospike.policy.gen.EQ && previous?.gen !== metadata?.gen) {
      throw fail(status.ERR_RECORD_GENERATION, 'Generation error');
    }
    const bins = new Map(previous?.bins);
    const result: Record<string, unknown> = {};
    let deleted = false;
    for (const o of list) {
      const op = o as AerospikeOperation & Record<string, unknown>;
      const bin = op.bin;
      if (op.op === OP.read) result[bin] = bins.get(bin) ?? null;
      else if (op.op === OP.write) bins.set(bin, op.value);
      else if (op.op === OP.incr) bins.set(bin, Number(bins.get(bin) ?? 0) + Number(op.value));
      else if (op.op === OP.delete) deleted = true;
      else if (op.op === OP.mapIncrement) {
        const map = new Map(bins.get(bin) as Map<string, number> | undefined);
        const value = (map.get(op.key as string) ?? 0) + Number(op.incr);
        map.set(op.key as string, value);
        bins.set(bin, map);
        result[bin] = value;
      } else if (op.op === OP.mapGetByKeyRange || op.op === OP.mapRemoveByKeyRange) {
        const map = new Map(bins.get(bin) as Map<string, unknown> | undefined);
        const inRange = (k: string) =>
          (op.begin === null || k >= (op.begin as string)) && (op.end === null || k < (op.end as string));
        const keys = [...map.keys()].filter(inRange).sort();
        if (op.op === OP.mapGetByKeyRange) result[bin] = keys.map((k) => map.get(k));
        else if (bins.has(bin)) {
          for (const k of keys) map.delete(k);
          bins.set(bin, map);
        }
      } else throw new Error(`fake aerospike: operation ${op.op} is not implemented`);
    }
    if (!writes) return toRecord(key, previous as StoredRecord, result);
    if (deleted || bins.size === 0) {
      // The server: a write leaving no bins deletes, and deleting nothing is "not found".
      if (previous === undefined)
        throw fail(status.ERR_RECORD_NOT_FOUND, 'Record does not exist in database');
      set.delete(id);
      return toRecord(key, previous ?? { bins, gen: 0, voidTime: 0 }, result);
    }
    if (recordBytes(bins) > maxRecordBytes) throw fail(status.ERR_RECORD_TOO_BIG, 'Record too big');
    const stored = { bins, gen: (previous?.gen ?? 0) + 1, voidTime: voidTimeFor(metadata?.ttl, previous) };
    set.set(id, stored);
    return toRecord(key, stored, result);
  };

  return {
    client(): AerospikeClientLike {
      let closed = false;
      const open = () => {
        if (closed) throw fail(status.ERR_CLIENT, 'Not connected');
      };
      return {
        connect: () => call(undefined, false, () => undefined),
        get: (key, policy) =>
          call(policy, false, () => {
            open();
            const { set, id } = where(key);
            const record = live(set, id);
            if (record === undefined)
              throw fail(status.ERR_RECORD_NOT_FOUND, 'Record does not exist in database');
            return toRecord(key, record, Object.fromEntries(record.bins));
          }),
        exists: (key, policy) =>
          call(policy, false, () => {
            open();
            const { set, id } = where(key);
            return live(set, id) !== undefined;
          }),
        operate: (key, list, metadata, policy) =>
          call(
            policy,
            list.some((o) => WRITES.has(o.op)),
            () => {
              open();
              return operate(key, list, metadata, policy);
            },
          ),
        remove: (key, policy) =>
          call(policy, true, () => {
            open();
            const { set, id } = where(key);
            if (live(set, id) === undefined)
              throw fail(status.ERR_RECORD_NOT_FOUND, 'Record does not exist in database');
            set.delete(id);
            return key;
          }),
        query: (ns, setName, queryOptions) => ({
          results: (policy) =>
            call(policy, false, () => {
              open();
              const set = where(new Aerospike.Key(ns, setName, 'x')).set;
              const select = queryOptions?.select;
              return [...set.keys()].flatMap((id) => {
                const record = live(set, id);
                if (record === undefined) return [];
                const bins = Object.fromEntries(
                  [...record.bins].filter(([name]) => select === undefined || select.includes(name)),
                );
                return [toRecord(new Aerospike.Key(ns, setName, id), record, bins)];
              });
            }),
        }),
        close: () => {
          closed = true;
        },
      };
    },
    refuseWrites: (code) => {
      refusing = code;
    },
    setLatency: (ms) => {
      latencyMs = ms;
    },
    setDown: (value) => {
      down = value;
    },
    records: (setName) => {
      const set = data.get(setName);
      if (set === undefined) return [];
      return [...set.keys()].flatMap((id) => {
        const record = live(set, id);
        return record === undefined
          ? []
          : [{ key: id, bins: Object.fromEntries(record.bins), gen: record.gen }];
      });
    },
  };
}
