/**
 * The turbopuffer adapter against a real, misbehaving HTTP upstream on a free port: which calls are
 * retried, how errors reach the caller, what goes over the wire.
 */
import { inspect } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTurbopufferStore, type TurbopufferStoreOptions } from '../../src/stores/turbopuffer/index.ts';
import type { RetryEvent } from '../../src/stores/turbopuffer/call.ts';
import type { VectorStore } from '../../src/stores/port.ts';
import { HevError } from '../../src/wire/errors.ts';
import { Payload } from '../../src/wire/payload.ts';
import { startFaultUpstream, type FaultUpstream } from '../helpers/fault-upstream.ts';

const KEY = 'tpuf_SeCrEt0123456789abcdefghijklmnopqr';
const NS = 'docs';
const WRITE = `/v2/namespaces/${NS}`;
const QUERY = `/v2/namespaces/${NS}/query`;
const BIG_ID_BODY =
  '{"upsert_rows":[{"id":18446744073709551615,"vector":[0.1,0.2]}],"distance_metric":"cosine_distance"}';
const QUERY_BODY = '{"rank_by":["id","asc"],"top_k":10}';

let upstream: FaultUpstream;
const stores: VectorStore[] = [];
let retries: RetryEvent[];

function open(over: Partial<TurbopufferStoreOptions> = {}): VectorStore {
  const store = createTurbopufferStore({
    baseURL: upstream.url,
    apiKey: KEY,
    name: 'faulty',
    timeoutMs: 10_000,
    maxRetries: 3,
    retryBaseMs: 5,
    retryCapMs: 20,
    observer: { onRetry: (e) => retries.push(e) },
    ...over,
  });
  stores.push(store);
  return store;
}

const raw = (text: string) => Payload.fromBytes(Buffer.from(text));

async function failure(promise: Promise<unknown>): Promise<HevError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(HevError);
    return err as HevError;
  }
  throw new Error('expected the call to fail');
}

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
}

beforeEach(async () => {
  upstream = await startFaultUpstream({ apiKey: KEY });
  retries = [];
});

afterEach(async () => {
  await upstream.close();
  await Promise.all(stores.splice(0).map((s) => s.close()));
});

describe('wire shape', () => {
  it('uses the SDK paths, bearer auth, gzip negotiation and no prefer: respond-async', async () => {
    const store = open();
    await store.write(NS, raw(BIG_ID_BODY));
    await store.query(NS, raw(QUERY_BODY));
    await store.metadata(NS);
    await store.getSchema(NS);
    await store.updateSchema(NS, raw('{"title":{"type":"string"}}'));
    await store.hintCacheWarm(NS);
    await store.listNamespaces({ prefix: 'do', cursor: 'c1', pageSize: 5 });
    await store.deleteNamespace(NS);
    expect(upstream.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'POST /v2/namespaces/docs',
      'POST /v2/namespaces/docs/query',
      'GET /v2/namespaces/docs/metadata',
      'GET /v1/namespaces/docs/schema',
      'POST /v1/namespaces/docs/schema',
      'GET /v1/namespaces/docs/hint_cache_warm',
      'GET /v1/namespaces?prefix=do&cursor=c1&page_size=5',
      'DELETE /v2/namespaces/docs',
    ]);
    for (const r of upstream.requests) {
      expect(r.headers.authorization).toBe(`Bearer ${KEY}`);
      expect(r.headers['accept-encoding']).toBe('gzip');
      expect(r.headers.prefer).toBeUndefined();
    }
  });

  it('percent-encodes the namespace as one path segment', async () => {
    await open()
      .metadata('a b/c?d')
      .catch(() => undefined);
    expect(upstream.requests[0]?.path).toBe('/v2/namespaces/a%20b%2Fc%3Fd/metadata');
  });

  it('forwards request bodies byte for byte, big u64 ids included', async () => {
    const store = open();
    await store.write(NS, raw(BIG_ID_BODY));
    const sent = upstream.hits('POST', WRITE)[0];
    expect(sent?.headers['content-encoding']).toBeUndefined();
    expect(sent?.body.toString()).toBe(BIG_ID_BODY);
  });

  it('gzips bodies above 1 KiB, and only when enabled', async () => {
    const rows = Array.from(
      { length: 40 },
      (_, i) => `{"id":${18446744073709551615n - BigInt(i)},"v":[0.25,0.5]}`,
    );
    const big = `{"upsert_rows":[${rows.join(',')}]}`;
    expect(big.length).toBeGreaterThan(1024);
    await open().write(NS, raw(big));
    await open({ compressRequests: false }).write(NS, raw(big));
    const [zipped, plain] = upstream.hits('POST', WRITE);
    expect(zipped?.headers['content-encoding']).toBe('gzip');
    expect(zipped?.body.length).toBeLessThan(big.length);
    expect(zipped?.decodedBody.toString()).toBe(big);
    expect(plain?.headers['content-encoding']).toBeUndefined();
    expect(plain?.body.toString()).toBe(big);
  });

  it('returns response bytes unparsed and exact, gzip decoded', async () => {
    const body = '{"rows":[{"id":18446744073709551615,"$dist":0.125}],  "billing":{}}';
    upstream.script({ kind: 'respond', body }, { kind: 'respond', body, gzip: true });
    const store = open();
    for (let i = 0; i < 2; i++) {
      const result = await store.query(NS, raw(QUERY_BODY));
      expect(result.isRaw).toBe(true);
      expect(result.bytes().toString()).toBe(body);
    }
    expect(upstream.requests).toHaveLength(2);
  });

  it('hint_cache_warm returns the 202 body', async () => {
    const result = await open().hintCacheWarm(NS);
    expect(JSON.parse(result.bytes().toString())).toEqual({
      status: 'ACCEPTED',
      message: 'cache warm hint accepted',
    });
  });
});

