/**
 * The `local` VectorStore: an embedded, durable, turbopuffer-compatible engine. SQLite (WAL) is
 * the source of truth; each namespace in use also lives in memory (columns, vector matrix,
 * inverted indexes). See docs/adr/local-engine.md.
 *
 * Nothing heavy runs on the caller's event loop: queries (also explain and recall runs) run on a
 * pool of reader threads, writes (write, schema update, namespace delete) on one writer thread.
 * Catalog-only answers (metadata and its update, schema, the namespace list, ping) are one
 * primary-key read on this thread's own connection, microseconds, so they never queue behind a
 * long aggregation.
 */
import { availableParallelism } from 'node:os';
import { HevError, isHevError } from '../../wire/errors.ts';
import { Payload } from '../../wire/payload.ts';
import { bodyOf } from '../operations.ts';
import {
  dispatchTo,
  type Dispatch,
  type ListNamespacesParams,
  type CallContext,
  type VectorStore,
} from '../port.ts';
import { DirectoryLock } from './directory-lock.ts';
import { DEFAULT_LIMITS, type EngineContext, type WriteLimits } from './engine-context.ts';
import { NamespaceCache } from './namespace-cache.ts';
import { getSchema, listNamespaces, metadata } from './namespaces.ts';
import { updateMetadata } from './pinning.ts';
import { Storage, type Synchronous } from './storage.ts';
import { EngineThreads, type CallTask } from './threads/engine-threads.ts';
import { abortedError, type ReadOp } from './threads/protocol.ts';

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
  /** How many namespaces each thread keeps loaded in memory (LRU). Default 64. */
  readonly maxLoadedNamespaces?: number;
  /** Per-request caps of the by-filter writes (turbopuffer's by default). */
  readonly limits?: Partial<WriteLimits>;
  /** Query threads, each with its own copy of the loaded namespaces. Default min(2, cores). */
  readonly readers?: number;
  /** Change-log versions kept per namespace for readers to catch up from. Default 1,000. */
  readonly changeLogRetention?: number;
  /**
   * Nice value of the engine threads relative to the process (Linux only), so the event loop
   * wins the CPU when cores are short. Default 0 (the process's priority): +10 cost every call on
   * a quiet machine (docs/adr/local-engine.md).
   */
  readonly threadNice?: number;
}

export interface LocalStore extends VectorStore {
  readonly kind: 'local';
  readonly path: string;
  write(ns: string, body: Payload, ctx?: CallContext): Promise<Payload>;
  query(ns: string, body: Payload, ctx?: CallContext): Promise<Payload>;
  metadata(ns: string, ctx?: CallContext): Promise<Payload>;
  updateMetadata(ns: string, body: Payload, ctx?: CallContext): Promise<Payload>;
  getSchema(ns: string, ctx?: CallContext): Promise<Payload>;
  updateSchema(ns: string, body: Payload, ctx?: CallContext): Promise<Payload>;
  deleteNamespace(ns: string, ctx?: CallContext): Promise<Payload>;
  listNamespaces(params: ListNamespacesParams, ctx?: CallContext): Promise<Payload>;
  hintCacheWarm(ns: string, ctx?: CallContext): Promise<Payload>;
}

export function defaultReaders(): number {
  return Math.max(1, Math.min(2, availableParallelism()));
}

class LocalStoreImpl implements LocalStore {
  readonly kind = 'local' as const;
  readonly path: string;
  readonly #lock: DirectoryLock;
  readonly #catalog: EngineContext;
  readonly #threads: EngineThreads;
  readonly #clock: () => number;
  #closed = false;

  constructor(path: string, lock: DirectoryLock, catalog: EngineContext, threads: EngineThreads) {
    this.path = path;
    this.#lock = lock;
    this.#catalog = catalog;
    this.#threads = threads;
    this.#clock = catalog.clock;
  }

  /** What the engine does with each operation of the table. */
  readonly dispatch: Dispatch = dispatchTo({
    write: (o, c) => this.write(o.ns, bodyOf(o), c),
    query: (o, c) => this.query(o.ns, bodyOf(o), c),
    // A scan page is a query (`rank_by ["id","asc"]`, an id bound) on the reader threads.
    scanPage: (o, c) => this.query(o.ns, bodyOf(o), c),
    explainQuery: (o, c) => this.#read('explainQuery', o.ns, bodyOf(o), c),
    recall: (o, c) => this.#read('recall', o.ns, bodyOf(o), c),
    updateMetadata: (o, c) => this.updateMetadata(o.ns, bodyOf(o), c),
    metadata: (o, c) => this.metadata(o.ns, c),
    getSchema: (o, c) => this.getSchema(o.ns, c),
    updateSchema: (o, c) => this.updateSchema(o.ns, bodyOf(o), c),
    deleteNamespace: (o, c) => this.deleteNamespace(o.ns, c),
    hintCacheWarm: (o, c) => this.hintCacheWarm(o.ns, c),
    listNamespaces: (o, c) => this.listNamespaces(o.params ?? {}, c),
  });

