import { describe, expect, it } from 'vitest';
import { AttemptFailure } from './attempt.ts';
import { attemptFailureError, redactBytes, upstreamResponseError } from './upstream-errors.ts';

const SECRET = 'tpuf_secret_abcdefghijklmnopqrstuvwxyz01';
const call = { store: 'turbopuffer store "prod" (api.example:443)', op: 'query', ns: 'docs' };

function res(status: number, body: string, headers: Record<string, string> = {}, statusText = '') {
  return { status, statusText, headers, body: Buffer.from(body) };
}

describe('upstreamResponseError', () => {
  const table: [
    string,
    ReturnType<typeof res>,
    { status: number; message: string; raw: string | undefined },
  ][] = [
    [
      'JSON error body is relayed',
      res(404, '{"status":"error","error":"namespace not found"}'),
      {
        status: 404,
        message: 'namespace not found',
        raw: '{"status":"error","error":"namespace not found"}',
      },
    ],
    [
      'JSON without an error field uses the status text',
      res(500, '{"oops":true}', {}, 'Internal Server Error'),
      { status: 500, message: '500 Internal Server Error', raw: '{"oops":true}' },
    ],
    [
      'plain text becomes the message',
      res(400, ' bad name \n'),
      { status: 400, message: 'bad name', raw: undefined },
    ],
    ['empty body, no status text', res(502, ''), { status: 502, message: 'HTTP 502', raw: undefined }],
    [
      'a 3xx is not passed through',
      res(302, ''),
      {
        status: 502,
        message: `${call.store}: query on namespace "docs" got an unexpected HTTP 302 from the upstream`,
        raw: undefined,
      },
    ],
    [
      'the key is scrubbed from body and message',
      res(401, `{"status":"error","error":"bad key ${SECRET}"}`),
      { status: 401, message: 'bad key [redacted]', raw: '{"status":"error","error":"bad key [redacted]"}' },
    ],
  ];
  it.each(table)('%s', (_name, response, expected) => {
    const err = upstreamResponseError(response, call, SECRET);
    expect(err.code).toBe('HEV_UPSTREAM_ERROR');
    expect({ status: err.status, message: err.message, raw: err.rawBody?.toString() }).toEqual(expected);
  });

  it('passes retry-after headers on, and only those', () => {
    const err = upstreamResponseError(
      res(429, '{"error":"slow"}', { 'retry-after': '2', 'retry-after-ms': '2000', 'set-cookie': 'x' }),
      call,
      SECRET,
    );
    expect(err.headers).toEqual({ 'retry-after': '2', 'retry-after-ms': '2000' });
    expect(upstreamResponseError(res(400, '{}'), call, SECRET).headers).toBeUndefined();
  });
});

describe('attemptFailureError', () => {
  it('maps kinds to codes with messages naming the store', () => {
    const refused = attemptFailureError(
      new AttemptFailure('network', 'ECONNREFUSED', false, 'connect ECONNREFUSED'),
      call,
      3,
      1000,
      SECRET,
    );
    expect([refused.code, refused.status]).toEqual(['HEV_UPSTREAM_UNAVAILABLE', 503]);
    expect(refused.message).toBe(
      `${call.store}: query on namespace "docs" could not reach the upstream: connect ECONNREFUSED (ECONNREFUSED; 3 attempts)`,
    );
    const timeout = attemptFailureError(
      new AttemptFailure('timeout', 'ETIMEDOUT', true, 'x'),
      call,
      1,
      1000,
      SECRET,
    );
    expect([timeout.code, timeout.status, timeout.message]).toEqual([
      'HEV_UPSTREAM_TIMEOUT',
      504,
      `${call.store}: query on namespace "docs" got no answer within the 1000 ms timeout (1 attempt)`,
    ]);
    const leaky = attemptFailureError(
      new AttemptFailure('network', 'EX', true, `weird ${SECRET}`),
      call,
      1,
      1,
      SECRET,
    );
    expect(leaky.message).not.toContain(SECRET);
  });
});

describe('redactBytes', () => {
  it('returns the same buffer when the secret is absent', () => {
    const body = Buffer.from('{"a":1}');
    expect(redactBytes(body, SECRET)).toBe(body);
    expect(redactBytes(Buffer.from(`${SECRET}/${SECRET}`), SECRET).toString()).toBe('[redacted]/[redacted]');
  });
});
