/**
 * The turbopuffer adapter against a real, misbehaving HTTP upstream on a free port: which calls are
 * retried and how errors reach the caller. Wire shape, key hygiene and ping: turbopuffer-faults-wire.
 */
import { describe, expect, it } from 'vitest';
import type { TurbopufferStoreOptions } from '../../src/stores/turbopuffer/index.ts';
import type { HevError } from '../../src/wire/errors.ts';
import { failure, NS, raw, useFaultFixture } from '../helpers/turbopuffer-fixture.ts';

const WRITE = `/v2/namespaces/${NS}`;
const QUERY = `/v2/namespaces/${NS}/query`;
const BIG_ID_BODY =
  '{"upsert_rows":[{"id":18446744073709551615,"vector":[0.1,0.2]}],"distance_metric":"cosine_distance"}';
const QUERY_BODY = '{"rank_by":["id","asc"],"top_k":10}';

const fx = useFaultFixture();
const open = (over?: Partial<TurbopufferStoreOptions>) => fx.open(over);

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
}

describe('retries of idempotent calls', () => {
  it('honours retry-after-ms on 429, then succeeds', async () => {
    fx.upstream.script({
      kind: 'respond',
      status: 429,
      body: { status: 'error', error: 'slow down' },
      headers: { 'retry-after-ms': '50' },
    });
    await open().query(NS, raw(QUERY_BODY));
    expect(fx.upstream.hits('POST', QUERY)).toHaveLength(2);
    expect(fx.retries.map((r) => r.delayMs)).toEqual([50]);
  });

  it('honours retry-after in seconds', async () => {
    fx.upstream.script({ kind: 'respond', status: 503, body: 'busy', headers: { 'retry-after': '0' } });
    await open()
      .metadata(NS)
      .catch(() => undefined);
    expect(fx.upstream.hits('GET')).toHaveLength(2);
    expect(fx.retries.map((r) => r.delayMs)).toEqual([0]);
  });

  it('gives up after maxRetries and passes the upstream status and body through', async () => {
    const body = '{"status":"error","error":"💥 upstream overloaded"}';
    for (let i = 0; i < 4; i++) fx.upstream.script({ kind: 'respond', status: 503, body });
    const err = await failure(open().query(NS, raw(QUERY_BODY)));
    expect(fx.upstream.hits('POST', QUERY)).toHaveLength(4);
    expect(err.code).toBe('HEV_UPSTREAM_ERROR');
    expect(err.status).toBe(503);
    expect(err.message).toBe('💥 upstream overloaded');
    expect(err.rawBody?.toString()).toBe(body);
  });

  it('does not retry a 400, and relays it exactly', async () => {
    const body = '{"status":"error","error":"kNN requires filters","extra":1}';
    fx.upstream.script({ kind: 'respond', status: 400, body });
    const err = await failure(open().query(NS, raw(QUERY_BODY)));
    expect(fx.upstream.requests).toHaveLength(1);
    expect([err.status, err.message, err.rawBody?.toString()]).toEqual([400, 'kNN requires filters', body]);
  });

  it('stops retrying when x-should-retry: false', async () => {
    fx.upstream.script({ kind: 'respond', status: 500, body: '{}', headers: { 'x-should-retry': 'false' } });
    expect((await failure(open().getSchema(NS))).status).toBe(500);
    expect(fx.upstream.requests).toHaveLength(1);
  });

  it('turns a plain-text upstream error into the message, with the upstream status', async () => {
    fx.upstream.script({ kind: 'respond', status: 400, body: 'invalid namespace name' });
    const err = await failure(open().query(NS, raw(QUERY_BODY)));
    expect([err.code, err.status, err.message, err.rawBody]).toEqual([
      'HEV_UPSTREAM_ERROR',
      400,
      'invalid namespace name',
      undefined,
    ]);
  });

  it('retries a query whose connection was reset after sending', async () => {
    fx.upstream.script({ kind: 'reset', when: 'after-body' }, { kind: 'reset', when: 'before-body' });
    const result = await open().query(NS, raw(QUERY_BODY));
    expect(JSON.parse(result.bytes().toString())).toHaveProperty('rows');
    expect(fx.upstream.hits('POST', QUERY)).toHaveLength(3);
  });

  it('retries a hung attempt within the overall deadline, then times out with 504', async () => {
    fx.upstream.script({ kind: 'hang' }, { kind: 'hang' });
    const err = await failure(open({ attemptTimeoutMs: 150, maxRetries: 1 }).query(NS, raw(QUERY_BODY)));
    expect(fx.upstream.hits('POST', QUERY)).toHaveLength(2);
    expect(err.code).toBe('HEV_UPSTREAM_TIMEOUT');
    expect(err.status).toBe(504);
    expect(err.message).toContain('faulty');
    expect(err.message).toContain('2 attempts');
  });

  it('a hang that uses the whole deadline is one attempt', async () => {
    fx.upstream.script({ kind: 'hang' });
    const err = await failure(open({ timeoutMs: 200 }).metadata(NS));
    expect(err.code).toBe('HEV_UPSTREAM_TIMEOUT');
    expect(fx.upstream.requests).toHaveLength(1);
  });

  it('reports an unreachable upstream as 503 naming the store and host', async () => {
    await fx.upstream.stopListening();
    const attempts: number[] = [];
    const err = await failure(
      open({ observer: { onAttempt: (e) => attempts.push(e.attempt) } }).metadata(NS),
    );
    expect(err.code).toBe('HEV_UPSTREAM_UNAVAILABLE');
    expect(err.status).toBe(503);
    expect(err.message).toContain(`turbopuffer store "faulty" (127.0.0.1:${fx.upstream.port})`);
    expect(err.message).toContain('ECONNREFUSED');
    expect(attempts).toEqual([1, 2, 3, 4]);
  });

  it('stops when the caller aborts', async () => {
    fx.upstream.script({ kind: 'hang' });
    const controller = new AbortController();
    const pending = failure(open().query(NS, raw(QUERY_BODY), { signal: controller.signal }));
    await until(() => fx.upstream.waiting === 1);
    controller.abort();
    const err = await pending;
    expect(err.message).toContain('cancelled by the caller');
    expect(fx.upstream.requests).toHaveLength(1);
  });
});

