/**
 * Request bodies are kept as raw Buffers (parsed losslessly later, or passed through untouched).
 * `Content-Encoding: gzip` bodies are inflated before the size cap is applied to the result.
 * Hooks are callback-style: on the hot path a promise per hook is measurable.
 */
import { createGunzip, createInflate } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import { HevError } from '../wire/errors.ts';

export function installBodyHandling(app: FastifyInstance): void {
  app.addHook('preParsing', (request, _reply, payload, done) => {
    const header = request.headers['content-encoding'];
    if (header === undefined) {
      done(null, payload);
      return;
    }
    const encoding = String(header).toLowerCase().trim();
    if (encoding === 'identity' || encoding === '') {
      done(null, payload);
      return;
    }
    let inflater;
    if (encoding === 'gzip' || encoding === 'x-gzip') inflater = createGunzip();
    else if (encoding === 'deflate') inflater = createInflate();
    else {
      done(
        new HevError(
          'HEV_UNSUPPORTED_MEDIA_TYPE',
          `unsupported content-encoding ${JSON.stringify(encoding)}`,
        ),
      );
      return;
    }
    // The decoded length is unknown; fastify's bodyLimit then counts the decoded bytes.
    delete request.headers['content-length'];
    payload.on('error', (err) => inflater.destroy(err));
    const decoded = payload.pipe(inflater);
    decoded.on('error', () => undefined);
    done(null, decoded);
  });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
}
