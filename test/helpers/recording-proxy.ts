/**
 * A counting upstream for cache tests: a real HTTP server (127.0.0.1, free port) that forwards
 * every request, byte for byte, to a real turbopuffer-compatible server (e.g. a gateway over a
 * local store) and records what it forwarded, so a test can count the upstream calls a caching
 * gateway made and read their bodies. Query calls can be held (forwarded only on `release()`) to
 * make concurrent cache misses overlap deterministically.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { request } from 'undici';

export interface ForwardedRequest {
  readonly method: string;
  /** Path without the query string. */
  readonly path: string;
  /** The body as JSON text (content-encoding undone); '' without a body. */
  readonly body: string;
}

export interface RecordingProxy {
  readonly url: string;
  readonly requests: readonly ForwardedRequest[];
  /** The POST …/query calls forwarded for an upstream namespace. */
  queries(namespace: string): ForwardedRequest[];
  /** From now on, query calls wait (after being recorded) until `release()`. */
  holdQueries(): void;
  /** Forwards every held query call and stops holding; returns how many were held. */
  release(): number;
  /** Query calls waiting right now. */
  readonly held: number;
  close(): Promise<void>;
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'host', 'content-length']);

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function forwardHeaders(headers: IncomingMessage['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers))
    if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = String(value);
  return out;
}

export async function startRecordingProxy(target: string): Promise<RecordingProxy> {
  const requests: ForwardedRequest[] = [];
  let holding = false;
  let waiting: (() => void)[] = [];
  const sockets = new Set<Socket>();

  const server = createServer((req, res) => {
    void (async () => {
      const raw = await readBody(req);
      const path = (req.url ?? '/').split('?', 1)[0] ?? '/';
      const text = req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw;
      requests.push({ method: req.method ?? '', path, body: text.toString('utf8') });
      if (holding && req.method === 'POST' && path.endsWith('/query'))
        await new Promise<void>((resolve) => waiting.push(resolve));
      const upstream = await request(`${target}${req.url ?? '/'}`, {
        method: (req.method ?? 'GET') as 'GET',
        headers: forwardHeaders(req.headers),
        body: raw.length === 0 ? null : raw,
      });
      const body = Buffer.from(await upstream.body.arrayBuffer());
      const headers = forwardHeaders(upstream.headers as IncomingMessage['headers']);
      res.writeHead(upstream.statusCode, { ...headers, 'content-length': String(body.length) });
      res.end(body);
    })().catch((err: unknown) => {
      res.writeHead(502, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: 'error', error: `recording proxy: ${String(err)}` }));
    });
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('recording proxy: no TCP address');

  return {
    url: `http://127.0.0.1:${address.port}`,
    requests,
    queries: (namespace) =>
      requests.filter(
        (r) => r.method === 'POST' && r.path.endsWith(`/namespaces/${encodeURIComponent(namespace)}/query`),
      ),
    holdQueries: () => {
      holding = true;
    },
    release: () => {
      holding = false;
      const all = waiting;
      waiting = [];
      for (const go of all) go();
      return all.length;
    },
    get held() {
      return waiting.length;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const go of waiting.splice(0)) go();
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}
