/**
 * The `local` VectorStore: an embedded, durable, turbopuffer-compatible engine. SQLite (WAL) is
 * the source of truth; each namespace in use also lives in memory (columns, vector matrix,
 * inverted indexes) and is kept in step inside the write path. See docs/adr/local-engine.md.
 *
 * Every operation runs synchronously on the event loop, so each one is isolated from the others
 * without locks: a write is validated, committed and mirrored before any other call starts.
 */
import { HevError, isHevError } from '../../wire/errors.ts';
import { Payload } from '../../wire/payload.ts';
import { bodyOf } from '../operations.ts';
import {
  dispatchTo,
  type Dispatch,
  type ListNamespacesParams,
  type StoreCallContext,
  type VectorStore,
} from '../port.ts';
import { DEFAULT_LIMITS, type EngineContext, type WriteLimits } from './engine-context.ts';
import { deleteNamespace, getSchema, listNamespaces, metadata, updateSchema } from './namespaces.ts';
import { executeQuery } from './query.ts';
import { Registry } from './registry.ts';
import { Storage, type Synchronous } from './storage.ts';
import { executeWrite } from './write.ts';

export interface LocalStoreOptions {
  /** Directory holding the store's database (created if missing). */
  readonly path: string;
  /** Epoch milliseconds; used for created_at/updated_at/last_write_at. */
  readonly clock?: () => number;
  /**
   * SQLite `synchronous` in WAL mode. `full` (default) fsyncs the WAL at every commit, so an
   * acknowledged write survives power loss, not just a process crash; `normal` survives kill -9
   * only.
   */
  readonly synchronous?: Synchronous;
  /** How many namespaces to keep loaded in memory (least recently used are evicted). Default 64. */
  readonly maxLoadedNamespaces?: number;
  /** Per-request caps of the by-filter writes (turbopuffer's by default). */
  readonly limits?: Partial<WriteLimits>;
}

export interface LocalStore extends VectorStore {
  readonly kind: 'local';
  readonly path: string;
  write(ns: string, body: Payload, ctx?: StoreCallContext): Promise<Payload>;
  query(ns: string, body: Payload, ctx?: StoreCallContext): Promise<Payload>;
  metadata(ns: string, ctx?: StoreCallContext): Promise<Payload>;
  getSchema(ns: string, ctx?: StoreCallContext): Promise<Payload>;
  updateSchema(ns: string, body: Payload, ctx?: StoreCallContext): Promise<Payload>;
  deleteNamespace(ns: string, ctx?: StoreCallContext): Promise<Payload>;
  listNamespaces(params: ListNamespacesParams, ctx?: StoreCallContext): Promise<Payload>;
  hintCacheWarm(ns: string, ctx?: StoreCallContext): Promise<Payload>;
}

class LocalStoreImpl implements LocalStore {
  readonly kind = 'local' as const;
  readonly path: string;
  readonly #ctx: EngineContext;
  #closed = false;
  readonly #warming = new Set<NodeJS.Immediate>();

  constructor(path: string, ctx: EngineContext) {
    this.path = path;
    this.#ctx = ctx;
  }

  /** What the engine does with each operation of the table. */
  readonly dispatch: Dispatch = dispatchTo({
    write: (o, c) => this.write(o.ns, bodyOf(o), c),
    query: (o, c) => this.query(o.ns, bodyOf(o), c),
    metadata: (o, c) => this.metadata(o.ns, c),
    getSchema: (o, c) => this.getSchema(o.ns, c),
    updateSchema: (o, c) => this.updateSchema(o.ns, bodyOf(o), c),
    deleteNamespace: (o, c) => this.deleteNamespace(o.ns, c),
    hintCacheWarm: (o, c) => this.hintCacheWarm(o.ns, c),
    listNamespaces: (o, c) => this.listNamespaces(o.params ?? {}, c),
  });

  #run<T>(fn: (ctx: EngineContext) => T, ctx: StoreCallContext | undefined): Promise<T> {
    try {
      if (this.#closed)
        throw new HevError('HEV_UPSTREAM_UNAVAILABLE', `the local store at ${this.path} is closed`);
      if (ctx?.signal?.aborted === true)
        throw new HevError('HEV_INVALID_REQUEST', 'the request was aborted', { status: 499 });
      return Promise.resolve(fn(this.#ctx));
    } catch (err) {
      if (isHevError(err)) return Promise.reject(err);
      return Promise.reject(
        new HevError('HEV_INTERNAL', `local store failure: ${(err as Error).message}`, { cause: err }),
      );
    }
  }

  write(ns: string, body: Payload, ctx?: StoreCallContext): Promise<Payload> {
    return this.#run((c) => Payload.fromValue(executeWrite(c, ns, body.value())), ctx);
  }

  query(ns: string, body: Payload, ctx?: StoreCallContext): Promise<Payload> {
    return this.#run((c) => Payload.fromValue(executeQuery(c, ns, body.value())), ctx);
  }

  metadata(ns: string, ctx?: StoreCallContext): Promise<Payload> {
    return this.#run((c) => Payload.fromValue(metadata(c, ns)), ctx);
  }

  getSchema(ns: string, ctx?: StoreCallContext): Promise<Payload> {
    return this.#run((c) => Payload.fromValue(getSchema(c, ns)), ctx);
  }

  updateSchema(ns: string, body: Payload, ctx?: StoreCallContext): Promise<Payload> {
    return this.#run((c) => Payload.fromValue(updateSchema(c, ns, body.value())), ctx);
  }

  deleteNamespace(ns: string, ctx?: StoreCallContext): Promise<Payload> {
    return this.#run((c) => Payload.fromValue(deleteNamespace(c, ns)), ctx);
  }

  listNamespaces(params: ListNamespacesParams, ctx?: StoreCallContext): Promise<Payload> {
    return this.#run((c) => Payload.fromValue(listNamespaces(c, params)), ctx);
  }

  /** Accepts at once and loads the namespace into memory on the next turn of the event loop. */
  hintCacheWarm(ns: string, ctx?: StoreCallContext): Promise<Payload> {
    return this.#run((c) => {
      c.registry.require(ns);
      const handle = setImmediate(() => {
        this.#warming.delete(handle);
        if (this.#closed || c.registry.record(ns) === undefined) return;
        try {
          c.registry.load(ns);
        } catch {
          // A failed warm-up only means the next query loads the namespace itself.
        }
      });
      this.#warming.add(handle);
      return Payload.fromValue({ status: 'ACCEPTED', message: 'cache warm hint accepted' });
    }, ctx);
  }

  ping(ctx?: StoreCallContext): Promise<void> {
    return this.#run((c) => c.storage.ping(), ctx);
  }

  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    for (const handle of this.#warming) clearImmediate(handle);
    this.#warming.clear();
    this.#ctx.storage.close();
    return Promise.resolve();
  }
}

export function createLocalStore(options: LocalStoreOptions): Promise<LocalStore> {
  try {
    const storage = Storage.open(options.path, options.synchronous ?? 'full');
    const ctx: EngineContext = {
      storage,
      registry: new Registry(storage, options.maxLoadedNamespaces ?? 64),
      clock: options.clock ?? Date.now,
      limits: { ...DEFAULT_LIMITS, ...options.limits },
    };
    return Promise.resolve(new LocalStoreImpl(options.path, ctx));
  } catch (err) {
    return Promise.reject(err as Error);
  }
}
