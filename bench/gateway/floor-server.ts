/**
 * The floor: the least a server can do and still do what the gateway's issues require of every
 * request, run as its own process so `floor.ts` can measure each requirement's cost against the
 * bare baselines of the gateway and cache sections. Nothing of hevlayer's request path is used:
 * each step is the plain, cheapest use of the library the gateway uses for it.
 *
 *   proxy: the bare-16 proxy (bare-proxy.ts) plus the chosen steps
 *   hit:   the bare route (a pre-serialized body) plus reading the request body and the steps
 *
 * Steps (comma-separated, applied in this order whatever the order given):
 *   route    find-my-way lookup of the path among the gateway's data routes, and a request id
 *   auth     the Bearer key's SHA-256 digest looked up in a Map
 *   lookup   (hit) the body's digest looked up in a Map of answers
 *   limit    (proxy) at most 16 requests upstream at once, the others wait in a FIFO queue
 *   metrics  prom-client: a request counter and a latency histogram (route, method, index, status)
 *   log      one pino request line (hevlayer's logger options) to /dev/null
 *
 * Usage: node --import tsx bench/gateway/floor-server.ts <proxy|hit> <upstream origin> [steps]
 * Prints {"port":N} when ready.
 */
import { hash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import FindMyWay from 'find-my-way';
import pino from 'pino';
import { Counter, Histogram, Registry } from 'prom-client';
import { Pool } from 'undici';
import { BUFFER_BYTES, createLogger } from '../../src/telemetry/logger.ts';
import { listenAndAnnounce } from './processes.ts';

const [mode, upstream, stepList = ''] = process.argv.slice(2);
if ((mode !== 'proxy' && mode !== 'hit') || upstream === undefined) {
  process.stderr.write('usage: floor-server.ts <proxy|hit> <upstream origin> [steps]\n');
  process.exit(2);
}
const steps = new Set(stepList.split(',').filter((s) => s !== ''));
const on = (step: string): boolean => steps.has(step);

const router = FindMyWay();
for (const op of ['query', 'metadata', 'schema', 'explain_query', 'hint_cache_warm']) {
  const path = `/v2/namespaces/:ns/${op}`;
  router.on('POST', path, () => undefined, path);
}
router.on('POST', '/v2/namespaces/:ns', () => undefined, '/v2/namespaces/:ns');
router.on('DELETE', '/v2/namespaces/:ns', () => undefined, '/v2/namespaces/:ns');
router.on('GET', '/v1/namespaces', () => undefined, '/v1/namespaces');
let seq = 0;

const keys = new Map([[hash('sha256', process.env.BENCH_CLIENT_KEY ?? '', 'hex'), 'bench']]);

const registry = new Registry();
const requests = new Counter({
  name: 'requests_total',
  help: 'requests',
  labelNames: ['route', 'method', 'index', 'status'],
  registers: [registry],
});
const duration = new Histogram({
  name: 'request_duration_seconds',
  help: 'latency',
  labelNames: ['route', 'method', 'index'],
  registers: [registry],
});

const log = createLogger({
  destination: pino.destination({ dest: '/dev/null', sync: true, minLength: BUFFER_BYTES }),
});

const pool = new Pool(upstream, { connections: 16, keepAliveTimeout: 4_000, keepAliveMaxTimeout: 60_000 });
let inFlight = 0;
const waiting: (() => void)[] = [];
const acquire = (): Promise<void> | undefined => {
  if (inFlight < 16) {
    inFlight++;
    return undefined;
  }
  return new Promise((resolve) => waiting.push(resolve));
};
const release = (): void => {
  const next = waiting.shift();
  if (next === undefined) inFlight--;
  else next();
};

// The cache section's answer: fetched once from the upstream, then served as it came.
const answers = new Map<string, Buffer>();

function send(res: ServerResponse, status: number, bytes: Buffer): void {
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': bytes.length });
  res.end(bytes);
}

function finish(req: IncomingMessage, route: string, id: string, status: number, started: number): void {
  const ms = performance.now() - started;
  if (on('metrics')) {
    requests.inc({ route, method: req.method ?? '', index: 'bench', status: String(status) });
    duration.observe({ route, method: req.method ?? '', index: 'bench' }, ms / 1000);
  }
  if (on('log')) {
    log.info(
      {
        reqId: id,
        method: req.method,
        route,
        index: 'bench',
        store: 'bench',
        principal: 'bench',
        status,
        ms,
      },
      'request',
    );
  }
}

async function answer(req: IncomingMessage, body: Buffer): Promise<{ status: number; bytes: Buffer }> {
  const key = on('lookup') ? hash('sha256', body, 'hex') : '';
  const known = answers.get(key);
  if (mode === 'hit' && known !== undefined) return { status: 200, bytes: known };
  if (on('limit')) await acquire();
  try {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (req.headers.authorization !== undefined) headers.authorization = req.headers.authorization;
    const r = await pool.request({ method: 'POST', path: req.url ?? '/', headers, body });
    const bytes = Buffer.from(await r.body.arrayBuffer());
    if (mode === 'hit' && r.statusCode === 200) answers.set(key, bytes);
    return { status: r.statusCode, bytes };
  } finally {
    if (on('limit')) release();
  }
}

const server = createServer((req, res) => {
  const started = performance.now();
  let route = req.url ?? '/';
  let id = '';
  if (on('route')) {
    id = `req-${(++seq).toString(36)}`;
    route = (router.find(req.method as 'POST', route)?.store as string | null) ?? 'unmatched';
  }
  if (on('auth')) {
    const token = req.headers.authorization?.slice(7) ?? '';
    if (!keys.has(hash('sha256', token, 'hex'))) {
      send(res, 401, Buffer.from('{"status":"error","error":"unknown API key"}'));
      finish(req, route, id, 401, started);
      return;
    }
  }
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    answer(req, Buffer.concat(chunks)).then(
      ({ status, bytes }) => {
        send(res, status, bytes);
        finish(req, route, id, status, started);
      },
      (err: unknown) => {
        send(res, 502, Buffer.from(JSON.stringify({ status: 'error', error: String(err) })));
        finish(req, route, id, 502, started);
      },
    );
  });
});
listenAndAnnounce(server, () => pool.close());
