/**
 * Issue 13 item 2: cross-namespace writes (`copy_from_namespace`, `branch_from_namespace`) through
 * a whole gateway in front of a recording upstream (a real HTTP server that records every request).
 * The source is a declared Index the caller's key may read, translated to its upstream
 * namespace(s); anything else is refused before a byte reaches the upstream.
 */
import Turbopuffer from '@turbopuffer/turbopuffer';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFaultUpstream, type FaultUpstream } from '../helpers/fault-upstream.ts';
import {
  indexManifest,
  localStore,
  startGatewayFixture,
  type GatewayFixture,
  gatewayConfigManifest,
  turbopufferStore,
} from '../helpers/gateway-fixture.ts';

const STORE_KEY = 'tpuf_StoreKey0123456789abcdefghijklmnop';
const OTHER_ORG_KEY = 'tpuf_OtherOrg0123456789abcdefghijklmno';
const TEAM_KEY = 'team-a-client-key';
const ADMIN_KEY = 'admin-client-key';

let upstream: FaultUpstream;
let gw: GatewayFixture;

const teamA = { team: 'a' };
const tp = (namespace: string, extra: Record<string, unknown> = {}) => ({
  backend: { namespace, ...extra },
});

beforeAll(async () => {
  upstream = await startFaultUpstream({ apiKey: STORE_KEY });
  gw = await startGatewayFixture({
    manifests: [
      gatewayConfigManifest({
        auth: {
          apiKeys: [
            { name: 'team-a', keyEnv: 'TEAM_KEY', indexSelector: { matchLabels: teamA } },
            { name: 'admin', keyEnv: 'ADMIN_KEY' },
          ],
        },
      }),
      turbopufferStore('tp', { baseURL: upstream.url, apiKeyEnv: 'STORE_KEY' }, true),
      turbopufferStore('other-org', { baseURL: upstream.url, apiKeyEnv: 'OTHER_ORG_KEY' }, false),
      turbopufferStore('eu', { region: 'aws-eu-west-1', apiKeyEnv: 'OTHER_ORG_KEY' }, false),
      localStore('local', { default: false }),
      indexManifest('a', tp('up-a'), teamA),
      indexManifest('b', tp('up-b'), teamA),
      indexManifest('secret', tp('up-secret'), { team: 's' }),
      indexManifest('sharded', tp('sh', { shards: 3 }), teamA),
      indexManifest('sharded-src', tp('shs', { shards: 3 }), teamA),
      indexManifest('sharded-two', tp('sh2', { shards: 2 }), teamA),
      indexManifest('org', tp('up-org', { storeRef: 'other-org' }), teamA),
      indexManifest('far', tp('up-far', { storeRef: 'eu' }), teamA),
      indexManifest('on-local', tp('loc', { storeRef: 'local' }), teamA),
      indexManifest('local-copy', tp('loc-copy', { storeRef: 'local' }), teamA),
      indexManifest('local-sharded-src', tp('lss', { storeRef: 'local', shards: 3 }), teamA),
      indexManifest('local-sharded', tp('ls', { storeRef: 'local', shards: 3 }), teamA),
    ],
    env: {
      TEAM_KEY,
      ADMIN_KEY,
      STORE_KEY,
      OTHER_ORG_KEY,
    },
  });
});

afterAll(async () => {
  await gw?.close();
  await upstream?.close();
});

beforeEach(() => {
  upstream.requests.length = 0;
});

