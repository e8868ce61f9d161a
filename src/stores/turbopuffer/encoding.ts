/**
 * Content codings on the upstream link. Requests above a size threshold are gzipped (what the
 * official SDK does with `compression: true`); responses are asked for with `accept-encoding: gzip`
 * and decoded here, so the gateway always holds plain JSON bytes.
 */
import { promisify } from 'node:util';
import { brotliDecompress, constants, gunzip, gzip, inflate } from 'node:zlib';
import type { IncomingHttpHeaders } from 'node:http';

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);
const inflateAsync = promisify(inflate);
const brotliAsync = promisify(brotliDecompress);

/** The SDK's threshold: bodies longer than this are worth compressing. */
export const GZIP_MIN_BYTES = 1024;

export interface EncodedBody {
  readonly bytes: Buffer;
  readonly contentEncoding: 'gzip' | undefined;
}

/**
 * Gzips a request body when it is large enough to be worth it. Level 1: float-heavy JSON still
 * shrinks 2–3×, and gateway CPU is the scarcer resource (the 2-core box serves many requests).
 */
export async function encodeRequestBody(bytes: Buffer, compress: boolean): Promise<EncodedBody> {
  if (!compress || bytes.length <= GZIP_MIN_BYTES) return { bytes, contentEncoding: undefined };
  return { bytes: await gzipAsync(bytes, { level: constants.Z_BEST_SPEED }), contentEncoding: 'gzip' };
}

function encodingOf(headers: IncomingHttpHeaders): string {
  const value = headers['content-encoding'];
  return (Array.isArray(value) ? value.join(',') : (value ?? '')).trim().toLowerCase();
}

/** Undoes the response's content coding. Throws an Error naming the coding when it cannot. */
export async function decodeResponseBody(headers: IncomingHttpHeaders, body: Buffer): Promise<Buffer> {
  const coding = encodingOf(headers);
  if (body.length === 0) return body;
  switch (coding) {
    case '':
    case 'identity':
      return body;
    case 'gzip':
    case 'x-gzip':
      return gunzipAsync(body);
    case 'deflate':
      return inflateAsync(body);
    case 'br':
      return brotliAsync(body);
    default:
      throw new Error(`unsupported content-encoding ${JSON.stringify(coding)}`);
  }
}
