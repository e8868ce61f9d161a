/**
 * The baseline proxy, run as its own process: node:http in front, an undici keep-alive Pool behind
 * (16 or 64 connections: see the gateway section's two baselines), the request body
 * buffered and forwarded, status and body relayed. No routing, auth, limits, logs or metrics: the
 * least any proxy must do. Prints {"port":N} when ready.
 *
 * Usage: node --import tsx bench/gateway/bare-proxy.ts <upstream origin> [connections, default 64]
 */
import { createServer } from 'node:http';
import { Pool } from 'undici';
import { listenAndAnnounce } from './processes.ts';

const upstream = process.argv[2];
if (upstream === undefined) {
  process.stderr.write('usage: bare-proxy.ts <upstream origin>\n');
  process.exit(2);
}
const connections = Number(process.argv[3] ?? 64);
const pool = new Pool(upstream, { connections, keepAliveTimeout: 4_000, keepAliveMaxTimeout: 60_000 });

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (req.headers.authorization !== undefined) headers.authorization = req.headers.authorization;
    pool
      .request({
        method: req.method as 'POST',
        path: req.url ?? '/',
        headers,
        body: chunks.length === 0 ? null : Buffer.concat(chunks),
      })
      .then(async ({ statusCode, body }) => {
        const bytes = Buffer.from(await body.arrayBuffer());
        res.writeHead(statusCode, { 'content-type': 'application/json', 'content-length': bytes.length });
        res.end(bytes);
      })
      .catch((err: unknown) => {
        const bytes = Buffer.from(JSON.stringify({ status: 'error', error: String(err) }));
        res.writeHead(502, { 'content-type': 'application/json', 'content-length': bytes.length });
        res.end(bytes);
      });
  });
});
listenAndAnnounce(server, () => pool.close());