describe('retries of idempotent calls', () => {
  it('honours retry-after-ms on 429, then succeeds', async () => {
    upstream.script({
      kind: 'respond',
      status: 429,
      body: { status: 'error', error: 'slow down' },
      headers: { 'retry-after-ms': '50' },
    });
    await open().query(NS, raw(QUERY_BODY));
    expect(upstream.hits('POST', QUERY)).toHaveLength(2);
    expect(retries.map((r) => r.delayMs)).toEqual([50]);
  });

  it('honours retry-after in seconds', async () => {
    upstream.script({ kind: 'respond', status: 503, body: 'busy', headers: { 'retry-after': '0' } });
    await open()
      .metadata(NS)
      .catch(() => undefined);
    expect(upstream.hits('GET')).toHaveLength(2);
    expect(retries.map((r) => r.delayMs)).toEqual([0]);
  });

  it('gives up after maxRetries and passes the upstream status and body through', async () => {
    const body = '{"status":"error","error":"💥 upstream overloaded"}';
    for (let i = 0; i < 4; i++) upstream.script({ kind: 'respond', status: 503, body });
    const err = await failure(open().query(NS, raw(QUERY_BODY)));
    expect(upstream.hits('POST', QUERY)).toHaveLength(4);
    expect(err.code).toBe('HEV_UPSTREAM_ERROR');
    expect(err.status).toBe(503);
    expect(err.message).toBe('💥 upstream overloaded');
    expect(err.rawBody?.toString()).toBe(body);
  });

  it('does not retry a 400, and relays it exactly', async () => {
    const body = '{"status":"error","error":"kNN requires filters","extra":1}';
    upstream.script({ kind: 'respond', status: 400, body });
    const err = await failure(open().query(NS, raw(QUERY_BODY)));
    expect(upstream.requests).toHaveLength(1);
    expect([err.status, err.message, err.rawBody?.toString()]).toEqual([400, 'kNN requires filters', body]);
  });

  it('stops retrying when x-should-retry: false', async () => {
    upstream.script({ kind: 'respond', status: 500, body: '{}', headers: { 'x-should-retry': 'false' } });
    expect((await failure(open().getSchema(NS))).status).toBe(500);
    expect(upstream.requests).toHaveLength(1);
  });

  it('turns a plain-text upstream error into the message, with the upstream status', async () => {
    upstream.script({ kind: 'respond', status: 400, body: 'invalid namespace name' });
    const err = await failure(open().query(NS, raw(QUERY_BODY)));
    expect([err.code, err.status, err.message, err.rawBody]).toEqual([
      'HEV_UPSTREAM_ERROR',
      400,
      'invalid namespace name',
      undefined,
    ]);
  });

  it('retries a query whose connection was reset after sending', async () => {
    upstream.script({ kind: 'reset', when: 'after-body' }, { kind: 'reset', when: 'before-body' });
    const result = await open().query(NS, raw(QUERY_BODY));
    expect(JSON.parse(result.bytes().toString())).toHaveProperty('rows');
    expect(upstream.hits('POST', QUERY)).toHaveLength(3);
  });

  it('retries a hung attempt within the overall deadline, then times out with 504', async () => {
    upstream.script({ kind: 'hang' }, { kind: 'hang' });
    const err = await failure(open({ attemptTimeoutMs: 150, maxRetries: 1 }).query(NS, raw(QUERY_BODY)));
    expect(upstream.hits('POST', QUERY)).toHaveLength(2);
    expect(err.code).toBe('HEV_UPSTREAM_TIMEOUT');
    expect(err.status).toBe(504);
    expect(err.message).toContain('faulty');
    expect(err.message).toContain('2 attempts');
  });

  it('a hang that uses the whole deadline is one attempt', async () => {
    upstream.script({ kind: 'hang' });
    const err = await failure(open({ timeoutMs: 200 }).metadata(NS));
    expect(err.code).toBe('HEV_UPSTREAM_TIMEOUT');
    expect(upstream.requests).toHaveLength(1);
  });

  it('reports an unreachable upstream as 503 naming the store and host', async () => {
    await upstream.stopListening();
    const attempts: number[] = [];
    const err = await failure(
      open({ observer: { onAttempt: (e) => attempts.push(e.attempt) } }).metadata(NS),
    );
    expect(err.code).toBe('HEV_UPSTREAM_UNAVAILABLE');
    expect(err.status).toBe(503);
    expect(err.message).toContain(`turbopuffer store "faulty" (127.0.0.1:${upstream.port})`);
    expect(err.message).toContain('ECONNREFUSED');
    expect(attempts).toEqual([1, 2, 3, 4]);
  });

  it('stops when the caller aborts', async () => {
    upstream.script({ kind: 'hang' });
    const controller = new AbortController();
    const pending = failure(open().query(NS, raw(QUERY_BODY), { signal: controller.signal }));
    await until(() => upstream.waiting === 1);
    controller.abort();
    const err = await pending;
    expect(err.message).toContain('cancelled by the caller');
    expect(upstream.requests).toHaveLength(1);
  });
});

