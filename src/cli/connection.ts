/** `--url` / `--api-key` for commands that talk to a running gateway (INTERFACES.md "CLI"). */

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
