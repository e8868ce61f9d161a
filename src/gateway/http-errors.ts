/**
 * Maps anything thrown inside a route to a catalogued error in the turbopuffer shape. No input may
 * produce an unexplained 500: fastify's own errors (body too large, bad content type) are mapped to
 * their catalog entries too.
 */
import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { HevError, isHevError } from '../wire/errors.ts';

function fromFastify(err: FastifyError): HevError | undefined {
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new HevError('HEV_PAYLOAD_TOO_LARGE', `request body exceeds the limit: ${err.message}`);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new HevError('HEV_UNSUPPORTED_MEDIA_TYPE', err.message);
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new HevError('HEV_BAD_JSON', err.message);
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return new HevError(
        'HEV_INVALID_REQUEST',
        'a path segment is too long (namespace names are at most 128 characters)',
      );
    case 'FST_ERR_BAD_URL':
      return new HevError('HEV_INVALID_REQUEST', 'the URL is malformed');
    default:
      if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
        return new HevError('HEV_INVALID_REQUEST', err.message, { status: err.statusCode });
      }
      return undefined;
  }
}

export function toHevError(err: unknown): HevError {
  if (isHevError(err)) return err;
  const mapped = fromFastify(err as FastifyError);
  if (mapped !== undefined) return mapped;
  return new HevError('HEV_INTERNAL', 'internal error; see the gateway log for the request id', {
    cause: err,
  });
}

export function sendError(reply: FastifyReply, err: HevError): FastifyReply {
  if (err.headers !== undefined) void reply.headers(err.headers);
  reply.code(err.status);
  if (err.rawBody !== undefined) return reply.type('application/json').send(err.rawBody);
  return reply.type('application/json').send(JSON.stringify(err.toBody()));
}

export function installErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((error, request, reply) => {
    const hev = toHevError(error);
    request.hevIndex ??= hev.index;
    if (hev.status >= 500)
      request.log.error({ reqId: request.id, err: error, code: hev.code }, 'request failed');
    return sendError(reply, hev);
  });
  app.setNotFoundHandler((request, reply) =>
    sendError(reply, new HevError('HEV_ROUTE_NOT_FOUND', `no route for ${request.method} ${request.url}`)),
  );
}
