/**
 * HTTP-level behaviour clients rely on (reference §1.3, §2, §6.4, §11): JSON content type on every
 * answer, gzip in both directions, the SDK's `stainless_overload` query string, metadata on both
 * the v1 and v2 paths, and list parameter validation.
 */
import { gzipSync } from 'node:zlib';
import { describe, expect } from 'vitest';
import Turbopuffer from '@turbopuffer/turbopuffer';
import { allRows, expectErrorBody, type Harness } from '../harness.ts';
import { NS } from '../namespaces.ts';

export function defineTransportCases(h: Harness): void {
  describe('transport', () => {
    h.it('answers with content-type application/json', async () => {
      await h.ns(NS.transport).write({ upsert_rows: [{ id: 1, n: 1 }] });
      const query = await h.raw(
        'POST',
        `/v2/namespaces/${NS.transport}/query`,
        '{"rank_by":["id","asc"],"limit":1}',
      );
      expect(query.status).toBe(200);
      expect(query.headers.get('content-type')).toMatch(/^application\/json/);
      const schema = await h.raw('GET', `/v1/namespaces/${NS.transport}/schema`);
      expect(schema.headers.get('content-type')).toMatch(/^application\/json/);
    });

    h.it('serves metadata on both /v1 and /v2', async () => {
      await h.ns(NS.transport).write({ upsert_rows: [{ id: 2, n: 2 }] });
      const v1 = await h.raw('GET', `/v1/namespaces/${NS.transport}/metadata`);
      const v2 = await h.raw('GET', `/v2/namespaces/${NS.transport}/metadata`);
      expect(v1.status).toBe(200);
      expect(v1.json()).toEqual(v2.json());
    });

    h.it('ignores the query string the SDK adds (stainless_overload)', async () => {
      const res = await h.raw(
        'POST',
        `/v2/namespaces/${NS.transport}/query?stainless_overload=multiQuery`,
        '{"queries":[{"rank_by":["id","asc"],"limit":1},{"aggregate_by":{"n":["Count"]}}]}',
      );
      expect(res.status).toBe(200);
      expect(res.json()).toMatchObject({ results: [{ rows: [{ id: 1 }] }, { aggregations: { n: 2 } }] });
    });

    h.it('gzips the response when the client accepts gzip', async () => {
      await h.ns(NS.transport).write({ upsert_rows: [{ id: 3, n: 3, text: 'long '.repeat(400) }] });
      const query = await h.raw(
        'POST',
        `/v2/namespaces/${NS.transport}/query`,
        '{"rank_by":["id","asc"],"limit":10,"include_attributes":true,"filters":["id","Eq",3]}',
        { 'accept-encoding': 'gzip' },
      );
      expect(query.status).toBe(200);
      expect(query.headers.get('content-encoding')).toBe('gzip');
      expect(query.json()).toMatchObject({ rows: [{ id: 3, n: 3, text: 'long '.repeat(400) }] });
    });

    h.it('accepts a gzip request body (content-encoding: gzip)', async () => {
      const text = 'zipped '.repeat(300);
      const body = JSON.stringify({ upsert_rows: [{ id: 1, text }] });
      const write = await h.raw('POST', `/v2/namespaces/${NS.transportGzip}`, gzipSync(body), {
        'content-encoding': 'gzip',
      });
      expect(write.text).toMatch(/"rows_upserted"\s*:\s*1/);
      expect(write.status).toBe(200);
      expect(await allRows(h.ns(NS.transportGzip))).toEqual([{ id: 1, text }]);
    });

    h.it('works with the SDK in compression mode', async () => {
      const gz = new Turbopuffer({
        apiKey: h.client.apiKey,
        baseURL: h.client.baseURL,
        maxRetries: 0,
        compression: true,
      });
      const rows = Array.from({ length: 40 }, (_, i) => ({ id: i + 1, text: `row ${i + 1} `.repeat(10) }));
      const res = await gz.namespace(NS.transportGzip).write({ upsert_rows: rows });
      expect(res.rows_upserted).toBe(40);
      const back = await gz.namespace(NS.transportGzip).query({
        rank_by: ['id', 'asc'],
        limit: 100,
        include_attributes: true,
      });
      expect(back.rows).toEqual(rows);
      expect(await allRows(h.ns(NS.transportGzip))).toEqual(rows);
    });

    h.it('rejects a list page_size outside 1..1000 with a 400', async () => {
      expectErrorBody(await h.raw('GET', '/v1/namespaces?page_size=0'), 400);
      expectErrorBody(await h.raw('GET', '/v1/namespaces?page_size=1001'), 400);
    });
  });
}
