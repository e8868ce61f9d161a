/**
 * Writing answers: a JSON body (gzip level 1 when large and accepted), a catalogued error in the
 * turbopuffer shape, or an NDJSON stream written with backpressure. While the server is closing,
 * every answer carries `connection: close`, so a keep-alive connection ends after its response.
 */
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { HevError } from '../wire/errors.ts';
import { Payload } from '../wire/payload.ts';
import type { JsonReply, StreamReply } from './route.ts';

const gzipAsync = promisify(gzip);
const GZIP_MIN_BYTES = 1024;

/** True when the client accepts gzip (the SDK with `compression: true` does; by default it sends identity). */
function acceptsGzip(req: IncomingMessage): boolean {
  const accept = req.headers['accept-encoding'];
  return (
    typeof accept === 'string' && accept.includes('gzip') && !/gzip\s*;\s*q=0(\.0*)?(\s*[,;]|$)/.test(accept)
  );
}

export function writeBytes(
  res: ServerResponse,
  status: number,
  bytes: Buffer,
  contentType: string,
  closing: boolean,
  extra?: Readonly<Record<string, string>>,
): void {
  const headers: OutgoingHttpHeaders = { 'content-type': contentType, 'content-length': bytes.length };
  if (extra !== undefined) Object.assign(headers, extra);
  if (closing) headers.connection = 'close';
  res.writeHead(status, headers);
  res.end(bytes);
}

export function errorBytes(err: HevError): Buffer {
  return err.rawBody ?? Buffer.from(JSON.stringify(err.toBody()));
}

function bytesOf(body: JsonReply['body']): Buffer {
  if (body instanceof Payload) return body.bytes();
  return typeof body === 'string' ? Buffer.from(body) : body;
}

/** Writes a JSON reply: at once (undefined), or after gzip (a promise). */
export function writeJson(
  req: IncomingMessage,
  res: ServerResponse,
  reply: JsonReply,
  closing: () => boolean,
): Promise<void> | undefined {
  const bytes = bytesOf(reply.body);
  const type = reply.contentType ?? 'application/json';
  if (bytes.length < GZIP_MIN_BYTES || !acceptsGzip(req)) {
    writeBytes(res, reply.status, bytes, type, closing(), reply.headers);
    return undefined;
  }
  // Level 1: JSON still shrinks severalfold and gateway CPU is the scarcer resource.
  return gzipAsync(bytes, { level: 1 }).then((zipped) => {
    writeBytes(res, reply.status, zipped, type, closing(), {
      ...reply.headers,
      'content-encoding': 'gzip',
      vary: 'accept-encoding',
    });
  });
}

function drainedOrClosed(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

/**
 * Streams the reply's lines, waiting for `drain` when the socket's buffer is full. When the client
 * goes away the producer is told (its iterator's `return`), so it stops its upstream work. When
 * the producer throws after the head was sent, an error line ends the stream: a reader sees why it
 * ended instead of a cut connection.
 */
export async function writeStream(
  res: ServerResponse,
  reply: StreamReply,
  closing: () => boolean,
  toError: (err: unknown) => HevError,
): Promise<HevError | undefined> {
  const headers: OutgoingHttpHeaders = { 'content-type': reply.contentType };
  if (closing()) headers.connection = 'close';
  res.writeHead(reply.status, headers);
  try {
    for await (const line of reply.lines) {
      if (res.destroyed) break;
      if (!res.write(line)) {
        await drainedOrClosed(res);
        if (res.destroyed) break;
      }
    }
  } catch (err) {
    const hev = toError(err);
    if (!res.destroyed) res.end(`${JSON.stringify(hev.toBody())}\n`);
    return hev;
  }
  if (!res.destroyed) res.end();
  return undefined;
}