describe('writes are never sent twice', () => {
  it('a write answered 503 is not retried', async () => {
    upstream.script({ kind: 'respond', status: 503, body: '{"status":"error","error":"unavailable"}' });
    const err = await failure(open().write(NS, raw(BIG_ID_BODY)));
    expect(upstream.hits('POST', WRITE)).toHaveLength(1);
    expect([err.code, err.status]).toEqual(['HEV_UPSTREAM_ERROR', 503]);
  });

  it('a write answered 429 is not retried and the caller gets retry-after', async () => {
    upstream.script({
      kind: 'respond',
      status: 429,
      body: '{"status":"error","error":"backpressure"}',
      headers: { 'retry-after': '2' },
    });
    const err = await failure(open().write(NS, raw(BIG_ID_BODY)));
    expect(upstream.hits('POST', WRITE)).toHaveLength(1);
    expect([err.status, err.headers]).toEqual([429, { 'retry-after': '2' }]);
  });

  it('a write reset after its body was read is not retried', async () => {
    upstream.script({ kind: 'reset', when: 'after-body' });
    const err = await failure(open().write(NS, raw(BIG_ID_BODY)));
    expect(upstream.hits('POST', WRITE)).toHaveLength(1);
    expect(upstream.hits('POST', WRITE)[0]?.body.toString()).toBe(BIG_ID_BODY);
    expect(err.code).toBe('HEV_UPSTREAM_UNAVAILABLE');
    expect(err.message).toContain('write on namespace "docs"');
  });

  it('a write reset before its body was read is not retried either', async () => {
    upstream.script({ kind: 'reset', when: 'before-body' });
    await failure(open().write(NS, raw(BIG_ID_BODY)));
    expect(upstream.hits('POST', WRITE)).toHaveLength(1);
  });

  it('a hung write times out after one attempt', async () => {
    upstream.script({ kind: 'hang' });
    const err = await failure(open({ attemptTimeoutMs: 150 }).write(NS, raw(BIG_ID_BODY)));
    expect(err.code).toBe('HEV_UPSTREAM_TIMEOUT');
    expect(upstream.hits('POST', WRITE)).toHaveLength(1);
  });

  it('a schema update and a namespace delete answered 503 are not retried', async () => {
    upstream.script(
      { kind: 'respond', status: 503, body: '{}' },
      { kind: 'respond', status: 503, body: '{}' },
    );
    const store = open();
    await failure(store.updateSchema(NS, raw('{"a":{"type":"string"}}')));
    await failure(store.deleteNamespace(NS));
    expect(upstream.requests.map((r) => r.method)).toEqual(['POST', 'DELETE']);
  });

  it('a write whose connection was refused is retried and lands once', async () => {
    await upstream.stopListening();
    const store = open({
      // The backoff sleep is where the upstream comes back: deterministic, no timing.
      clock: { now: () => Date.now(), sleep: () => upstream.resumeListening() },
    });
    const result = await store.write(NS, raw(BIG_ID_BODY));
    expect(JSON.parse(result.bytes().toString())).toMatchObject({ rows_affected: 1 });
    expect(retries).toHaveLength(1);
    expect(retries[0]?.reason).toContain('ECONNREFUSED before the request was sent');
    expect(upstream.hits('POST', WRITE)).toHaveLength(1);
  });

  it('a write after the upstream closed the idle keep-alive socket goes out once on a new connection', async () => {
    const store = open();
    upstream.script({ kind: 'respond', dropConnection: true });
    await store.query(NS, raw(QUERY_BODY));
    await until(() => upstream.connections === 0);
    await store.write(NS, raw(BIG_ID_BODY));
    await store.query(NS, raw(QUERY_BODY));
    upstream.closeIdleConnections();
    await until(() => upstream.connections === 0);
    await store.write(NS, raw(BIG_ID_BODY));
    expect(upstream.hits('POST', WRITE)).toHaveLength(2);
    expect(retries).toEqual([]);
  });

  it('a write racing the close of its keep-alive socket reaches the upstream at most once', async () => {
    const store = open();
    for (let i = 0; i < 5; i++) {
      upstream.script({ kind: 'respond', dropConnection: true });
      await store.query(NS, raw(QUERY_BODY));
      const before = upstream.hits('POST', WRITE).length;
      // No wait: the FIN may arrive before or after the write is on the socket.
      await store.write(NS, raw(BIG_ID_BODY)).catch((err: unknown) => {
        expect((err as HevError).code).toBe('HEV_UPSTREAM_UNAVAILABLE');
      });
      expect(upstream.hits('POST', WRITE).length - before).toBeLessThanOrEqual(1);
    }
    expect(retries.filter((r) => r.op === 'write')).toEqual([]);
  });
});

