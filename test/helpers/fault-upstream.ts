/**
 * A real HTTP server (node:http, 127.0.0.1, free port) that speaks enough of the turbopuffer routes
 * to stand in for the upstream, records every request it receives, and can be scripted to
 * misbehave: answer with any status/headers/body, reset the connection before or after reading the
 * body, hang, hold a request until released, drop keep-alive sockets, or stop listening so that
 * connections are refused.
 *
 * Scripted actions are consumed one per incoming request, in order; with none left, requests get
 * the default turbopuffer-like answer.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { gunzipSync, gzipSync } from 'node:zlib';

export interface RecordedRequest {
  readonly method: string;
  /** Path with query string, as received. */
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  /** The body bytes as they arrived (still gzipped if the client gzipped them). */
  body: Buffer;
  /** The body with any content-encoding undone. */
  decodedBody: Buffer;
}

export type FaultAction =
  | {
      readonly kind: 'respond';
      readonly status?: number;
      /** A string or Buffer is sent verbatim; anything else is JSON.stringify'd. */
      readonly body?: unknown;
      readonly headers?: Readonly<Record<string, string>>;
      /** Gzip the body and set content-encoding (regardless of accept-encoding). */
      readonly gzip?: boolean;
      /** Destroy the socket right after the response, without `connection: close`. */
      readonly dropConnection?: boolean;
    }
  | { readonly kind: 'reset'; readonly when: 'before-body' | 'after-body' }
  /** Never answer (until the server closes). */
  | { readonly kind: 'hang' }
  /** Read the body, then wait for `release()`, then give the default answer. */
  | { readonly kind: 'hold' };

export interface FaultUpstreamOptions {
  /** When set, requests without `authorization: Bearer <key>` get 401. */
  readonly apiKey?: string;
  /**
   * Like turbopuffer's per-namespace slots: a request arriving while this many are being handled
   * is answered 429 at once (counted in `rejected429`), before any scripted action.
   */
  readonly concurrencyLimit?: number;
}

export interface FaultUpstream {
  readonly url: string;
  readonly port: number;
  readonly requests: RecordedRequest[];
  /** Requests received whose method and path (without query string) match. */
  hits(method?: string, path?: string): RecordedRequest[];
  /** Queues actions for the next requests, one each. */
  script(...actions: FaultAction[]): void;
  /** Answers every held request; returns how many were released. */
  release(): number;
  /** Requests currently held or hanging. */
  readonly waiting: number;
  /** Client connections currently open (server side). */
  readonly connections: number;
  /** The most requests that were ever being handled at the same time. */
  readonly maxConcurrent: number;
  /** Requests refused because of `concurrencyLimit`. */
  readonly rejected429: number;
  /** Closes the listener and every connection: new connections are refused. */
  stopListening(): Promise<void>;
  /** Listens again on the same port. */
  resumeListening(): Promise<void>;
  /** Closes keep-alive connections that are idle right now (server-side FIN). */
  closeIdleConnections(): void;
  close(): Promise<void>;
}

type Route = (req: RecordedRequest, ns: string | undefined) => { status: number; body: unknown };

function defaultAnswer(docs: Map<string, number>): Route {
  return (req, ns) => {
    const path = req.path.split('?')[0] ?? '';
    if (req.method === 'GET' && path === '/v1/namespaces') {
      return {
        status: 200,
        body: { namespaces: [...docs.keys()].sort().map((id) => ({ id })), next_cursor: null },
      };
    }
    if (ns === undefined)
      return { status: 404, body: { status: 'error', error: `no route ${req.method} ${path}` } };
    const suffix = path.slice(path.indexOf(encodeURIComponent(ns)) + encodeURIComponent(ns).length);
    if (req.method === 'POST' && suffix === '') {
      const parsed = JSON.parse(req.decodedBody.toString('utf8') || '{}') as { upsert_rows?: unknown[] };
      const rows = parsed.upsert_rows?.length ?? 0;
      docs.set(ns, (docs.get(ns) ?? 0) + rows);
      return {
        status: 200,
        body: { status: 'OK', message: 'write completed', rows_affected: rows, rows_upserted: rows },
      };
    }
    if (req.method === 'POST' && suffix === '/query') {
      return {
        status: 200,
        body: { rows: [], billing: {}, performance: { approx_namespace_size: docs.get(ns) ?? 0 } },
      };
    }
    if (req.method === 'GET' && suffix === '/hint_cache_warm') {
      return { status: 202, body: { status: 'ACCEPTED', message: 'cache warm hint accepted' } };
    }
    if (!docs.has(ns))
      return { status: 404, body: { status: 'error', error: `namespace '${ns}' was not found` } };
    if (req.method === 'POST' && suffix === '/explain_query') {
      return { status: 200, body: { plan_text: `scan ${docs.get(ns)} documents` } };
    }
    if (req.method === 'POST' && suffix === '/_debug/recall') {
      return { status: 200, body: { avg_recall: 0.95, avg_exhaustive_count: 10, avg_ann_count: 10 } };
    }
    if ((req.method === 'GET' || req.method === 'PATCH') && suffix === '/metadata') {
      return {
        status: 200,
        body: { approx_row_count: docs.get(ns), schema: {}, index: { status: 'up-to-date' } },
      };
    }
    if (suffix === '/schema')
      return { status: 200, body: req.method === 'POST' ? JSON.parse(req.decodedBody.toString()) : {} };
    if (req.method === 'DELETE' && suffix === '') {
      docs.delete(ns);
      return { status: 200, body: { status: 'OK' } };
    }
    return { status: 404, body: { status: 'error', error: `no route ${req.method} ${path}` } };
  };
}

