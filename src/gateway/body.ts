/**
 * Request bodies are kept as raw Buffers (parsed losslessly later, or passed through untouched).
 * `Content-Encoding: gzip` bodies are inflated before the size cap is applied to the result.
 */
import { createGunzip, createInflate } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import { HevError } from '../wire/errors.ts';

export function installBodyHandling(app: FastifyInstance): void {
  app.addHook('preParsing', async (request, _reply, payload) => {
    const encoding = String(request.headers['content-encoding'] ?? 'identity')
      .toLowerCase()
      .trim();
    if (encoding === 'identity' || encoding === '') return payload;
    let inflater;
    if (encoding === 'gzip' || encoding === 'x-gzip') inflater = createGunzip();
    else if (encoding === 'deflate') inflater = createInflate();
    else
      throw new HevError(
        'HEV_UNSUPPORTED_MEDIA_TYPE',
        `unsupported content-encoding ${JSON.stringify(encoding)}`,
      );
    // The decoded length is unknown; fastify's bodyLimit then counts the decoded bytes.
    delete request.headers['content-length'];
    payload.on('error', (err) => inflater.destroy(err));
    const decoded = payload.pipe(inflater);
    decoded.on('error', () => undefined);
    return decoded;
  });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
}
