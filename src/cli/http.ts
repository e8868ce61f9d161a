/**
 * Calls to a running gateway from the CLI: JSON in, JSON out, and a gateway error (the catalog's
 * `{"status":"error","error":…}`) turned into a message a person can act on.
 */
import { request } from 'undici';

export interface GatewayConnection {
  readonly url: string;
  readonly apiKey: string | undefined;
}

export function gatewayHeaders(apiKey: string | undefined): Record<string, string> {
  return {
    'content-type': 'application/json',
    ...(apiKey === undefined ? {} : { authorization: `Bearer ${apiKey}` }),
  };
}

/** The `error` of a catalogued error body, else the text itself. */
export function errorMessage(text: string): string {
  try {
    return (JSON.parse(text) as { error?: string }).error ?? text;
  } catch {
    return text;
  }
}

export async function gatewayCall(
  conn: GatewayConnection,
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
): Promise<Record<string, unknown>> {
  const res = await request(`${conn.url}${path}`, {
    method,
    headers: gatewayHeaders(conn.apiKey),
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.body.text();
  if (res.statusCode >= 400)
    throw new Error(`${method} ${path}: HTTP ${res.statusCode}: ${errorMessage(text)}`);
  return JSON.parse(text) as Record<string, unknown>;
}
