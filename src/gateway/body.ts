/**
 * Reading a request body on the data routes: raw bytes (parsed losslessly later, or passed through
 * untouched), `Content-Encoding: gzip`/`deflate` inflated first, the size cap applied to the
 * decoded bytes. Callback-style, with one chunk kept as is: this runs on every write and query.
 */
import type { IncomingMessage } from 'node:http';
import { createGunzip, createInflate } from 'node:zlib';
import type { Transform } from 'node:stream';
import { HevError } from '../wire/errors.ts';

function tooLarge(limit: number): HevError {
  return new HevError('HEV_PAYLOAD_TOO_LARGE', `request body exceeds the limit of ${limit} bytes`);
}

function inflaterFor(header: string | string[] | undefined): Transform | undefined | HevError {
  if (header === undefined) return undefined;
  const encoding = String(header).toLowerCase().trim();
  if (encoding === 'identity' || encoding === '') return undefined;
  if (encoding === 'gzip' || encoding === 'x-gzip') return createGunzip();
  if (encoding === 'deflate') return createInflate();
  return new HevError(
    'HEV_UNSUPPORTED_MEDIA_TYPE',
    `unsupported content-encoding ${JSON.stringify(encoding)}`,
  );
}

/**
 * Calls `done` exactly once: with the decoded body, or with a HevError (413, 415, 400 for a body
 * that does not inflate, or when the client goes away mid-body: nobody reads that answer, but the
 * request must still end, so shutdown does not wait for it).
 */
export function readBody(
  req: IncomingMessage,
  limit: number,
  done: (err: HevError | undefined, body?: Buffer) => void,
): void {
  const inflater = inflaterFor(req.headers['content-encoding']);
  if (inflater instanceof HevError) {
    done(inflater);
    return;
  }
  if (inflater === undefined) {
    const declared = Number(req.headers['content-length']);
    if (declared > limit) {
      done(tooLarge(limit));
      return;
    }
  }
  let first: Buffer | undefined;
  let chunks: Buffer[] | undefined;
  let size = 0;
  let finished = false;
  const finish = (err: HevError | undefined, body?: Buffer): void => {
    if (finished) return;
    finished = true;
    req.off('aborted', onAborted);
    done(err, body);
  };
  const onAborted = (): void => {
    inflater?.destroy();
    finish(
      new HevError('HEV_INVALID_REQUEST', 'the client closed the connection before the body was complete'),
    );
  };
  req.once('aborted', onAborted);
  const source = inflater ?? req;
  source.on('data', (chunk: Buffer) => {
    if (finished) return;
    size += chunk.length;
    if (size > limit) {
      if (inflater !== undefined) {
        req.unpipe(inflater);
        inflater.destroy();
      }
      finish(tooLarge(limit));
      return;
    }
    if (first === undefined) first = chunk;
    else (chunks ??= [first]).push(chunk);
  });
  source.on('end', () => {
    finish(undefined, chunks !== undefined ? Buffer.concat(chunks, size) : (first ?? Buffer.alloc(0)));
  });
  source.on('error', (err: Error) => {
    const what = inflater === undefined ? 'read' : 'decoded';
    finish(new HevError('HEV_INVALID_REQUEST', `request body could not be ${what}: ${err.message}`));
  });
  if (inflater !== undefined) {
    req.on('error', (err) => inflater.destroy(err));
    req.pipe(inflater);
  }
}
