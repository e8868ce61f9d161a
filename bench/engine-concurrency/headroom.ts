/**
 * How much parallel CPU this machine gives us right now: the work two spinning threads get done
 * in a second, over the work one thread does. On an idle 2-core box it is ~2; on a shared box
 * under other load it can be ~1, and then no thread pool can show a 1.4x gain. Reported beside
 * target (c) so a MISS can be told apart from a serialized engine.
 */
import { Worker } from 'node:worker_threads';

const SPIN = `
const { parentPort } = require('node:worker_threads');
const until = Date.now() + 1000; let n = 0;
while (Date.now() < until) { for (let i = 0; i < 10000; i++) n++; }
parentPort.postMessage(n);
`;

function spin(): Promise<number> {
  return new Promise((resolve, reject) => {
    const w = new Worker(SPIN, { eval: true });
    w.once('message', (n: number) => resolve(n));
    w.once('error', reject);
  });
}

export async function parallelHeadroom(): Promise<number> {
  const one = await spin();
  const two = (await Promise.all([spin(), spin()])).reduce((a, b) => a + b, 0);
  return two / one;
}
