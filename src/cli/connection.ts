/**
 * `--url` / `--api-key` for commands that talk to a running gateway (INTERFACES.md "CLI"), and one
 * JSON call to it whose failure is the gateway's own error message.
 */
import { request } from 'undici';

export interface ConnectionFlags {
  url?: string;
  apiKey?: string;
}

export const DEFAULT_GATEWAY_URL = 'http://127.0.0.1:8080';

export function cliConnection(
  flags: ConnectionFlags,
  env: Readonly<Record<string, string | undefined>> = process.env,
): { url: string; apiKey: string | undefined } {
  const raw = flags.url ?? env.HEVLAYER_URL ?? DEFAULT_GATEWAY_URL;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`--url must be an http(s) URL, got ${JSON.stringify(raw)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`--url must be an http(s) URL, got ${JSON.stringify(raw)}`);
  }
  const apiKey = flags.apiKey ?? env.HEVLAYER_API_KEY;
  return { url: url.toString().replace(/\/$/, ''), apiKey: apiKey === '' ? undefined : apiKey };
}

/** One JSON call to the gateway; an HTTP error becomes an Error with the gateway's message. */
export async function gatewayCall(
  url: string,
  apiKey: string | undefined,
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
): Promise<Record<string, unknown>> {
  const res = await request(`${url}${path}`, {
    method,
    headers: {
      'content-type': 'application/json',
      ...(apiKey === undefined ? {} : { authorization: `Bearer ${apiKey}` }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.body.text();
  if (res.statusCode >= 400) {
    let message = text;
    try {
      message = (JSON.parse(text) as { error?: string }).error ?? text;
    } catch {
      // not JSON: keep the text
    }
    throw new Error(`${method} ${path}: HTTP ${res.statusCode}: ${message}`);
  }
  return JSON.parse(text) as Record<string, unknown>;
}
