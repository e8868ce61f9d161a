/**
 * The turbopuffer adapter against a real HTTP upstream on a free port: what goes over the wire,
 * that the API key never leaks, ping and configuration errors.
 */
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { createTurbopufferStore, type TurbopufferStoreOptions } from '../../src/stores/turbopuffer/index.ts';
import type { HevError } from '../../src/wire/errors.ts';
import { failure, KEY, NS, raw, useFaultFixture } from '../helpers/turbopuffer-fixture.ts';

const WRITE = `/v2/namespaces/${NS}`;
const BIG_ID_BODY =
  '{"upsert_rows":[{"id":18446744073709551615,"vector":[0.1,0.2]}],"distance_metric":"cosine_distance"}';
const QUERY_BODY = '{"rank_by":["id","asc"],"top_k":10}';

const fx = useFaultFixture();
const open = (over?: Partial<TurbopufferStoreOptions>) => fx.open(over);

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
    expect(fx.upstream.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'POST /v2/namespaces/docs',
      'POST /v2/namespaces/docs/query',
      'GET /v2/namespaces/docs/metadata',
      'GET /v1/namespaces/docs/schema',
      'POST /v1/namespaces/docs/schema',
      'GET /v1/namespaces/docs/hint_cache_warm',
      'GET /v1/namespaces?prefix=do&cursor=c1&page_size=5',
      'DELETE /v2/namespaces/docs',
    ]);
    for (const r of fx.upstream.requests) {
      expect(r.headers.authorization).toBe(`Bearer ${KEY}`);
      expect(r.headers['accept-encoding']).toBe('gzip');
      expect(r.headers.prefer).toBeUndefined();
    }
  });

  it('passes explain_query, _debug/recall and the metadata PATCH through with their method, path and body bytes', async () => {
    const store = open();
    const bodies = {
      explain: '{"rank_by":["vector","ANN",[0.5,0.25]],"top_k":3}',
      recall: '{"num":5,"top_k":10,"filters":["a","Eq",1]}',
      pinning: '{"pinning":{"replicas":2}}',
    };
    await store.write(NS, raw('{"upsert_rows":[{"id":1}]}'));
    expect((await store.explainQuery(NS, raw(bodies.explain))).value()).toEqual({
      plan_text: 'scan 1 documents',
    });
    expect((await store.recall(NS, raw(bodies.recall))).value()).toEqual({
      avg_recall: 0.95,
      avg_exhaustive_count: 10,
      avg_ann_count: 10,
    });
    expect((await store.updateMetadata(NS, raw(bodies.pinning))).value()).toMatchObject({
      approx_row_count: 1,
    });
    const sent = fx.upstream.requests.slice(1);
    expect(sent.map((r) => [r.method, r.path, r.body.toString()])).toEqual([
      ['POST', '/v2/namespaces/docs/explain_query', bodies.explain],
      ['POST', '/v1/namespaces/docs/_debug/recall', bodies.recall],
      ['PATCH', '/v1/namespaces/docs/metadata', bodies.pinning],
    ]);
    expect(sent.map((r) => r.headers['content-type'])).toEqual(
      Array.from({ length: 3 }, () => 'application/json'),
    );
  });

  it('percent-encodes the namespace as one path segment', async () => {
    await open()
      .metadata('a b/c?d')
      .catch(() => undefined);
    expect(fx.upstream.requests[0]?.path).toBe('/v2/namespaces/a%20b%2Fc%3Fd/metadata');
  });

  it('forwards request bodies byte for byte, big u64 ids included', async () => {
    const store = open();
    await store.write(NS, raw(BIG_ID_BODY));
    const sent = fx.upstream.hits('POST', WRITE)[0];
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
    const [zipped, plain] = fx.upstream.hits('POST', WRITE);
    expect(zipped?.headers['content-encoding']).toBe('gzip');
    expect(zipped?.body.length).toBeLessThan(big.length);
    expect(zipped?.decodedBody.toString()).toBe(big);
    expect(plain?.headers['content-encoding']).toBeUndefined();
    expect(plain?.body.toString()).toBe(big);
  });

  it('returns response bytes unparsed and exact, gzip decoded', async () => {
    const body = '{"rows":[{"id":18446744073709551615,"$dist":0.125}],  "billing":{}}';
    fx.upstream.script({ kind: 'respond', body }, { kind: 'respond', body, gzip: true });
    const store = open();
    for (let i = 0; i < 2; i++) {
      const result = await store.query(NS, raw(QUERY_BODY));
      expect(result.isRaw).toBe(true);
      expect(result.bytes().toString()).toBe(body);
    }
    expect(fx.upstream.requests).toHaveLength(2);
  });

  it('hint_cache_warm returns the 202 body', async () => {
    const result = await open().hintCacheWarm(NS);
    expect(JSON.parse(result.bytes().toString())).toEqual({
      status: 'ACCEPTED',
      message: 'cache warm hint accepted',
    });
  });
});

describe('the API key never leaks', () => {
  it('is absent from every error, message, body and header', async () => {
    const errors: unknown[] = [];
    const store = open({ maxRetries: 1, attemptTimeoutMs: 100 });
    fx.upstream.script(
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
    fx.upstream.script({
      kind: 'respond',
      status: 401,
      body: { status: 'error', error: `unknown key ${KEY}` },
    });
    errors.push(await failure(store.ping()));
    await fx.upstream.stopListening();
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
    expect(fx.upstream.requests[0]?.path).toBe('/v1/namespaces?page_size=1');
    const denied = await failure(open({ apiKey: 'tpuf_other_key_111111111111111111' }).ping());
    expect([denied.status, denied.message]).toEqual([401, expect.stringContaining('rejected the API key')]);
    await fx.upstream.stopListening();
    expect((await failure(open({ maxRetries: 0 }).ping())).code).toBe('HEV_UPSTREAM_UNAVAILABLE');
  });

  it('treats 403 (key without list permission) as reachable', async () => {
    fx.upstream.script({
      kind: 'respond',
      status: 403,
      body: { status: 'error', error: 'no list permission' },
    });
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