function namespaceOf(path: string): string | undefined {
  const match = /^\/v[12]\/namespaces\/([^/?]+)/.exec(path);
  return match?.[1] === undefined ? undefined : decodeURIComponent(match[1]);
}

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string>,
  gzip: boolean,
): void {
  const raw =
    typeof body === 'string' || Buffer.isBuffer(body) ? Buffer.from(body) : Buffer.from(JSON.stringify(body));
  const out = gzip ? gzipSync(raw) : raw;
  res.writeHead(status, {
    'content-type': 'application/json',
    ...(gzip ? { 'content-encoding': 'gzip' } : {}),
    ...headers,
    'content-length': String(out.length),
  });
  res.end(out);
}

export async function startFaultUpstream(options: FaultUpstreamOptions = {}): Promise<FaultUpstream> {
  const requests: RecordedRequest[] = [];
  const queue: FaultAction[] = [];
  const held: (() => void)[] = [];
  const sockets = new Set<Socket>();
  let hanging = 0;
  let active = 0;
  let maxConcurrent = 0;
  let rejected429 = 0;
  const route = defaultAnswer(new Map());

  const answerDefault = (rec: RecordedRequest, res: ServerResponse): void => {
    const auth = rec.headers.authorization;
    if (options.apiKey !== undefined && auth !== `Bearer ${options.apiKey}`) {
      send(res, 401, { status: 'error', error: 'missing or invalid API key' }, {}, false);
      return;
    }
    const wantsGzip = /\bgzip\b/.test(String(rec.headers['accept-encoding'] ?? ''));
    const answer = route(rec, namespaceOf(rec.path));
    send(res, answer.status, answer.body, {}, wantsGzip);
  };

  const readBody = (req: IncomingMessage, rec: RecordedRequest): Promise<void> =>
    new Promise((resolve) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        rec.body = Buffer.concat(chunks);
        rec.decodedBody = req.headers['content-encoding'] === 'gzip' ? gunzipSync(rec.body) : rec.body;
        resolve();
      });
      req.on('error', () => resolve());
    });

  const server = createServer((req, res) => {
    const rec: RecordedRequest = {
      method: req.method ?? '',
      path: req.url ?? '',
      headers: req.headers,
      body: Buffer.alloc(0),
      decodedBody: Buffer.alloc(0),
    };
    requests.push(rec);
    if (options.concurrencyLimit !== undefined && active >= options.concurrencyLimit) {
      rejected429++;
      req.resume();
      send(
        res,
        429,
        { status: 'error', error: 'too many concurrent queries' },
        { 'retry-after-ms': '5' },
        false,
      );
      return;
    }
    active++;
    maxConcurrent = Math.max(maxConcurrent, active);
    res.once('close', () => active--);
    const action: FaultAction = queue.shift() ?? { kind: 'respond' };
    if (action.kind === 'reset' && action.when === 'before-body') {
      req.socket.resetAndDestroy();
      return;
    }
    if (action.kind === 'hang') {
      hanging++;
      req.socket.once('close', () => hanging--);
      return;
    }
    void readBody(req, rec).then(() => {
      switch (action.kind) {
        case 'reset':
          req.socket.resetAndDestroy();
          return;
        case 'hold':
          held.push(() => answerDefault(rec, res));
          return;
        case 'respond':
          if (action.status === undefined && action.body === undefined) answerDefault(rec, res);
          else
            send(res, action.status ?? 200, action.body ?? '', { ...action.headers }, action.gzip === true);
          if (action.dropConnection === true) res.once('finish', () => req.socket.destroy());
      }
    });
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });

  const listen = (port: number): Promise<number> =>
    new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        const address = server.address();
        if (address === null || typeof address === 'string') reject(new Error('no TCP address'));
        else resolve(address.port);
      });
    });
  const stop = (): Promise<void> =>
    new Promise((resolve) => {
      if (!server.listening) {
        resolve();
        return;
      }
      server.close(() => resolve());
      for (const socket of sockets) socket.destroy();
    });

  const port = await listen(0);
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    hits: (method, path) =>
      requests.filter(
        (r) =>
          (method === undefined || r.method === method) &&
          (path === undefined || r.path.split('?')[0] === path),
      ),
    script: (...actions) => {
      queue.push(...actions);
    },
    release: () => {
      const all = held.splice(0);
      for (const answer of all) answer();
      return all.length;
    },
    get waiting() {
      return held.length + hanging;
    },
    get connections() {
      return sockets.size;
    },
    get maxConcurrent() {
      return maxConcurrent;
    },
    get rejected429() {
      return rejected429;
    },
    stopListening: stop,
    resumeListening: async () => {
      await listen(port);
    },
    closeIdleConnections: () => server.closeIdleConnections(),
    close: stop,
  };
}
