/**
 * The entry of every engine thread (piscina loads it; `workerData.role` says which kind). A
 * reader owns a read connection and its own in-memory namespace tables, and before each call
 * catches up with what the writer committed; the one writer owns the only connection that
 * writes. Each task answers with response bytes (moved, not copied) or a FailedReply.
 */
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { workerData } from 'node:worker_threads';
import { move } from 'piscina';
import { stringifyJson } from '../../../wire/json.ts';
import { Payload } from '../../../wire/payload.ts';
import type { EngineContext } from '../engine-context.ts';
import { NamespaceCache } from '../namespace-cache.ts';
import { deleteNamespace, updateSchema } from '../namespaces.ts';
import { explainQuery } from '../explain.ts';
import { executeQuery } from '../query.ts';
import { executeRecall } from '../recall.ts';
import { Storage } from '../storage.ts';
import { executeWrite } from '../write.ts';
import { executeCopy } from '../copy.ts';
import { namedSource } from '../../copy-source.ts';
import {
  abortedError,
  ownBytes,
  toWireError,
  type FailedReply,
  type Task,
  type WorkerConfig,
} from './protocol.ts';

const config = workerData as WorkerConfig;
lowerPriority(config.nice);

/**
 * On Linux a thread has its own nice value: the engine's threads yield the CPU to the main thread
 * (probes, catalog reads, request parsing) when cores are short, so a long scan cannot starve the
 * event loop through the scheduler either. Best effort: elsewhere, or if refused, nothing changes.
 */
function lowerPriority(nice: number): void {
  if (process.platform !== 'linux' || nice <= 0) return;
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isInteger(tid) && tid > 0) setPriority(tid, nice);
  } catch {
    // Not permitted or no procfs: run at the process's priority.
  }
}
// The store's clock is read on the main thread when a call is made and travels with the task.
let now = Date.now();
let engine: EngineContext | undefined;

/**
 * Opened at the first task, not at import: reader threads start while the writer is still
 * creating or migrating the database, and only touch it once a call reaches them.
 */
function context(): EngineContext {
  if (engine === undefined) {
    const storage = Storage.open(config.path, {
      role: config.role,
      synchronous: config.synchronous,
      changeLogRetention: config.changeLogRetention,
    });
    engine = {
      storage,
      namespaces: new NamespaceCache(storage, config.maxLoadedNamespaces),
      clock: () => now,
      limits: config.limits,
    };
  }
  return engine;
}

function body(task: Task): unknown {
  if (task.body === undefined) return undefined;
  return Payload.fromBytes(Buffer.from(task.body.buffer, task.body.byteOffset, task.body.byteLength)).value();
}

/** The reads that run a request body against one namespace. */
const READS = { query: executeQuery, explainQuery, recall: executeRecall } as const;

/** Reads run in one read transaction, so catching up and querying see one snapshot. */
function read(task: Task): unknown {
  const ctx = context();
  const { storage } = ctx;
  const op = task.op;
  switch (op) {
    case 'query':
    case 'explainQuery':
    case 'recall':
      return storage.snapshot(() => {
        ctx.namespaces.sync(task.ns);
        return READS[op](ctx, task.ns, body(task));
      });
    case 'warm':
      storage.snapshot(() => {
        ctx.namespaces.sync(task.ns);
        if (ctx.namespaces.record(task.ns) !== undefined) ctx.namespaces.load(task.ns);
      });
      return {};
    default:
      throw new Error(`a reader thread cannot run '${task.op}'`);
  }
}

function write(task: Task): unknown {
  const ctx = context();
  switch (task.op) {
    case 'init':
      return {};
    case 'write': {
      const request = body(task);
      const source = namedSource(request);
      return source === undefined
        ? executeWrite(ctx, task.ns, request)
        : executeCopy(ctx, task.ns, request as Record<string, unknown>, source);
    }
    case 'updateSchema':
      return updateSchema(ctx, task.ns, body(task));
    case 'deleteNamespace':
      return deleteNamespace(ctx, task.ns);
    case 'close':
      ctx.storage.close();
      return {};
    default:
      throw new Error(`the writer thread cannot run '${task.op}'`);
  }
}

export default function run(task: Task): unknown {
  try {
    if (task.aborted !== undefined && Atomics.load(task.aborted, 0) === 1) throw abortedError();
    now = task.now;
    const value = config.role === 'reader' ? read(task) : write(task);
    return move(ownBytes(stringifyJson(value)));
  } catch (err) {
    const reply: FailedReply = { error: toWireError(err) };
    return reply;
  }
}
