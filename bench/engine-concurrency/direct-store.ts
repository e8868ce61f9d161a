/**
 * The threaded store through its API, without HTTP: ingest (the figure comparable to the engine's
 * >= 20k rows/s target, now including the hop to the writer thread) and vector top-10 throughput
 * with 1 and 2 callers, which isolates the reader pool's scaling from the gateway's HTTP path.
 */
import { createLocalStore } from '../../src/stores/local/index.ts';
import { Payload } from '../../src/wire/payload.ts';

export interface DirectFigures {
  readonly ingestRowsPerS: number;
  readonly vectorQps1: number;
  readonly vectorQps2: number;
}

async function qps(callers: number, ms: number, call: (i: number) => Promise<unknown>): Promise<number> {
  const until = performance.now() + ms;
  let n = 0;
  await Promise.all(
    Array.from({ length: callers }, async () => {
      while (performance.now() < until) await call(n++);
    }),
  );
  return n / (ms / 1000);
}

export async function directStore(
  path: string,
  bodies: readonly Buffer[],
  rowsPerBody: number,
  queries: readonly Buffer[],
  phaseMs: number,
): Promise<DirectFigures> {
  const store = await createLocalStore({ path });
  try {
    const t0 = performance.now();
    for (const body of bodies) await store.write('ingest', Payload.fromBytes(body));
    const ingestRowsPerS = (bodies.length * rowsPerBody) / ((performance.now() - t0) / 1000);
    const query = (i: number) =>
      store.query('ingest', Payload.fromBytes(queries[i % queries.length] as Buffer));
    await qps(4, 1_000, query); // every reader loads the namespace
    const vectorQps1 = await qps(1, phaseMs, query);
    const vectorQps2 = await qps(2, phaseMs, query);
    return { ingestRowsPerS, vectorQps1, vectorQps2 };
  } finally {
    await store.close();
  }
}
