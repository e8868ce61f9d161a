/**
 * Stream replies (the NDJSON shape the scan route will use) through the pipeline: written with
 * backpressure, ended by the producer's final line when the server stops, ended with an error
 * line when the producer fails, and stopped when the client goes away.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { HevError } from '../wire/errors.ts';
import { SHOP_KEY, startPipelineKit, type PipelineKit } from './pipeline-test-kit.ts';
import { ndjson, type RouteSpec } from './route.ts';

const LINE = `${JSON.stringify({ id: 0, pad: 'x'.repeat(1000) })}\n`;
const TOTAL = 20_000;
const progress = { produced: 0, closedByClient: false };

const routes: RouteSpec[] = [
  {
    method: 'GET',
    path: '/hevlayer/v1/test/many',
    body: false,
    handler: async () =>
      ndjson(
        200,
        (async function* () {
          for (progress.produced = 0; progress.produced < TOTAL; progress.produced++) yield LINE;
          yield `${JSON.stringify({ $end: { rows: TOTAL } })}\n`;
        })(),
      ),
  },
  {
    method: 'GET',
    path: '/hevlayer/v1/test/until-stop',
    body: false,
    handler: async (ctx) =>
      ndjson(
        200,
        (async function* () {
          let rows = 0;
          try {
            while (!ctx.stopping.aborted) {
              yield `${JSON.stringify({ id: rows++ })}\n`;
              await sleep(10);
            }
            yield `${JSON.stringify({ $end: { rows, reason: 'shutdown' } })}\n`;
          } finally {
            if (!ctx.stopping.aborted) progress.closedByClient = true;
          }
        })(),
      ),
  },
  {
    method: 'GET',
    path: '/hevlayer/v1/test/fails',
    body: false,
    handler: async () =>
      ndjson(
        200,
        (async function* () {
          yield '{"id":1}\n';
          throw new HevError('HEV_UPSTREAM_UNAVAILABLE', 'the store went away mid-stream');
        })(),
      ),
  },
];

const headers = { authorization: `Bearer ${SHOP_KEY}` };

describe('stream replies', () => {
  let kit: PipelineKit;
  beforeAll(async () => {
    kit = await startPipelineKit({ routes });
  });
  afterAll(() => kit.close());

  it('waits for the client to read (backpressure) and delivers every line and the final one', async () => {
    const res = await request(`${kit.url}/hevlayer/v1/test/many`, { headers });
    expect(res.headers['content-type']).toBe('application/x-ndjson');
    await sleep(300);
    // Socket buffers hold a few MB at most; 20 MB cannot all have been produced unread.
    expect(progress.produced).toBeLessThan(TOTAL);
    const lines = (await res.body.text()).trimEnd().split('\n');
    expect(lines).toHaveLength(TOTAL + 1);
    expect(JSON.parse(lines.at(-1) ?? '')).toEqual({ $end: { rows: TOTAL } });
  });

  it('stops the producer when the client goes away', async () => {
    const res = await request(`${kit.url}/hevlayer/v1/test/until-stop`, { headers });
    for await (const chunk of res.body) {
      expect(String(chunk)).toContain('"id"');
      break;
    }
    for (let i = 0; i < 100 && !progress.closedByClient; i++) await sleep(20);
    expect(progress.closedByClient).toBe(true);
  });

  it('ends with the producer’s final line when the server stops, rather than cutting the stream', async () => {
    const res = await request(`${kit.url}/hevlayer/v1/test/until-stop`, { headers });
    const reading = res.body.text();
    await sleep(50);
    kit.stopping.abort();
    const lines = (await reading).trimEnd().split('\n');
    expect(lines.length).toBeGreaterThan(1);
    expect(JSON.parse(lines.at(-1) ?? '')).toMatchObject({ $end: { reason: 'shutdown' } });
  });

  it('ends with an error line in the catalogue shape when the producer fails mid-stream', async () => {
    const res = await request(`${kit.url}/hevlayer/v1/test/fails`, { headers });
    expect(res.statusCode).toBe(200);
    const lines = (await res.body.text()).trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(JSON.parse(lines[1] ?? '')).toEqual({
      status: 'error',
      error: 'the store went away mid-stream',
      code: 'HEV_UPSTREAM_UNAVAILABLE',
    });
    const line = kit.lines.find((l) => l.msg === 'request' && l.route === '/hevlayer/v1/test/fails');
    expect(line).toMatchObject({ status: 503, level: 50 });
  });
});
