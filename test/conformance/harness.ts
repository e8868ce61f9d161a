/**
 * What every conformance case gets: an SDK client bound to the target under test, raw HTTP access
 * for what the SDK hides (status codes, exact JSON text, big u64 ids), and small helpers for the
 * queries cases repeat. One Harness per suite run; it is attached in `beforeAll`, so cases read it
 * only while running.
 */
import { expect, it } from 'vitest';
import Turbopuffer, { BadRequestError, NotFoundError } from '@turbopuffer/turbopuffer';
import type { Filter, ID, Namespace, Row } from '@turbopuffer/turbopuffer';
import type { ConformanceNamespace } from './namespaces.ts';

export interface ConformanceTarget {
  /** Where a turbopuffer client should point, e.g. `http://127.0.0.1:PORT`. */
  readonly baseURL: string;
  /** The key the client sends as `Authorization: Bearer …`. */
  readonly apiKey: string;
  close(): Promise<void>;
}

export interface RawResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  /** `JSON.parse` of the text (big ids lose precision: use `text` for those). */
  json(): unknown;
}

/**
 * Cases whose answer legitimately differs in a topology, by case title, with the reason. Such a
 * case is reported as skipped under a title that names the reason, never dropped silently.
 */
export type KnownDifferences = Readonly<Record<string, string>>;

export class Harness {
  #target: ConformanceTarget | undefined;
  #client: Turbopuffer | undefined;
  readonly #differences: KnownDifferences;
  /** Titles of every case defined through `it`, to check that each listed difference exists. */
  readonly caseTitles = new Set<string>();

  constructor(differences: KnownDifferences = {}) {
    this.#differences = differences;
  }

  /** Defines a case: vitest's `it`, or a named skip when the topology lists it as a known difference. */
  it(title: string, fn: () => Promise<void> | void): void {
    this.caseTitles.add(title);
    const reason = this.#differences[title];
    if (reason === undefined) it(title, fn);
    else it.skip(`${title} [differs in this topology: ${reason}]`, fn);
  }

  attach(target: ConformanceTarget): void {
    this.#target = target;
    // No retries: the target is local, and a retried failure would only hide the first answer.
    this.#client = new Turbopuffer({ apiKey: target.apiKey, baseURL: target.baseURL, maxRetries: 0 });
  }

  async detach(): Promise<void> {
    const target = this.#target;
    this.#target = undefined;
    this.#client = undefined;
    if (target !== undefined) await target.close();
  }

  get client(): Turbopuffer {
    if (this.#client === undefined) throw new Error('conformance target not attached');
    return this.#client;
  }

  ns(name: ConformanceNamespace): Namespace {
    return this.client.namespace(name);
  }

  /** A plain HTTP call with the target's key; a string `body` is sent verbatim as JSON text. */
  async raw(
    method: 'GET' | 'POST' | 'DELETE',
    path: string,
    body?: string | Uint8Array,
    headers: Record<string, string> = {},
  ): Promise<RawResponse> {
    if (this.#target === undefined) throw new Error('conformance target not attached');
    const res = await fetch(new URL(path, this.#target.baseURL), {
      method,
      headers: {
        authorization: `Bearer ${this.#target.apiKey}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      ...(body === undefined ? {} : { body }),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, text, json: () => JSON.parse(text) as unknown };
  }
}

/** Rows without null-valued keys: whether a null attribute is sent as `null` or left out is not pinned down. */
export function stripNulls(rows: readonly Row[]): Record<string, unknown>[] {
  return rows.map((row) => Object.fromEntries(Object.entries(row).filter(([, v]) => v !== null)));
}

export function idsOf(rows: readonly Row[] | undefined): ID[] {
  expect(rows, 'response has rows').toBeDefined();
  return (rows ?? []).map((row) => row.id);
}

/** Every row of a namespace, all attributes, in id order, nulls stripped. */
export async function allRows(ns: Namespace): Promise<Record<string, unknown>[]> {
  const res = await ns.query({ rank_by: ['id', 'asc'], limit: 10_000, include_attributes: true });
  expect(res.rows).toBeDefined();
  return stripNulls(res.rows ?? []);
}

/** Ids matching a filter, in id order. */
export async function idsWhere(ns: Namespace, filters: Filter): Promise<ID[]> {
  const res = await ns.query({ rank_by: ['id', 'asc'], limit: 10_000, filters });
  return idsOf(res.rows);
}

async function rejection(promise: PromiseLike<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected the request to fail, but it succeeded');
}

/** Asserts an HTTP 400 surfaced as the SDK's BadRequestError; optionally checks the server's message. */
export async function expectBadRequest(promise: PromiseLike<unknown>, message?: RegExp): Promise<void> {
  const err = await rejection(promise);
  expect(err).toBeInstanceOf(BadRequestError);
  const apiErr = err as BadRequestError;
  expect(apiErr.status).toBe(400);
  const body = apiErr.error as { status?: unknown; error?: unknown } | undefined;
  expect(body?.status).toBe('error');
  expect(typeof body?.error).toBe('string');
  if (message !== undefined) expect(String(body?.error)).toMatch(message);
}

/** Asserts an HTTP 404 surfaced as the SDK's NotFoundError. */
export async function expectNotFound(promise: PromiseLike<unknown>): Promise<void> {
  const err = await rejection(promise);
  expect(err).toBeInstanceOf(NotFoundError);
  expect((err as NotFoundError).status).toBe(404);
}

/** Asserts the common `{status:"error", error:"…"}` body of a raw failed response. */
export function expectErrorBody(res: RawResponse, status: number): void {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type') ?? '').toMatch(/application\/json/);
  const body = res.json() as { status?: unknown; error?: unknown };
  expect(body.status).toBe('error');
  expect(typeof body.error).toBe('string');
  expect(String(body.error).length).toBeGreaterThan(0);
}