  #check(ctx: CallContext | undefined): void {
    if (this.#closed)
      throw new HevError('HEV_UPSTREAM_UNAVAILABLE', `the local store at ${this.path} is closed`);
    if (ctx?.signal?.aborted === true) throw abortedError();
  }

  #task(ns: string, body?: Payload): CallTask {
    return body === undefined ? { ns, now: this.#clock() } : { ns, now: this.#clock(), body };
  }

  /** Runs a catalog-only call here, after re-reading the namespace's catalog row. */
  #onCatalog<T>(
    ns: string | undefined,
    fn: (c: EngineContext) => T,
    ctx: CallContext | undefined,
  ): Promise<T> {
    try {
      this.#check(ctx);
      const c = this.#catalog;
      const value = c.storage.snapshot(() => {
        if (ns === undefined) c.namespaces.syncCatalog();
        else c.namespaces.sync(ns);
        return fn(c);
      });
      return Promise.resolve(value);
    } catch (err) {
      if (isHevError(err)) return Promise.reject(err);
      return Promise.reject(
        new HevError('HEV_INTERNAL', `local store failure: ${(err as Error).message}`, { cause: err }),
      );
    }
  }

  #read(op: ReadOp, ns: string, body: Payload, ctx: CallContext | undefined): Promise<Payload> {
    try {
      this.#check(ctx);
    } catch (err) {
      return Promise.reject(err as Error);
    }
    return this.#threads.read(op, this.#task(ns, body), ctx?.signal);
  }

  #write(
    op: 'write' | 'updateSchema' | 'deleteNamespace',
    ns: string,
    body: Payload | undefined,
    ctx: CallContext | undefined,
  ): Promise<Payload> {
    try {
      this.#check(ctx);
    } catch (err) {
      return Promise.reject(err as Error);
    }
    return this.#threads.write(op, this.#task(ns, body), ctx?.signal);
  }

  write(ns: string, body: Payload, ctx?: CallContext): Promise<Payload> {
    return this.#write('write', ns, body, ctx);
  }

  query(ns: string, body: Payload, ctx?: CallContext): Promise<Payload> {
    return this.#read('query', ns, body, ctx);
  }

  metadata(ns: string, ctx?: CallContext): Promise<Payload> {
    return this.#onCatalog(ns, (c) => Payload.fromValue(metadata(c, ns)), ctx);
  }

  /** Pinning is a 400 (pinning.ts); an empty update or an unpin answers the metadata. */
  updateMetadata(ns: string, body: Payload, ctx?: CallContext): Promise<Payload> {
    return this.#onCatalog(ns, (c) => Payload.fromValue(updateMetadata(c, ns, body.value())), ctx);
  }

  getSchema(ns: string, ctx?: CallContext): Promise<Payload> {
    return this.#onCatalog(ns, (c) => Payload.fromValue(getSchema(c, ns)), ctx);
  }

  updateSchema(ns: string, body: Payload, ctx?: CallContext): Promise<Payload> {
    return this.#write('updateSchema', ns, body, ctx);
  }

  deleteNamespace(ns: string, ctx?: CallContext): Promise<Payload> {
    return this.#write('deleteNamespace', ns, undefined, ctx);
  }

  listNamespaces(params: ListNamespacesParams, ctx?: CallContext): Promise<Payload> {
    return this.#onCatalog(undefined, (c) => Payload.fromValue(listNamespaces(c, params)), ctx);
  }

  /** Answers at once (404 for an unknown namespace) and has the reader threads load it. */
  hintCacheWarm(ns: string, ctx?: CallContext): Promise<Payload> {
    return this.#onCatalog(
      ns,
      (c) => {
        c.namespaces.require(ns);
        this.#threads.warm(ns, this.#clock());
        return Payload.fromValue({ status: 'ACCEPTED', message: 'cache warm hint accepted' });
      },
      ctx,
    );
  }

  ping(ctx?: CallContext): Promise<void> {
    return this.#onCatalog(undefined, (c) => c.storage.ping(), ctx);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      await this.#threads.close();
    } finally {
      this.#catalog.storage.close();
      this.#lock.release();
    }
  }
}

export async function createLocalStore(options: LocalStoreOptions): Promise<LocalStore> {
  const lock = DirectoryLock.acquire(options.path);
  let threads: EngineThreads | undefined;
  try {
    const synchronous = options.synchronous ?? 'full';
    const limits = { ...DEFAULT_LIMITS, ...options.limits };
    threads = await EngineThreads.start(
      {
        path: options.path,
        synchronous,
        maxLoadedNamespaces: options.maxLoadedNamespaces ?? 64,
        limits,
        changeLogRetention: options.changeLogRetention ?? 1000,
        nice: options.threadNice ?? 0,
      },
      options.readers ?? defaultReaders(),
    );
    // This thread's connection only reads the catalog; it opens after the writer created it.
    const storage = Storage.open(options.path, { role: 'reader', synchronous });
    const catalog: EngineContext = {
      storage,
      namespaces: new NamespaceCache(storage, 0),
      clock: options.clock ?? Date.now,
      limits,
    };
    return new LocalStoreImpl(options.path, lock, catalog, threads);
  } catch (err) {
    await threads?.close().catch(() => undefined);
    lock.release();
    throw err;
  }
}
