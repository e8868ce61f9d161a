import { createServer } from 'node:net';
import type { GatewayServer } from '../../src/gateway/server.ts';

/** Starts a gateway server on 127.0.0.1 with a free port; returns its base URL. */
export async function listenOnFreePort(app: GatewayServer): Promise<string> {
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('server has no TCP address');
  return `http://127.0.0.1:${address.port}`;
}

/** A TCP port free on 127.0.0.1 right now (for servers started as child processes). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
