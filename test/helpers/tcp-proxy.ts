/**
 * A TCP pass-through on 127.0.0.1 (free port) in front of one server, which a test can cut and
 * restore: cutting destroys every open connection and refuses new ones while the server itself
 * keeps running, so one client (e.g. one gateway replica) loses a shared backend that others
 * still reach — a network partition, not a crash.
 */
import { connect, createServer, type Socket } from 'node:net';

export interface TcpProxy {
  readonly port: number;
  /** Destroys open connections; new ones are closed at once until `restore()`. */
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

export interface TcpProxyOptions {
  /**
   * Sees every chunk before it is passed on (`request`: client → server); a `cut()` inside it
   * drops that chunk, so a test can cut a connection at an exact point of a protocol exchange.
   */
  readonly onData?: (chunk: Buffer, direction: 'request' | 'response') => void;
}

/** Passes `from`'s bytes to `to`, through the tap when there is one. */
function forward(
  from: Socket,
  to: Socket,
  direction: 'request' | 'response',
  options: TcpProxyOptions,
  isCut: () => boolean,
): void {
  const tap = options.onData;
  if (tap === undefined) {
    from.pipe(to);
    return;
  }
  from.on('data', (chunk: Buffer) => {
    tap(chunk, direction);
    if (!isCut()) to.write(chunk);
  });
}

export async function startTcpProxy(targetPort: number, options: TcpProxyOptions = {}): Promise<TcpProxy> {
  const open = new Set<Socket>();
  let cut = false;
  const track = (socket: Socket) => {
    open.add(socket);
    socket.once('close', () => open.delete(socket));
    socket.on('error', () => socket.destroy());
  };
  const server = createServer((client) => {
    track(client);
    if (cut) {
      client.destroy();
      return;
    }
    const upstream = connect(targetPort, '127.0.0.1');
    track(upstream);
    forward(client, upstream, 'request', options, () => cut);
    forward(upstream, client, 'response', options, () => cut);
    client.once('close', () => upstream.destroy());
    upstream.once('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('tcp proxy: no TCP address');
  const destroyAll = () => {
    for (const socket of open) socket.destroy();
  };
  return {
    port: address.port,
    cut: () => {
      cut = true;
      destroyAll();
    },
    restore: () => {
      cut = false;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        destroyAll();
      }),
  };
}
