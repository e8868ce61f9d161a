import { describe, expect, it } from 'vitest';
import type { Dispatch, Operation } from '../stores/operations.ts';
import { storeMethods } from '../stores/port.ts';
import { HevError } from '../wire/errors.ts';
import { Payload } from '../wire/payload.ts';
import { shardsLayer } from './layer.ts';

const NAMES = ['p-0', 'p-1', 'p-2'];

/** Shards answering from a table (`undefined` = the shard namespace does not exist: 404). */
function shards(answers: Record<string, unknown>) {
  const calls: { op: string; ns: string; body: unknown }[] = [];
  const next: Dispatch = (operation: Operation) => {
    calls.push({ op: operation.op, ns: operation.ns, body: operation.body?.value() });
    const answer = answers[operation.ns];
    if (answer === undefined) {
      return Promise.reject(new HevError('HEV_NAMESPACE_NOT_FOUND', `namespace ${operation.ns} not found`));
    }
    if (answer instanceof Error) return Promise.reject(answer);
    return Promise.resolve(Payload.fromValue(answer));
  };
  const index = storeMethods(shardsLayer({ namespaces: NAMES, fanOut: 3 })(next));
  return { index, calls };
}

const P = (v: unknown) => Payload.fromValue(v);

async function rejection(p: Promise<unknown>): Promise<HevError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof HevError) return err;
    throw err;
  }
  throw new Error('expected a rejection');
}

describe('recall on a sharded Index', () => {
  it('is the mean of the existing shards’ figures, each shard sent the request unchanged', async () => {
    const { index, calls } = shards({
      'p-0': { avg_recall: 1, avg_exhaustive_count: 3, avg_ann_count: 3 },
      'p-2': { avg_recall: 0.5, avg_exhaustive_count: 2, avg_ann_count: 1 },
    });
    const res = (await index.recall('idx', P({ num: 4, top_k: 3 }))).value();
    expect(res).toEqual({ avg_recall: 0.75, avg_exhaustive_count: 2.5, avg_ann_count: 2 });
    expect(calls.map((c) => [c.op, c.ns, c.body])).toEqual(
      NAMES.map((ns) => ['recall', ns, { num: 4, top_k: 3 }]),
    );
  });

  it('refuses include_ground_truth with a 400 before any shard is called', async () => {
    const { index, calls } = shards({});
    const err = await rejection(index.recall('idx', P({ include_ground_truth: true })));
    expect([err.status, err.code]).toEqual([400, 'HEV_UNSUPPORTED']);
    expect(err.message).toMatch(/include_ground_truth is not supported on a sharded Index/);
    expect(calls).toEqual([]);
  });

  it('keeps a shard’s 400 with the shard named, and is a 404 when no shard exists', async () => {
    const bad = shards({ 'p-0': new HevError('HEV_INVALID_REQUEST', 'num must be an integer') });
    const err = await rejection(bad.index.recall('idx', P({ num: 'x' })));
    expect([err.status, err.message]).toEqual([400, 'shard 0 (p-0): num must be an integer']);
    expect((await rejection(shards({}).index.recall('idx', P({})))).status).toBe(404);
  });
});

describe('explain_query on a sharded Index', () => {
  it('labels each shard’s plan, says which shards do not exist, and sends the merge’s shard request', async () => {
    const { index, calls } = shards({ 'p-0': { plan_text: 'scan\nsort' }, 'p-1': { plan_text: 'scan' } });
    const res = (await index.explainQuery('idx', P({ rank_by: ['price', 'desc'], top_k: 2 }))).value();
    expect(res).toEqual({
      plan_text: [
        'sharded Index over 3 namespaces: each shard runs the query below and the gateway merges the answers (docs/adr/sharding.md)',
        'shard 0 (p-0):',
        '  scan',
        '  sort',
        'shard 1 (p-1):',
        '  scan',
        'shard 2 (p-2):',
        '  not created yet (no document has hashed to it): nothing to run',
      ].join('\n'),
    });
    // The merge orders by price, so every shard is asked for it (query-plan.ts).
    expect(calls[0]?.body).toEqual({ rank_by: ['price', 'desc'], top_k: 2, include_attributes: ['price'] });
  });

  it('rejects a query the merge cannot serve, as /query does', async () => {
    const { index, calls } = shards({});
    const asExplain = await rejection(
      index.explainQuery('idx', P({ aggregate_by: { m: ['Avg', 'price'] } })),
    );
    const asQuery = await rejection(index.query('idx', P({ aggregate_by: { m: ['Avg', 'price'] } })));
    expect([asExplain.status, asExplain.message]).toEqual([asQuery.status, asQuery.message]);
    expect(asExplain.status).toBe(400);
    expect(calls).toEqual([]);
  });
});

describe('metadata update on a sharded Index', () => {
  const meta = (rows: number) => ({
    schema: { id: { type: 'uint' } },
    approx_row_count: rows,
    approx_logical_bytes: rows * 10,
    created_at: '2026-01-01T00:00:00Z',
    updated_at: '2026-01-02T00:00:00Z',
    encryption: { mode: 'default' },
    index: { status: 'up-to-date' },
  });

  it('is applied on every shard and answers the merged metadata; a missing shard is skipped', async () => {
    const { index, calls } = shards({ 'p-0': meta(2), 'p-1': meta(5) });
    const res = (await index.updateMetadata('idx', P({ pinning: { replicas: 2 } }))).value();
    expect(res).toMatchObject({ approx_row_count: 7, approx_logical_bytes: 70 });
    expect(calls.map((c) => [c.op, c.ns, c.body])).toEqual(
      NAMES.map((ns) => ['updateMetadata', ns, { pinning: { replicas: 2 } }]),
    );
  });

  it('reports a refusal by every existing shard as nothing applied, keeping the 400', async () => {
    const refusal = new HevError('HEV_UNSUPPORTED', 'pinning is not supported by this store');
    const { index } = shards({ 'p-0': refusal, 'p-2': refusal });
    const err = await rejection(index.updateMetadata('idx', P({ pinning: true })));
    expect([err.status, err.code]).toEqual([400, 'HEV_UNSUPPORTED']);
    expect(err.message).toBe(
      'sharded metadata update: nothing applied; failed on shards 0, 2: shard 0 (p-0), shard 2 (p-2): pinning is not supported by this store.',
    );
  });
});
