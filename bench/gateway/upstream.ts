/**
 * The benchmark's upstream, run as its own process: a minimal node:http server that answers like
 * turbopuffer for namespace `bench` with fixed bodies (a ~1 KB query response), so every proxy in
 * front of it is measured against the same, nearly free, upstream. Prints {"port":N} when ready.
 * An optional delay holds each query answer for that many ms (the cache section's 14 ms upstream,
 * a turbopuffer warm query).
 *
 * Usage: node --import tsx bench/gateway/upstream.ts [query delay ms, default 0]
 *        (env BENCH_KEY: the expected API key)
 */
import { createServer, type ServerResponse } from 'node:http';
import { listenAndAnnounce } from './processes.ts';

function rows(): unknown[] {
  const titles = [
    'Norvik stainless steel water bottle 750 ml',
    'Altura insulated travel mug with lid',
    'Velheim wireless noise cancelling headphones',
    'Korlux compact espresso machine black',
    'Trefield bamboo cutting board set of 3',
    'Lumsen led desk lamp with usb c',
    'Solano lightweight hiking backpack 30 l',
    'Marco ceramic pour over coffee dripper',
    'Bertek ergonomic wireless mouse grey',
    'Finora cotton throw blanket navy',
  ];
  return titles.map((title, i) => ({ id: 1000 + i * 37, $dist: 0.1021 + i * 0.0173, title }));
}

const QUERY_RESPONSE = Buffer.from(
  JSON.stringify({
    rows: rows(),
    billing: { billable_logical_bytes_queried: 256000000, billable_logical_bytes_returned: 412 },
    performance: {
      cache_hit_ratio: 1,
      cache_temperature: 'hot',
      server_total_ms: 4,
      query_execution_ms: 3,
      exhaustive_search_count: 0,
      approx_namespace_size: 100000,
    },
  }),
);

const METADATA = Buffer.from(
  JSON.stringify({
    approx_row_count: 100000,
    approx_logical_bytes: 61440000,
    created_at: '2026-01-01T00:00:00Z',
    updated_at: '2026-01-01T00:00:00Z',
    schema: { title: { type: 'string', filterable: true } },
    index: { status: 'up-to-date' },
  }),
);
const LIST = Buffer.from(JSON.stringify({ namespaces: [{ id: 'bench' }] }));

function send(res: ServerResponse, status: number, body: Buffer): void {
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': body.length });
  res.end(body);
}

const queryDelayMs = Number(process.argv[2] ?? 0);
const answerQuery = (res: ServerResponse) =>
  queryDelayMs > 0
    ? setTimeout(() => send(res, 200, QUERY_RESPONSE), queryDelayMs)
    : send(res, 200, QUERY_RESPONSE);

const expectedAuth = `Bearer ${process.env.BENCH_KEY ?? ''}`;
const error = (message: string) => Buffer.from(JSON.stringify({ status: 'error', error: message }));

const server = createServer((req, res) => {
  // Read the whole request body first, as a real server would before answering.
  req.on('data', () => undefined);
  req.on('end', () => {
    const path = (req.url ?? '').split('?', 1)[0];
    if (req.headers.authorization !== expectedAuth) send(res, 401, error('missing or invalid api key'));
    else if (req.method === 'POST' && path === '/v2/namespaces/bench/query') answerQuery(res);
    else if (req.method === 'GET' && path === '/v2/namespaces/bench/metadata') send(res, 200, METADATA);
    else if (req.method === 'GET' && path === '/v1/namespaces') send(res, 200, LIST);
    else send(res, 404, error(`no route ${req.method ?? ''} ${path ?? ''}`));
  });
});
listenAndAnnounce(server);
