/**
 * Attribute and id types: declared (uuid, datetime) and inferred types, full-text options,
 * `filterable`, string/uuid ids, and u64 ids above 2^53 checked on the raw wire text, because the
 * SDK parses responses with `JSON.parse` (reference §3.1, §3.2, §3.4).
 */
import { beforeAll, describe, expect } from 'vitest';
import { allRows, expectBadRequest, idsWhere, type Harness } from '../harness.ts';
import { NS } from '../namespaces.ts';

const UUID = (n: number): string => `0190c2c4-7d1a-7b2e-8f00-00000000000${n}`;
const TYPED_ROWS = [
  {
    id: 1,
    ref: UUID(1),
    at: '2024-03-15T10:30:45Z',
    tags: ['a', 'b'],
    nums: [1, 2, 3],
    active: true,
    score: 1.25,
  },
  { id: 2, ref: UUID(2), at: '2024-03-17', tags: ['c'], nums: [-5, 40], active: false, score: 2.5 },
  {
    id: 3,
    ref: UUID(3),
    at: '2025-01-01T00:00:00.500Z',
    tags: ['b', 'c'],
    nums: [7],
    active: true,
    score: -0.75,
  },
];

export function defineWriteTypeCases(h: Harness): void {
  describe('writes: attribute types', () => {
    beforeAll(async () => {
      await h.ns(NS.writeTypes).write({ schema: { ref: 'uuid', at: 'datetime' }, upsert_rows: TYPED_ROWS });
    });

    h.it('the schema shows declared (uuid, datetime) and inferred types', async () => {
      const schema = await h.ns(NS.writeTypes).schema();
      const types = Object.fromEntries(Object.entries(schema).map(([k, v]) => [k, v.type]));
      expect(types).toEqual({
        id: 'uint',
        ref: 'uuid',
        at: 'datetime',
        tags: '[]string',
        nums: '[]int',
        active: 'bool',
        score: 'float',
      });
    });

    h.it('values of every type round-trip (datetimes as the same instant)', async () => {
      const rows = await allRows(h.ns(NS.writeTypes));
      expect(rows.map(({ at: _at, ...rest }) => rest)).toEqual(
        TYPED_ROWS.map(({ at: _at, ...rest }) => rest),
      );
      rows.forEach((row, i) => {
        expect(typeof row['at']).toBe('string');
        expect(Date.parse(String(row['at']))).toBe(Date.parse(TYPED_ROWS[i]?.at ?? ''));
      });
    });

    h.it('datetimes filter and order as instants', async () => {
      const ns = h.ns(NS.writeTypes);
      expect(await idsWhere(ns, ['at', 'Gt', '2024-03-16'])).toEqual([2, 3]);
      expect(await idsWhere(ns, ['at', 'Lt', '2024-03-15T10:30:46Z'])).toEqual([1]);
      const ordered = await ns.query({ rank_by: ['at', 'desc'], limit: 10 });
      expect(ordered.rows?.map((r) => r.id)).toEqual([3, 2, 1]);
    });

    h.it('uuid, []int, bool and float attributes filter by value', async () => {
      const ns = h.ns(NS.writeTypes);
      expect(await idsWhere(ns, ['ref', 'Eq', UUID(2)])).toEqual([2]);
      expect(await idsWhere(ns, ['nums', 'Contains', 40])).toEqual([2]);
      expect(await idsWhere(ns, ['nums', 'AnyLt', 0])).toEqual([2]);
      expect(await idsWhere(ns, ['active', 'Eq', true])).toEqual([1, 3]);
      expect(await idsWhere(ns, ['score', 'Gt', 1.25])).toEqual([2]);
    });

    h.it('full_text_search options are stored and used (stemming, case folding)', async () => {
      const ns = h.ns(NS.writeFtsOptions);
      await ns.write({
        schema: {
          text: {
            type: 'string',
            full_text_search: { language: 'english', stemming: true, case_sensitive: false, k1: 1.5, b: 0.5 },
          },
        },
        upsert_rows: [
          { id: 1, text: 'The runner runs daily' },
          { id: 2, text: 'Swimming in the lake' },
          { id: 3, text: 'walking the DOG' },
        ],
      });
      const fts = (await ns.schema())['text']?.full_text_search;
      expect(fts).toMatchObject({
        language: 'english',
        stemming: true,
        case_sensitive: false,
        k1: 1.5,
        b: 0.5,
      });
      const bm25 = async (q: string) =>
        (await ns.query({ rank_by: ['text', 'BM25', q], limit: 10 })).rows?.map((r) => r.id);
      expect(await bm25('running')).toEqual([1]);
      expect(await bm25('swim')).toEqual([2]);
      expect(await bm25('dog')).toEqual([3]);
    });

    h.it('filterable is reported per attribute (default true, as declared otherwise)', async () => {
      const ns = h.ns(NS.writeFilterable);
      await ns.write({
        schema: { secret: { type: 'string', filterable: false }, open: 'string' },
        upsert_rows: [{ id: 1, secret: 's', open: 'o' }],
      });
      const schema = await ns.schema();
      expect(schema['secret']).toMatchObject({ type: 'string', filterable: false });
      expect(schema['open']).toMatchObject({ type: 'string', filterable: true });
      expect(await allRows(ns)).toEqual([{ id: 1, secret: 's', open: 'o' }]);
    });

    h.it('string ids order, filter and delete as strings', async () => {
      const ns = h.ns(NS.writeStringIds);
      await ns.write({ upsert_rows: ['doc-b', 'doc-a', 'doc-c'].map((id) => ({ id, n: 1 })) });
      expect((await ns.schema())['id']?.type).toBe('string');
      expect(await idsWhere(ns, ['n', 'Eq', 1])).toEqual(['doc-a', 'doc-b', 'doc-c']);
      expect(await idsWhere(ns, ['id', 'Eq', 'doc-b'])).toEqual(['doc-b']);
      await ns.write({ deletes: ['doc-a'] });
      expect(await idsWhere(ns, ['n', 'Eq', 1])).toEqual(['doc-b', 'doc-c']);
      await ns.write({ upsert_rows: [{ id: 'x'.repeat(64), n: 2 }] });
      await expectBadRequest(ns.write({ upsert_rows: [{ id: 'y'.repeat(65), n: 2 }] }));
      expect(await idsWhere(ns, ['n', 'Eq', 2])).toEqual(['x'.repeat(64)]);
    });

    h.it('uuid ids (schema id: uuid) round-trip and filter', async () => {
      const ns = h.ns(NS.writeUuidIds);
      const ids = [UUID(3), UUID(1), UUID(2)];
      await ns.write({ schema: { id: 'uuid' }, upsert_rows: ids.map((id, i) => ({ id, n: i })) });
      expect((await ns.schema())['id']?.type).toBe('uuid');
      expect(await idsWhere(ns, ['n', 'Gte', 0])).toEqual([UUID(1), UUID(2), UUID(3)]);
      expect(await idsWhere(ns, ['id', 'Eq', UUID(2)])).toEqual([UUID(2)]);
    });

    h.it('u64 ids above 2^53 round-trip exactly on the wire', async () => {
      const path = `/v2/namespaces/${NS.writeBigIds}`;
      const write = await h.raw(
        'POST',
        path,
        '{"upsert_rows":[{"id":18446744073709551615,"v":"max"},{"id":9007199254740993,"v":"odd"},' +
          '{"id":9007199254740992,"v":"even"},{"id":1,"v":"one"}],"return_affected_ids":true}',
      );
      expect(write.status).toBe(200);
      for (const id of ['18446744073709551615', '9007199254740993', '9007199254740992']) {
        expect(write.text).toMatch(new RegExp(`[\\[,]\\s*${id}\\s*[,\\]]`));
      }
      const ordered = await h.raw(
        'POST',
        `${path}/query`,
        '{"rank_by":["id","asc"],"limit":10,"include_attributes":["v"]}',
      );
      expect(ordered.status).toBe(200);
      const ids = [...ordered.text.matchAll(/"id"\s*:\s*(\d+)/g)].map((m) => m[1]);
      expect(ids).toEqual(['1', '9007199254740992', '9007199254740993', '18446744073709551615']);
      const one = await h.raw(
        'POST',
        `${path}/query`,
        '{"rank_by":["id","asc"],"limit":10,"include_attributes":["v"],"filters":["id","Eq",9007199254740993]}',
      );
      expect([...one.text.matchAll(/"id"\s*:\s*(\d+)/g)].map((m) => m[1])).toEqual(['9007199254740993']);
      expect(one.text).toMatch(/"v"\s*:\s*"odd"/);
      const del = await h.raw('POST', path, '{"deletes":[18446744073709551615]}');
      expect(del.status).toBe(200);
      const after = await h.raw('POST', `${path}/query`, '{"rank_by":["id","desc"],"limit":1}');
      expect([...after.text.matchAll(/"id"\s*:\s*(\d+)/g)].map((m) => m[1])).toEqual(['9007199254740993']);
      // Through the SDK (JSON.parse) the rows are all there, ids as the nearest doubles.
      const viaSdk = await h
        .ns(NS.writeBigIds)
        .query({ rank_by: ['id', 'asc'], limit: 10, include_attributes: ['v'] });
      expect(viaSdk.rows?.map((r) => [typeof r.id, r['v']])).toEqual([
        ['number', 'one'],
        ['number', 'even'],
        ['number', 'odd'],
      ]);
    });
  });
}