describe('the API key never leaks', () => {
  it('is absent from every error, message, body and header', async () => {
    const errors: unknown[] = [];
    const store = open({ maxRetries: 1, attemptTimeoutMs: 100 });
    upstream.script(
      { kind: 'respond', status: 401, body: `{"status":"error","error":"bad key ${KEY}"}` },
      { kind: 'respond', status: 400, body: `key ${KEY} is not allowed` },
      {
        kind: 'respond',
        status: 409,
        body: { status: 'error', error: 'conflict' },
        headers: { 'x-should-retry': 'false' },
      },
      { kind: 'reset', when: 'after-body' },
      { kind: 'hang' },
    );
    for (const call of [
      () => store.query(NS, raw(QUERY_BODY)),
      () => store.query(NS, raw(QUERY_BODY)),
      () => store.query(NS, raw(QUERY_BODY)),
      () => store.write(NS, raw(BIG_ID_BODY)),
      () => store.write(NS, raw(BIG_ID_BODY)),
    ]) {
      errors.push(await failure(call()));
    }
    upstream.script({ kind: 'respond', status: 401, body: { status: 'error', error: `unknown key ${KEY}` } });
    errors.push(await failure(store.ping()));
    await upstream.stopListening();
    errors.push(await failure(store.metadata(NS)));
    expect(errors).toHaveLength(7);
    for (const err of errors) {
      const hev = err as HevError;
      const text = [
        inspect(err, { depth: Infinity, showHidden: true }),
        JSON.stringify(hev.toBody()),
        hev.rawBody?.toString() ?? '',
        JSON.stringify(hev.headers ?? {}),
        String(hev.stack),
      ].join('\n');
      expect(text).not.toContain(KEY);
    }
    expect((errors[0] as HevError).rawBody?.toString()).toBe(
      '{"status":"error","error":"bad key [redacted]"}',
    );
  });
});

describe('ping', () => {
  it('passes when reachable, fails on a bad key or an unreachable host', async () => {
    await open().ping();
    expect(upstream.requests[0]?.path).toBe('/v1/namespaces?page_size=1');
    const denied = await failure(open({ apiKey: 'tpuf_other_key_111111111111111111' }).ping());
    expect([denied.status, denied.message]).toEqual([401, expect.stringContaining('rejected the API key')]);
    await upstream.stopListening();
    expect((await failure(open({ maxRetries: 0 }).ping())).code).toBe('HEV_UPSTREAM_UNAVAILABLE');
  });

  it('treats 403 (key without list permission) as reachable', async () => {
    upstream.script({ kind: 'respond', status: 403, body: { status: 'error', error: 'no list permission' } });
    await open().ping();
  });
});

describe('configuration', () => {
  it('rejects a missing key, a missing address and bad numbers', () => {
    expect(() => createTurbopufferStore({ apiKey: '', region: 'aws-us-east-1' })).toThrow(/API key/);
    expect(() => createTurbopufferStore({ apiKey: KEY })).toThrow(/region or a baseURL/);
    expect(() => createTurbopufferStore({ apiKey: KEY, region: 'x/evil' })).toThrow(/region/);
    expect(() => createTurbopufferStore({ apiKey: KEY, baseURL: 'ftp://x' })).toThrow(/http/);
    expect(() => createTurbopufferStore({ apiKey: KEY, region: 'aws-us-east-1', timeoutMs: 0 })).toThrow(
      /timeoutMs/,
    );
  });

  it('fails calls after close with a clear error', async () => {
    const store = open();
    await store.close();
    expect((await failure(store.metadata(NS))).message).toContain('is closed');
  });
});