describe('writes are never sent twice', () => {
  it('a write answered 503 is not retried', async () => {
    fx.upstream.script({ kind: 'respond', status: 503, body: '{"status":"error","error":"unavailable"}' });
    const err = await failure(open().write(NS, raw(BIG_ID_BODY)));
    expect(fx.upstream.hits('POST', WRITE)).toHaveLength(1);
    expect([err.code, err.status]).toEqual(['HEV_UPSTREAM_ERROR', 503]);
  });

  it('a write answered 429 is not retried and the caller gets retry-after', async () => {
    fx.upstream.script({
      kind: 'respond',
      status: 429,
      body: '{"status":"error","error":"backpressure"}',
      headers: { 'retry-after': '2' },
    });
    const err = await failure(open().write(NS, raw(BIG_ID_BODY)));
    expect(fx.upstream.hits('POST', WRITE)).toHaveLength(1);
    expect([err.status, err.headers]).toEqual([429, { 'retry-after': '2' }]);
  });

  it('a write reset after its body was read is not retried', async () => {
    fx.upstream.script({ kind: 'reset', when: 'after-body' });
    const err = await failure(open().write(NS, raw(BIG_ID_BODY)));
    expect(fx.upstream.hits('POST', WRITE)).toHaveLength(1);
    expect(fx.upstream.hits('POST', WRITE)[0]?.body.toString()).toBe(BIG_ID_BODY);
    expect(err.code).toBe('HEV_UPSTREAM_UNAVAILABLE');
    expect(err.message).toContain('write on namespace "docs"');
  });

  it('a write reset before its body was read is not retried either', async () => {
    fx.upstream.script({ kind: 'reset', when: 'before-body' });
    await failure(open().write(NS, raw(BIG_ID_BODY)));
    expect(fx.upstream.hits('POST', WRITE)).toHaveLength(1);
  });

  it('a hung write times out after one attempt', async () => {
    fx.upstream.script({ kind: 'hang' });
    const err = await failure(open({ attemptTimeoutMs: 150 }).write(NS, raw(BIG_ID_BODY)));
    expect(err.code).toBe('HEV_UPSTREAM_TIMEOUT');
    expect(fx.upstream.hits('POST', WRITE)).toHaveLength(1);
  });

  it('a schema update and a namespace delete answered 503 are not retried', async () => {
    fx.upstream.script(
      { kind: 'respond', status: 503, body: '{}' },
      { kind: 'respond', status: 503, body: '{}' },
    );
    const store = open();
    await failure(store.updateSchema(NS, raw('{"a":{"type":"string"}}')));
    await failure(store.deleteNamespace(NS));
    expect(fx.upstream.requests.map((r) => r.method)).toEqual(['POST', 'DELETE']);
  });

  it('a write whose connection was refused is retried and lands once', async () => {
    await fx.upstream.stopListening();
    const store = open({
      // The backoff sleep is where the upstream comes back: deterministic, no timing.
      clock: { now: () => Date.now(), sleep: () => fx.upstream.resumeListening() },
    });
    const result = await store.write(NS, raw(BIG_ID_BODY));
    expect(JSON.parse(result.bytes().toString())).toMatchObject({ rows_affected: 1 });
    expect(fx.retries).toHaveLength(1);
    expect(fx.retries[0]?.reason).toContain('ECONNREFUSED before the request was sent');
    expect(fx.upstream.hits('POST', WRITE)).toHaveLength(1);
  });

  it('a write after the upstream closed the idle keep-alive socket goes out once on a new connection', async () => {
    const store = open();
    fx.upstream.script({ kind: 'respond', dropConnection: true });
    await store.query(NS, raw(QUERY_BODY));
    await until(() => fx.upstream.connections === 0);
    await store.write(NS, raw(BIG_ID_BODY));
    await store.query(NS, raw(QUERY_BODY));
    fx.upstream.closeIdleConnections();
    await until(() => fx.upstream.connections === 0);
    await store.write(NS, raw(BIG_ID_BODY));
    expect(fx.upstream.hits('POST', WRITE)).toHaveLength(2);
    expect(fx.retries).toEqual([]);
  });

  it('a write racing the close of its keep-alive socket reaches the upstream at most once', async () => {
    const store = open();
    for (let i = 0; i < 5; i++) {
      fx.upstream.script({ kind: 'respond', dropConnection: true });
      await store.query(NS, raw(QUERY_BODY));
      const before = fx.upstream.hits('POST', WRITE).length;
      // No wait: the FIN may arrive before or after the write is on the socket.
      await store.write(NS, raw(BIG_ID_BODY)).catch((err: unknown) => {
        expect((err as HevError).code).toBe('HEV_UPSTREAM_UNAVAILABLE');
      });
      expect(fx.upstream.hits('POST', WRITE).length - before).toBeLessThanOrEqual(1);
    }
    expect(fx.retries.filter((r) => r.op === 'write')).toEqual([]);
  });
});
