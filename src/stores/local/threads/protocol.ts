/**
 * What the main thread and the engine's worker threads say to each other. Bodies travel as JSON
 * bytes in both directions (the worker parses and serializes with the lossless `wire/json.ts`),
 * so big integers and the wire format stay exact and the bytes can be transferred, not copied.
 * Errors come back as the HevError catalog's fields and are re-thrown as HevError.
 */
import { ERROR_CATALOG, HevError, isHevError, type ErrorCode } from '../../../wire/errors.ts';
import type { Synchronous } from '../storage.ts';
import type { WriteLimits } from '../engine-context.ts';

export type WorkerRole = 'reader' | 'writer';

/** `workerData` of every engine thread. */
export interface WorkerConfig {
  readonly role: WorkerRole;
  readonly path: string;
  readonly synchronous: Synchronous;
  readonly maxLoadedNamespaces: number;
  readonly limits: WriteLimits;
  readonly changeLogRetention: number;
  /** Nice value added to each engine thread (Linux); 0 = the process's priority. */
  readonly nice: number;
}

export type ReadOp = 'query' | 'explainQuery' | 'recall' | 'warm';
export type WriteOp = 'init' | 'write' | 'updateSchema' | 'deleteNamespace' | 'close';

export interface Task {
  readonly op: ReadOp | WriteOp;
  readonly ns: string;
  /** The request body as JSON bytes (transferred). */
  readonly body?: Uint8Array;
  /** The store clock's reading when the call was made, for created_at/updated_at. */
  readonly now: number;
  /** Set to 1 by the main thread when the call's AbortSignal fires; checked when the task starts. */
  readonly aborted?: Int32Array;
}

export interface WireError {
  readonly code: ErrorCode;
  readonly status: number;
  readonly message: string;
  readonly details?: Readonly<Record<string, unknown>>;
  readonly headers?: Readonly<Record<string, string>>;
}

/** A task answers with the response bytes, or with this. */
export interface FailedReply {
  readonly error: WireError;
}

export function isFailedReply(v: unknown): v is FailedReply {
  return typeof v === 'object' && v !== null && 'error' in v && !(v instanceof Uint8Array);
}

export function toWireError(err: unknown): WireError {
  if (isHevError(err)) {
    return {
      code: err.code,
      status: err.status,
      message: err.message,
      ...(err.details === undefined ? {} : { details: err.details }),
      ...(err.headers === undefined ? {} : { headers: err.headers }),
    };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { code: 'HEV_INTERNAL', status: 500, message: `local store failure: ${message}` };
}

export function fromWireError(e: WireError): HevError {
  const code: ErrorCode = e.code in ERROR_CATALOG ? e.code : 'HEV_INTERNAL';
  return new HevError(code, e.message, {
    status: e.status,
    ...(e.details === undefined ? {} : { details: e.details }),
    ...(e.headers === undefined ? {} : { headers: e.headers }),
  });
}

export function abortedError(): HevError {
  return new HevError('HEV_INVALID_REQUEST', 'the request was aborted', { status: 499 });
}

const encoder = new TextEncoder();

/** Bytes with an ArrayBuffer of their own (never a slice of Buffer's shared pool), safe to transfer. */
export function ownBytes(source: Uint8Array | string): Uint8Array<ArrayBuffer> {
  return typeof source === 'string' ? encoder.encode(source) : new Uint8Array(source);
}
