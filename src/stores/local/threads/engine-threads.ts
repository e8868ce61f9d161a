/**
 * The engine's threads: one writer (a piscina pool of exactly one thread, so writes are applied
 * one at a time, in order) and a pool of readers. A call's body goes over as bytes (transferred)
 * and its answer comes back as bytes; a call whose AbortSignal fired before a thread picked it up
 * is answered 499 without running. `close` lets every write already sent finish (acknowledged or
 * failed, never lost in between), closes the writer's connection and then stops every thread.
 */
import { Piscina } from 'piscina';
import { HevError } from '../../../wire/errors.ts';
import { Payload } from '../../../wire/payload.ts';
import {
  abortedError,
  fromWireError,
  isFailedReply,
  ownBytes,
  type ReadOp,
  type Task,
  type WorkerConfig,
  type WorkerRole,
  type WriteOp,
} from './protocol.ts';
import { workerEntry } from './worker-url.ts';

export type ThreadsConfig = Omit<WorkerConfig, 'role'>;

function createPool(config: ThreadsConfig, role: WorkerRole, threads: number): Piscina {
  const entry = workerEntry();
  const workerData: WorkerConfig = { ...config, role };
  return new Piscina({
    filename: entry.filename,
    ...(entry.execArgv === undefined ? {} : { execArgv: entry.execArgv }),
    workerData,
    minThreads: threads,
    maxThreads: threads,
    // One task at a time per thread: the engine is synchronous, and the writer must be serial.
    concurrentTasksPerWorker: 1,
    // Threads hold loaded namespaces; never retire an idle one.
    idleTimeout: Infinity,
  });
}

export class EngineThreads {
  readonly readers: number;
  readonly #writer: Piscina;
  readonly #readerPool: Piscina;
  readonly #writes = new Set<Promise<unknown>>();
  #closed = false;

  private constructor(writer: Piscina, readerPool: Piscina, readers: number) {
    this.#writer = writer;
    this.#readerPool = readerPool;
    this.readers = readers;
  }

  /** Resolves once the writer has created or migrated the database the readers then open. */
  static async start(config: ThreadsConfig, readers: number): Promise<EngineThreads> {
    // Both pools start their threads now, in parallel; readers open the database lazily.
    const writer = createPool(config, 'writer', 1);
    const readerPool = createPool(config, 'reader', readers);
    try {
      await call(writer, { op: 'init', ns: '', now: 0 }, undefined, undefined);
    } catch (err) {
      await Promise.allSettled([writer.destroy(), readerPool.destroy()]);
      throw err;
    }
    return new EngineThreads(writer, readerPool, readers);
  }

  read(op: ReadOp, task: CallTask, signal: AbortSignal | undefined): Promise<Payload> {
    return this.#guard(call(this.#readerPool, { op, ...task }, task.body, signal));
  }

  write(op: WriteOp, task: CallTask, signal: AbortSignal | undefined): Promise<Payload> {
    const p = this.#guard(call(this.#writer, { op, ...task }, task.body, signal));
    this.#writes.add(p);
    const forget = () => this.#writes.delete(p);
    p.then(forget, forget);
    return p;
  }

  /** Asks every reader to load a namespace (best effort: piscina picks the threads). */
  warm(ns: string, now: number): void {
    for (let i = 0; i < this.readers; i++) {
      call(this.#readerPool, { op: 'warm', ns, now }, undefined, undefined).catch(() => {
        // A failed warm-up only means the next query loads the namespace itself.
      });
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.allSettled([...this.#writes]);
    try {
      await call(this.#writer, { op: 'close', ns: '', now: 0 }, undefined, undefined);
    } finally {
      await Promise.allSettled([this.#writer.destroy(), this.#readerPool.destroy()]);
    }
  }

  /** Failures of the pool itself (a thread died, the pool was destroyed) as catalog errors. */
  async #guard(p: Promise<Payload>): Promise<Payload> {
    try {
      return await p;
    } catch (err) {
      if (err instanceof HevError) throw err;
      if (this.#closed)
        throw new HevError('HEV_UPSTREAM_UNAVAILABLE', 'the local store was closed', { cause: err });
      throw new HevError('HEV_INTERNAL', `local store thread failure: ${(err as Error).message}`, {
        cause: err,
      });
    }
  }
}

export interface CallTask {
  readonly ns: string;
  readonly now: number;
  readonly body?: Payload;
}

async function call(
  pool: Piscina,
  base: { op: ReadOp | WriteOp; ns: string; now: number },
  body: Payload | undefined,
  signal: AbortSignal | undefined,
): Promise<Payload> {
  if (signal?.aborted === true) throw abortedError();
  // A flag the thread reads when it starts the task: piscina's own `signal` would also kill a
  // thread mid-task, which for the writer could tear an acknowledged write from its answer.
  const flag = signal === undefined ? undefined : new Int32Array(new SharedArrayBuffer(4));
  const onAbort = () => {
    if (flag !== undefined) Atomics.store(flag, 0, 1);
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  const bytes = body === undefined ? undefined : ownBytes(body.bytes());
  const task: Task = {
    op: base.op,
    ns: base.ns,
    now: base.now,
    ...(bytes === undefined ? {} : { body: bytes }),
    ...(flag === undefined ? {} : { aborted: flag }),
  };
  try {
    const reply: unknown = await pool.run(task, bytes === undefined ? {} : { transferList: [bytes.buffer] });
    if (isFailedReply(reply)) throw fromWireError(reply.error);
    const out = reply as Uint8Array;
    return Payload.fromBytes(Buffer.from(out.buffer, out.byteOffset, out.byteLength));
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}