async function write(index: string, body: unknown, key = TEAM_KEY) {
  const res = await fetch(`${gw.url}/v2/namespaces/${index}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** What the upstream received: upstream namespace → parsed write body. */
function received(): Record<string, unknown> {
  return Object.fromEntries(
    upstream.requests.map((r) => [
      decodeURIComponent(r.path.split('?')[0]?.split('/').pop() ?? ''),
      JSON.parse(r.decodedBody.toString('utf8')) as unknown,
    ]),
  );
}

describe('a source outside what the key may read never reaches the upstream', () => {
  it.each([
    ['copy, string form', { copy_from_namespace: 'secret' }],
    ['copy, object form', { copy_from_namespace: { source_namespace: 'secret' } }],
    ['branch, string form', { branch_from_namespace: 'secret' }],
    ['branch, object form', { branch_from_namespace: { source_namespace: 'secret' } }],
  ])('%s from an Index outside the selector: 403, no upstream request', async (_name, body) => {
    const res = await write('a', body);
    expect(res.status).toBe(403);
    expect(res.body.error).toMatch(/API key "team-a" may not access Index "secret"/);
    expect(upstream.requests).toEqual([]);
  });

  it.each([
    ['copy, string form', { copy_from_namespace: 'up-secret' }],
    ['copy, object form', { copy_from_namespace: { source_namespace: 'nope' } }],
    ['branch, string form', { branch_from_namespace: 'nope' }],
    ['branch, object form', { branch_from_namespace: { source_namespace: 'up-secret' } }],
  ])(
    '%s from an undeclared name (even an upstream namespace): 404, no upstream request',
    async (_n, body) => {
      const res = await write('a', body, ADMIN_KEY);
      expect(res.status).toBe(404);
      expect(res.body.error).toMatch(/no Index of that name is declared/);
      expect(upstream.requests).toEqual([]);
    },
  );

  it('a target outside the selector is refused before its source is looked at: 403, no upstream request', async () => {
    const res = await write('secret', { copy_from_namespace: 'a' });
    expect(res.status).toBe(403);
    expect(res.body.error).toMatch(/may not access Index "secret"/);
    expect(upstream.requests).toEqual([]);
  });
});

describe('an allowed source reaches the upstream as its upstream namespace', () => {
  it.each([
    ['copy, string form', { copy_from_namespace: 'b' }, { copy_from_namespace: 'up-b' }],
    [
      'copy, object form with dest_encryption',
      { copy_from_namespace: { source_namespace: 'b', dest_encryption: { mode: 'default' } } },
      { copy_from_namespace: { source_namespace: 'up-b', dest_encryption: { mode: 'default' } } },
    ],
    ['branch, string form', { branch_from_namespace: 'b' }, { branch_from_namespace: 'up-b' }],
    [
      'branch, object form',
      { branch_from_namespace: { source_namespace: 'b' } },
      { branch_from_namespace: { source_namespace: 'up-b' } },
    ],
  ])('%s', async (_name, body, sent) => {
    const res = await write('a', body);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(received()).toEqual({ 'up-a': sent });
    expect(upstream.requests[0]?.headers.authorization).toBe(`Bearer ${STORE_KEY}`);
  });

  it('sharded pair with equal counts: source shard i is copied into shard i', async () => {
    const res = await write('sharded', { copy_from_namespace: 'sharded-src' });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(received()).toEqual({
      'sh-0': { copy_from_namespace: 'shs-0' },
      'sh-1': { copy_from_namespace: 'shs-1' },
      'sh-2': { copy_from_namespace: 'shs-2' },
    });
    expect(res.body.status).toBe('OK');
  });

  it('sharded branch in object form goes shard by shard too', async () => {
    const res = await write('sharded', { branch_from_namespace: { source_namespace: 'sharded-src' } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(received()).toEqual({
      'sh-0': { branch_from_namespace: { source_namespace: 'shs-0' } },
      'sh-1': { branch_from_namespace: { source_namespace: 'shs-1' } },
      'sh-2': { branch_from_namespace: { source_namespace: 'shs-2' } },
    });
  });

  it('a source on another turbopuffer store gets that store’s key from the gateway', async () => {
    const res = await write('a', { copy_from_namespace: 'org' });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(received()).toEqual({
      'up-a': { copy_from_namespace: { source_namespace: 'up-org', source_api_key: OTHER_ORG_KEY } },
    });
  });

  it('a source on a store in another region gets its key and region from the gateway', async () => {
    const res = await write('a', { copy_from_namespace: { source_namespace: 'far' } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(received()).toEqual({
      'up-a': {
        copy_from_namespace: {
          source_namespace: 'up-far',
          source_api_key: OTHER_ORG_KEY,
          source_region: 'aws-eu-west-1',
        },
      },
    });
  });
});

describe('copies the gateway cannot translate are a 400 with no upstream request', () => {
  it.each([
    [
      'sharded target, unsharded source',
      'sharded',
      'b',
      /source Index "b" has 1 shard\(s\) and Index "sharded" has 3/,
    ],
    ['unsharded target, sharded source', 'a', 'sharded-src', /has 3 shard\(s\) and Index "a" has 1/],
    ['3 shards from 2', 'sharded', 'sharded-two', /has 2 shard\(s\) and Index "sharded" has 3/],
  ])('%s: shard counts differ', async (_name, target, source, message) => {
    const res = await write(target, { copy_from_namespace: source });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(message);
    expect(res.body.error).toMatch(/same backend.shards/);
    expect(upstream.requests).toEqual([]);
  });

  it.each(['source_api_key', 'source_region'])(
    'client-supplied %s: 400 without echoing the value',
    async (key) => {
      const res = await write('a', {
        copy_from_namespace: { source_namespace: 'b', [key]: 'tpuf_ClientSuppliedValue' },
      });
      expect(res.status).toBe(400);
      expect(res.body.error).toMatch(new RegExp(`copy_from_namespace.${key} is not accepted from clients`));
      expect(JSON.stringify(res.body)).not.toContain('ClientSuppliedValue');
      expect(upstream.requests).toEqual([]);
    },
  );

  it('a source on the local store into a turbopuffer Index: 400 naming both stores', async () => {
    const res = await write('a', { copy_from_namespace: 'on-local' });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(
      /source Index "on-local" lives on local VectorStore "local" and the target on turbopuffer VectorStore "tp"/,
    );
    expect(upstream.requests).toEqual([]);
  });

  it.each([
    ['a number', { copy_from_namespace: 7 }, /must be an Index name \(a string\) or .*got a number/],
    ['null', { branch_from_namespace: null }, /got null/],
    ['an array', { copy_from_namespace: ['b'] }, /got an array/],
    ['an empty name', { copy_from_namespace: '' }, /"" is not a valid Index name/],
    ['an invalid name', { branch_from_namespace: 'a/b' }, /"a\/b" is not a valid Index name/],
    [
      'an object without source_namespace',
      { copy_from_namespace: {} },
      /source_namespace must be an Index name/,
    ],
    [
      'an unknown object key',
      { branch_from_namespace: { source_namespace: 'b', x: 1 } },
      /unknown field "x"/,
    ],
    ['both fields', { copy_from_namespace: 'b', branch_from_namespace: 'b' }, /not both/],
    [
      'documents in the same write',
      { copy_from_namespace: 'b', upsert_rows: [{ id: 1 }] },
      /cannot be combined with upsert_rows/,
    ],
  ])('bad input, %s: 400, no upstream request', async (_name, body, message) => {
    const res = await write('a', body);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(message);
    expect(upstream.requests).toEqual([]);
  });
});

describe('on the local store, the copy is real', () => {
  const query = async (index: string) => {
    const res = await fetch(`${gw.url}/v2/namespaces/${index}/query`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEAM_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ rank_by: ['id', 'asc'], top_k: 100, include_attributes: true }),
    });
    expect(res.status).toBe(200);
    return ((await res.json()) as { rows: unknown[] }).rows;
  };
  const rows = Array.from({ length: 12 }, (_, i) => ({ id: i + 1, tag: `t${i % 4}` }));

  it('an unsharded copy holds the source documents', async () => {
    expect((await write('on-local', { upsert_rows: rows })).status).toBe(200);
    const res = await write('local-copy', { copy_from_namespace: 'on-local' });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(await query('local-copy')).toEqual(rows);
  });

  it('a sharded copy goes shard by shard and every document is found where the hash puts it', async () => {
    expect((await write('local-sharded-src', { upsert_rows: rows })).status).toBe(200);
    const res = await write('local-sharded', {
      branch_from_namespace: { source_namespace: 'local-sharded-src' },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.rows_affected).toBe(12);
    expect(await query('local-sharded')).toEqual(rows);
    // Found by id through the shard the hash names: a patch of every id touches every document.
    const patched = await write('local-sharded', { patch_rows: rows.map((r) => ({ id: r.id, tag: 'x' })) });
    expect(patched.body.rows_patched).toBe(12);
    expect(upstream.requests).toEqual([]);
  });
});

describe('through the official SDK', () => {
  const client = (apiKey: string) => new Turbopuffer({ apiKey, baseURL: gw.url, maxRetries: 0 });

  it('copyFrom an allowed Index reaches the upstream with its upstream namespace', async () => {
    const result = await client(TEAM_KEY).namespace('a').copyFrom({ source_namespace: 'b' });
    expect(result.status).toBe('OK');
    expect(received()).toEqual({ 'up-a': { copy_from_namespace: { source_namespace: 'up-b' } } });
  });

  it('branchFrom an Index outside the selector is a PermissionDeniedError and sends nothing', async () => {
    const error = await client(TEAM_KEY)
      .namespace('a')
      .branchFrom({ source_namespace: 'secret' })
      .then(
        () => undefined,
        (err: unknown) => err,
      );
    expect(error).toBeInstanceOf(Turbopuffer.PermissionDeniedError);
    expect(upstream.requests).toEqual([]);
  });

  it('copyFrom with source_api_key is a BadRequestError', async () => {
    const error = await client(ADMIN_KEY)
      .namespace('a')
      .copyFrom({ source_namespace: 'b', source_api_key: 'tpuf_x' })
      .then(
        () => undefined,
        (err: unknown) => err,
      );
    expect(error).toBeInstanceOf(Turbopuffer.BadRequestError);
    expect(upstream.requests).toEqual([]);
  });
});
