/**
 * Ingest through the store API of the threaded store, without HTTP: the figure comparable to the
 * engine's ingest target (>= 20k rows/s), now including the hop to the writer thread.
 */
import { createLocalStore } from '../../src/stores/local/index.ts';
import { Payload } from '../../src/wire/payload.ts';

export async function directIngest(
  path: string,
  bodies: readonly Buffer[],
  rowsPerBody: number,
): Promise<number> {
  const store = await createLocalStore({ path });
  try {
    const t0 = performance.now();
    for (const body of bodies) await store.write('ingest', Payload.fromBytes(body));
    return (bodies.length * rowsPerBody) / ((performance.now() - t0) / 1000);
  } finally {
    await store.close();
  }
}
