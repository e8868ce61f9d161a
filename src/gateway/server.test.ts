/**
 * The server's shutdown phases on real connections: after stopAccepting() idle keep-alive
 * connections close at once, a busy one gets `connection: close` on its answer, a stream in
 * flight ends with its producer's final line, and the close resolves once they are done.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, request } from 'undici';
import { afterAll, describe, expect, it } from 'vitest';
import { listenOnFreePort } from '../../test/helpers/listen.ts';
import type { VectorStore } from '../stores/port.ts';
import { Payload } from '../wire/payload.ts';
import { ndjson, value } from './route.ts';
import { createGatewayServer } from './server.ts';
import { openResolver } from './target.ts';

const store = {
  dispatch: async () => Payload.fromValue({}),
} as unknown as VectorStore;

describe('gateway server shutdown phases', () => {
  const agent = new Agent({ keepAliveTimeout: 60_000, connections: 4 });
  afterAll(() => agent.close());

  it('closes idle keep-alive connections, answers the busy one with connection: close, ends streams with their final line', async () => {
    const app = createGatewayServer({ resolver: openResolver(store) });
    let release = (): void => undefined;
    app.route({
      method: 'GET',
      path: '/test/slow',
      body: false,
      handler: () =>
        new Promise((resolve) => {
          release = () => resolve(value(200, { done: true }));
        }),
    });
    app.route({
      method: 'GET',
      path: '/test/stream',
      body: false,
      handler: async (ctx) =>
        ndjson(
          200,
          (async function* () {
            while (!ctx.stopping.aborted) {
              yield '{"row":1}\n';
              await sleep(10);
            }
            yield '{"$end":"shutdown"}\n';
          })(),
        ),
    });
    const url = await listenOnFreePort(app);
    // An idle keep-alive connection, then a busy one and a stream.
    const warm = await request(`${url}/healthz`, { dispatcher: agent });
    expect(warm.headers.connection).toBe('keep-alive');
    await warm.body.dump();
    const slow = request(`${url}/test/slow`, { dispatcher: agent });
    const stream = await request(`${url}/test/stream`, { dispatcher: agent });
    const streamText = stream.body.text();
    await sleep(50);

    app.drain();
    expect(app.phase).toBe('draining');
    const closed = app.stopAccepting();
    expect(app.phase).toBe('closing');
    expect(
      app
        .inFlight()
        .map((r) => r.route)
        .sort(),
    ).toEqual(['/test/slow', '/test/stream']);
    release();
    const answer = await slow;
    expect(answer.statusCode).toBe(200);
    expect(answer.headers.connection).toBe('close');
    await answer.body.dump();
    expect((await streamText).trimEnd().split('\n').at(-1)).toBe('{"$end":"shutdown"}');
    await closed;
    expect(app.inFlight()).toEqual([]);
    expect(app.server.listening).toBe(false);
  });
});
