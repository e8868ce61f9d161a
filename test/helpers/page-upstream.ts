/**
 * A fake turbopuffer upstream that synthesizes scan pages cheaply (no storage): namespace
 * `<prefix>-<s>` (or `<prefix>` for one shard) holds the integer ids `s, s + N, s + 2N, …` below
 * `total`, each row `{id, n: id % 10}` (plus `pad` when asked). It answers metadata (approx row
 * count) and queries ranked by `["id","asc"]` with an `["id","Gt",x]` bound (alone or first in an
 * `And`), waits `delayMs` per page, and records how many queries were in flight at once — the
 * acceptance checks of the scan fan-out and of streaming memory use it, and so does the bench.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export interface PageUpstreamOptions {
  readonly prefix: string;
  readonly shards: number;
  readonly total: number;
  readonly delayMs?: number;
  /** Characters of padding per row (bigger rows for memory checks). */
  readonly pad?: number;
  /** Shard numbers that answer 404 (never written). */
  readonly missing?: readonly number[];
}

export interface PageUpstream {
  readonly url: string;
  /** Highest number of queries in flight at one time. */
  readonly maxInFlight: number;
  /** Queries answered (pages). */
  readonly pages: number;
  /** Queries in flight now. */
  readonly inFlight: number;
  /** Queries whose client went away before the answer. */
  readonly abandoned: number;
  /** `hint_cache_warm` calls received. */
  readonly hints: number;
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** The `Gt` bound of a scan page's filters (`["id","Gt",x]`, or the first operand of an `And`). */
function lowerBound(filters: unknown): number {
  if (!Array.isArray(filters)) return -1;
  if (filters[0] === 'And' && Array.isArray(filters[1])) return lowerBound(filters[1][0]);
  return filters[0] === 'id' && filters[1] === 'Gt' && typeof filters[2] === 'number' ? filters[2] : -1;
}

export async function startPageUpstream(options: PageUpstreamOptions): Promise<PageUpstream> {
  const { prefix, shards, total } = options;
  const pad = options.pad === undefined ? undefined : 'x'.repeat(options.pad);
  const stats = { maxInFlight: 0, pages: 0, inFlight: 0, abandoned: 0, hints: 0 };
  const sockets = new Set<Socket>();
  const shardOf = (ns: string): number | undefined => {
    if (shards === 1) return ns === prefix ? 0 : undefined;
    const m = new RegExp(`^${prefix}-(\\d+)$`).exec(ns);
    const s = m === null ? undefined : Number(m[1]);
    return s !== undefined && s < shards && !(options.missing ?? []).includes(s) ? s : undefined;
  };
  const countOf = (s: number) => Math.max(0, Math.ceil((total - s) / shards));

  const server = createServer((req, res) => {
    void (async () => {
      const m = /^\/v[12]\/namespaces\/([^/]+)(\/[a-z_]+)?$/.exec(req.url?.split('?')[0] ?? '');
      const shard = m === null ? undefined : shardOf(decodeURIComponent(m[1] ?? ''));
      const send = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (m === null || shard === undefined) {
        send(404, { status: 'error', error: 'namespace not found' });
        return;
      }
      if (m[2] === '/metadata') {
        send(200, {
          approx_row_count: countOf(shard),
          approx_logical_bytes: 0,
          index: { status: 'up-to-date' },
        });
        return;
      }
      if (m[2] === '/hint_cache_warm') {
        stats.hints++;
        send(200, { status: 'ACCEPTED' });
        return;
      }
      if (m[2] !== '/query' || req.method !== 'POST') {
        send(400, { status: 'error', error: `the page upstream does not serve ${req.method} ${req.url}` });
        return;
      }
      const body = JSON.parse(await readBody(req)) as { top_k?: number; filters?: unknown };
      stats.inFlight++;
      stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
      let gone = false;
      res.on('close', () => {
        if (!res.writableFinished) gone = true;
      });
      try {
        if (options.delayMs !== undefined) await sleep(options.delayMs);
      } finally {
        stats.inFlight--;
      }
      if (gone) {
        stats.abandoned++;
        return;
      }
      const after = lowerBound(body.filters);
      // The first id of this shard above `after`: s + k*N with k = ceil((after + 1 - s) / N).
      let id = after < shard ? shard : shard + Math.ceil((after + 1 - shard) / shards) * shards;
      const parts: string[] = [];
      for (let k = 0; k < (body.top_k ?? 10) && id < total; k++, id += shards) {
        parts.push(
          pad === undefined ? `{"id":${id},"n":${id % 10}}` : `{"id":${id},"n":${id % 10},"pad":"${pad}"}`,
        );
      }
      stats.pages++;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(`{"rows":[${parts.join(',')}]}`);
    })().catch((err: unknown) => {
      res.writeHead(500);
      res.end(String(err));
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    get maxInFlight() {
      return stats.maxInFlight;
    },
    get pages() {
      return stats.pages;
    },
    get inFlight() {
      return stats.inFlight;
    },
    get abandoned() {
      return stats.abandoned;
    },
    get hints() {
      return stats.hints;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
