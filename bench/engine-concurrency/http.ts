/**
 * The load side of `engine-concurrency`: closed-loop clients over HTTP and a /healthz prober,
 * all in this process. Bodies are serialized before the clock starts, so the clients' own work on
 * the shared event loop is a few microseconds per request and the probe measures the gateway.
 */
import { Agent, request } from 'undici';

const agent = new Agent({ connections: 64, pipelining: 1 });

export async function post(url: string, path: string, body: Buffer): Promise<unknown> {
  const res = await request(`${url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
    dispatcher: agent,
  });
  const text = await res.body.text();
  if (res.statusCode !== 200) throw new Error(`POST ${path}: ${res.statusCode} ${text.slice(0, 300)}`);
  return JSON.parse(text) as unknown;
}

async function get(url: string, path: string): Promise<void> {
  const res = await request(`${url}${path}`, { dispatcher: agent });
  await res.body.dump();
  if (res.statusCode !== 200) throw new Error(`GET ${path}: ${res.statusCode}`);
}

/** Runs `clients` closed loops of `step` until `ms` have passed; returns each call's latency. */
export async function closedLoops(
  clients: number,
  ms: number,
  step: (i: number) => Promise<unknown>,
): Promise<number[]> {
  const until = performance.now() + ms;
  const samples: number[] = [];
  let n = 0;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < until) {
        const t0 = performance.now();
        await step(n++);
        samples.push(performance.now() - t0);
      }
    }),
  );
  return samples;
}

/** Probes /healthz every `everyMs` until `stop` resolves; returns the latencies. */
export async function probeHealth(url: string, everyMs: number, stop: Promise<unknown>): Promise<number[]> {
  let done = false;
  void stop.finally(() => (done = true));
  const samples: number[] = [];
  while (!done) {
    const t0 = performance.now();
    await get(url, '/healthz');
    samples.push(performance.now() - t0);
    await new Promise((r) => setTimeout(r, everyMs));
  }
  return samples;
}

export async function closeAgent(): Promise<void> {
  await agent.close();
}
