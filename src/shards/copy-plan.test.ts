import { describe, expect, it } from 'vitest';
import type { ResolvedSource } from '../stores/copy-source.ts';
import type { Dispatch, Operation } from '../stores/operations.ts';
import { HevError } from '../wire/errors.ts';
import { Payload } from '../wire/payload.ts';
import { shardsLayer } from './layer.ts';

const source = (namespaces: string[], over: Partial<ResolvedSource> = {}): ResolvedSource => ({
  field: 'copy_from_namespace',
  name: 'src',
  form: 'string',
  options: {},
  namespaces,
  access: {},
  ...over,
});

const copy = (s: ResolvedSource, body: unknown = { [s.field]: s.name }): Operation => ({
  op: 'write',
  ns: 'dst',
  body: Payload.fromValue(body),
  source: s,
});

/** A shard store that answers per namespace: a write result, or the error given for it. */
function shardStore(errors: Record<string, HevError> = {}) {
  const calls: { ns: string; body: unknown }[] = [];
  const dispatch: Dispatch = (operation) => {
    calls.push({ ns: operation.ns, body: operation.body?.value() });
    const error = errors[operation.ns];
    if (error !== undefined) return Promise.reject(error);
    return Promise.resolve(Payload.fromValue({ status: 'OK', message: 'copied', rows_affected: 5 }));
  };
  return { calls, dispatch };
}

/** The HevError a call fails with (fails the test if it succeeds). */
async function failure(p: Promise<unknown>): Promise<HevError> {
  const outcome = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(outcome).toBeInstanceOf(HevError);
  return outcome as HevError;
}

const notFound = (ns: string) => new HevError('HEV_NAMESPACE_NOT_FOUND', `namespace '${ns}' was not found`);

describe('the shards layer on a copy', () => {
  it('one namespace: the source becomes its upstream namespace, in the client form', async () => {
    const { calls, dispatch } = shardStore();
    const layer = shardsLayer({ namespaces: ['up-dst'], fanOut: 1 })(dispatch);
    await layer(
      copy(source(['up-src'], { form: 'object', options: { dest_encryption: { mode: 'default' } } })),
      {},
    );
    expect(calls).toEqual([
      {
        ns: 'up-dst',
        body: { copy_from_namespace: { source_namespace: 'up-src', dest_encryption: { mode: 'default' } } },
      },
    ]);
  });

  it('gateway access fields turn a string source into the object form', async () => {
    const { calls, dispatch } = shardStore();
    const layer = shardsLayer({ namespaces: ['up-dst'], fanOut: 1 })(dispatch);
    await layer(copy(source(['up-src'], { access: { source_api_key: 'k', source_region: 'r' } })), {});
    expect(calls[0]?.body).toEqual({
      copy_from_namespace: { source_namespace: 'up-src', source_api_key: 'k', source_region: 'r' },
    });
  });

  it('N shards: shard i from source shard i, results summed', async () => {
    const { calls, dispatch } = shardStore();
    const layer = shardsLayer({ namespaces: ['d-0', 'd-1', 'd-2'], fanOut: 1 })(dispatch);
    const result = await layer(copy(source(['s-0', 's-1', 's-2'])), {});
    expect(calls).toEqual([
      { ns: 'd-0', body: { copy_from_namespace: 's-0' } },
      { ns: 'd-1', body: { copy_from_namespace: 's-1' } },
      { ns: 'd-2', body: { copy_from_namespace: 's-2' } },
    ]);
    expect(result.value()).toMatchObject({ status: 'OK', rows_affected: 15 });
  });

  it('a source shard that does not exist is an empty shard; all missing is a 404', async () => {
    const one = shardStore({ 'd-1': notFound('s-1') });
    const layer = shardsLayer({ namespaces: ['d-0', 'd-1'], fanOut: 2 })(one.dispatch);
    expect((await layer(copy(source(['s-0', 's-1'])), {})).value()).toMatchObject({ rows_affected: 5 });
    const none = shardStore({ 'd-0': notFound('s-0'), 'd-1': notFound('s-1') });
    const empty = shardsLayer({ namespaces: ['d-0', 'd-1'], fanOut: 2 })(none.dispatch);
    await expect(empty(copy(source(['s-0', 's-1'])), {})).rejects.toMatchObject({ status: 404 });
  });

  it('a shard that fails names the shards that took their copy and how to start over', async () => {
    const { dispatch } = shardStore({ 'd-1': new HevError('HEV_UPSTREAM_ERROR', 'boom') });
    const layer = shardsLayer({ namespaces: ['d-0', 'd-1'], fanOut: 2 })(dispatch);
    const err = await failure(layer(copy(source(['s-0', 's-1'])), {}));
    expect(err.message).toMatch(/sharded copy_from_namespace: applied on shards 0; failed on shards 1/);
    expect(err.message).toMatch(/delete this Index .* and send the copy again/);
  });

  it('different shard counts: 400 and nothing is sent', async () => {
    const { calls, dispatch } = shardStore();
    const layer = shardsLayer({ namespaces: ['d-0', 'd-1'], fanOut: 2 })(dispatch);
    const err = await failure(layer(copy(source(['s-0', 's-1', 's-2'])), {}));
    expect(err).toMatchObject({ status: 400, code: 'HEV_INVALID_REQUEST' });
    expect(err.message).toMatch(/source Index "src" has 3 shard\(s\) and Index "dst" has 2/);
    expect(calls).toEqual([]);
  });
});
