/**
 * Error mapping (reference §1.5, §7): status codes become the SDK's error classes, bodies have the
 * `{"status":"error","error":"…"}` shape, and features the engine does not implement are a 400 that
 * names the feature rather than a wrong answer.
 */
import { beforeAll, describe, expect } from 'vitest';
import { BadRequestError } from '@turbopuffer/turbopuffer';
import type { NamespaceQueryParams } from '@turbopuffer/turbopuffer';
import { expectBadRequest, expectErrorBody, type Harness } from '../harness.ts';
import { NS, metricOf, type ConformanceNamespace } from '../namespaces.ts';

export function defineErrorCases(h: Harness): void {
  const ns = () => h.ns(NS.errors);

  describe('errors', () => {
    beforeAll(async () => {
      await ns().write({
        distance_metric: metricOf(NS.errors),
        schema: { text: { type: 'string', full_text_search: true } },
        upsert_rows: [
          { id: 1, vector: [1, 0], text: 'hello world', n: 1 },
          { id: 2, vector: [0, 1], text: 'goodbye world', n: 2 },
        ],
      });
    });

    h.it('a 400 is a BadRequestError carrying the error body', async () => {
      const err = await ns()
        .query({ rank_by: ['vector', 'kNN', [1, 0]], top_k: 1 })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(BadRequestError);
      expect((err as BadRequestError).error).toMatchObject({
        status: 'error',
        error: expect.any(String) as unknown,
      });
    });

    h.it('a 400 on the wire is JSON {status: "error", error: "..."}', async () => {
      const res = await h.raw(
        'POST',
        `/v2/namespaces/${NS.errors}/query`,
        JSON.stringify({ rank_by: ['id', 'asc'], limit: 10_001 }),
      );
      expectErrorBody(res, 400);
    });

    h.it('a 404 on the wire is JSON {status: "error", error: "..."}', async () => {
      expectErrorBody(await h.raw('GET', `/v2/namespaces/${NS.neverWritten}/metadata`), 404);
      expectErrorBody(
        await h.raw('POST', `/v2/namespaces/${NS.neverWritten}/query`, '{"rank_by":["id","asc"],"limit":1}'),
        404,
      );
    });

    h.it('a body that is not JSON is a 400 in the error shape and writes nothing', async () => {
      expectErrorBody(await h.raw('POST', `/v2/namespaces/${NS.errors}`, '{"upsert_rows": [{"id": 3,'), 400);
      expectErrorBody(await h.raw('POST', `/v2/namespaces/${NS.errors}/query`, 'not json'), 400);
      const rows = await ns().query({ rank_by: ['id', 'asc'], limit: 10 });
      expect(rows.rows?.map((r) => r.id)).toEqual([1, 2]);
    });

    h.it('an invalid namespace name is a 400', async () => {
      const res = await h.raw(
        'POST',
        '/v2/namespaces/bad%20name/query',
        '{"rank_by":["id","asc"],"limit":1}',
      );
      expect(res.status).toBe(400);
    });

    h.it('an unknown rank_by form is a 400', async () => {
      await expectBadRequest(
        ns().query({ rank_by: ['vector', 'Magic', [1, 0]], top_k: 1 } as unknown as NamespaceQueryParams),
      );
    });

    h.it('ANN on an attribute that is not a vector is a 400', async () => {
      await expectBadRequest(ns().query({ rank_by: ['n', 'ANN', [1, 0]], top_k: 1 }));
    });

    h.it('rank_by ANN with ["Embed", …] is a 400 naming Embed', async () => {
      await expectBadRequest(
        ns().query({ rank_by: ['vector', 'ANN', ['Embed', 'hello']], top_k: 1 }),
        /embed/i,
      );
    });

    h.it('rank_by SparseKNN is a 400 naming SparseKNN', async () => {
      await expectBadRequest(
        ns().query({ rank_by: ['vector', 'SparseKNN', { a: 0.5 }], top_k: 1 }),
        /sparse/i,
      );
    });

    h.it('Highlight in compute_attributes is a 400 naming Highlight or compute_attributes', async () => {
      await expectBadRequest(
        ns().query({
          rank_by: ['text', 'BM25', 'world'],
          top_k: 1,
          compute_attributes: { snippet: ['Highlight', 'text'] },
        }),
        /highlight|compute_attributes/i,
      );
    });

    // Once a 400 here; since issue 13 every topology branches (the local engine by a full copy).
    h.it('branch_from_namespace clones the source: the same documents, independent afterwards', async () => {
      const ids = async (name: ConformanceNamespace) =>
        (await h.ns(name).query({ rank_by: ['id', 'asc'], top_k: 10 })).rows?.map((r) => r.id);
      await h.ns(NS.branchTarget).branchFrom({ source_namespace: NS.errors });
      expect(await ids(NS.branchTarget)).toEqual([1, 2]);
      await h.ns(NS.branchTarget).write({ deletes: [1] });
      expect(await ids(NS.branchTarget)).toEqual([2]);
      expect(await ids(NS.errors)).toEqual([1, 2]);
    });
  });
}
