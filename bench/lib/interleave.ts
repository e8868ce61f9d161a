/**
 * A/B timing with the two sides interleaved call by call (and the order flipped every round), so
 * a burst of load from other processes on the shared box hits both sides alike.
 */

export type Step = (i: number) => unknown;

export interface Paired {
  /** Milliseconds per call, in call order. */
  readonly a: number[];
  readonly b: number[];
}

async function timed(step: Step, i: number): Promise<number> {
  const t0 = performance.now();
  await step(i);
  return performance.now() - t0;
}

/**
 * `warmup` untimed rounds (inputs count … count+warmup-1, so warm-up never pre-runs a measured
 * input), then `count` timed rounds; round i passes i to both sides.
 */
export async function interleaved(count: number, warmup: number, a: Step, b: Step): Promise<Paired> {
  for (let i = count; i < count + warmup; i++) {
    await a(i);
    await b(i);
  }
  const out: Paired = { a: [], b: [] };
  for (let i = 0; i < count; i++) {
    if (i % 2 === 0) {
      out.a.push(await timed(a, i));
      out.b.push(await timed(b, i));
    } else {
      out.b.push(await timed(b, i));
      out.a.push(await timed(a, i));
    }
  }
  return out;
}
