/**
 * The open VectorStore adapters, kept in step with the registry: the bottom layer of every
 * dispatch. Adapters are shared by identity (two VectorStores naming one local path get one
 * engine), survive reloads that do not change them, and are closed when no store needs them any
 * more. A reload's policy changes (the limiter's cap) reach open stores live. Opening is
 * asynchronous; a request that arrives meanwhile waits for it, and a store that fails to open
 * answers with a 503 that says why.
 */
import type { Logger } from '../../telemetry/logger.ts';
import type { RegistrySnapshot, StoreEntry } from '../../registry/types.ts';
import { storeKey } from '../../registry/types.ts';
import type { VectorStore } from '../port.ts';
import { HevError } from '../../wire/errors.ts';
import type { OpenStore } from './store-factory.ts';

export type StoreState = 'opening' | 'open' | 'failed';

interface Slot {
  readonly identity: string;
  readonly ready: Promise<OpenStore>;
  state: StoreState;
  error?: string;
  /** Set once open: calls go straight to it (no promise hop per request). */
  open?: OpenStore;
  /** A stable facade handed to routes; it waits for `ready`. */
  readonly facade: VectorStore;
}

export interface StorePoolOptions {
  readonly identity: (entry: StoreEntry) => string;
  readonly open: (entry: StoreEntry) => Promise<OpenStore>;
  readonly logger: Logger;
}

function facadeOf(slot: () => Slot, kind: VectorStore['kind']): VectorStore {
  return {
    kind,
    dispatch: (operation, ctx) => {
      const { open, ready } = slot();
      return open !== undefined
        ? open.store.dispatch(operation, ctx)
        : ready.then((o) => o.store.dispatch(operation, ctx));
    },
    ping: (ctx) => slot().ready.then((o) => o.store.ping(ctx)),
    close: async () => undefined,
  };
}

export class StorePool {
  readonly #options: StorePoolOptions;
  /** identity → slot */
  readonly #slots = new Map<string, Slot>();
  /** storeKey → identity */
  readonly #byStore = new Map<string, string>();
  /** Closing adapters; a new slot of the same identity waits for its predecessor. */
  readonly #closing = new Map<string, Promise<void>>();
  /** GatewayConfig spec.upstream.maxInFlightPerNamespace of the last synced snapshot. */
  #maxInFlight = 16;

  constructor(options: StorePoolOptions) {
    this.#options = options;
  }

  /**
   * Opens what the snapshot adds or changes, closes what it no longer needs, and applies the
   * gateway's per-namespace limit to every open store.
   */
  sync(snapshot: RegistrySnapshot): void {
    this.#maxInFlight = snapshot.gateway.spec.upstream.maxInFlightPerNamespace;
    const wanted = new Map<string, string>();
    for (const [key, entry] of snapshot.stores) {
      const identity = this.#options.identity(entry);
      wanted.set(key, identity);
      if (!this.#slots.has(identity)) this.#slots.set(identity, this.#openSlot(identity, entry));
    }
    this.#byStore.clear();
    for (const [key, identity] of wanted) this.#byStore.set(key, identity);
    const used = new Set(wanted.values());
    for (const [identity, slot] of this.#slots) {
      if (used.has(identity)) {
        slot.open?.limiter.setMaxInFlight(this.#maxInFlight);
        continue;
      }
      this.#slots.delete(identity);
      this.#closing.set(identity, this.#closeSlot(identity, slot));
    }
  }

  /** The store serving an entry; throws 503 when the entry is unknown to the pool. */
  get(entry: StoreEntry): VectorStore {
    const identity = this.#byStore.get(storeKey(entry.k8sNamespace, entry.name));
    const slot = identity === undefined ? undefined : this.#slots.get(identity);
    if (slot === undefined) {
      throw new HevError('HEV_INDEX_NOT_READY', `VectorStore ${entry.name} is not open on this gateway`);
    }
    return slot.facade;
  }

  state(entry: StoreEntry): { state: StoreState; error?: string } | undefined {
    const identity = this.#byStore.get(storeKey(entry.k8sNamespace, entry.name));
    const slot = identity === undefined ? undefined : this.#slots.get(identity);
    if (slot === undefined) return undefined;
    return slot.error === undefined ? { state: slot.state } : { state: slot.state, error: slot.error };
  }

  async close(): Promise<void> {
    for (const [identity, slot] of this.#slots) this.#closing.set(identity, this.#closeSlot(identity, slot));
    this.#slots.clear();
    this.#byStore.clear();
    await Promise.all(this.#closing.values());
  }

  #openSlot(identity: string, entry: StoreEntry): Slot {
    const previous = this.#closing.get(identity) ?? Promise.resolve();
    const ready = previous.then(() => this.#options.open(entry));
    const slot: Slot = {
      identity,
      ready: ready.catch((err: unknown) => {
        const message = `VectorStore ${entry.name} could not be opened: ${(err as Error).message}`;
        throw new HevError('HEV_UPSTREAM_UNAVAILABLE', message);
      }),
      state: 'opening',
      facade: facadeOf(() => slot, entry.provider),
    };
    slot.ready.then(
      (open) => {
        // A reload may have changed the limit while the store was opening.
        open.limiter.setMaxInFlight(this.#maxInFlight);
        slot.open = open;
        slot.state = 'open';
        this.#options.logger.info({ store: entry.name, provider: entry.provider }, 'store opened');
      },
      (err: unknown) => {
        slot.state = 'failed';
        slot.error = (err as Error).message;
        this.#options.logger.error({ store: entry.name, error: slot.error }, 'store failed to open');
      },
    );
    return slot;
  }

  async #closeSlot(identity: string, slot: Slot): Promise<void> {
    try {
      const open = await slot.ready;
      await open.store.close();
    } catch {
      // A store that never opened has nothing to close.
    } finally {
      if (this.#closing.get(identity) !== undefined) this.#closing.delete(identity);
    }
  }
}
