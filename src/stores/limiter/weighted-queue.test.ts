import { describe, expect, it } from 'vitest';
import { WeightedQueue } from './weighted-queue.ts';

type Step =
  | ['request', number, boolean] // weight, expected admitted
  | ['release', number, number[]] // weight, expected started (as request numbers, 1-based)
  | ['cancel', number, boolean, number[]] // request number, removed, started
  | ['state', number, number]; // inFlight, queued

function run(capacity: number, steps: Step[]): void {
  const q = new WeightedQueue(capacity);
  for (const [i, step] of steps.entries()) {
    const where = `step ${i}: ${JSON.stringify(step)}`;
    switch (step[0]) {
      case 'request':
        expect(q.request(step[1]).admitted, where).toBe(step[2]);
        break;
      case 'release':
        expect(q.release(step[1]), where).toEqual(step[2]);
        break;
      case 'cancel':
        expect(q.cancel(step[1]), where).toEqual({ removed: step[2], admitted: step[3] });
        break;
      case 'state':
        expect([q.inFlight, q.queued], where).toEqual([step[1], step[2]]);
        break;
    }
  }
}

describe('WeightedQueue', () => {
  const table: [string, number, Step[]][] = [
    [
      'admits up to capacity, then queues',
      4,
      [
        ['request', 1, true],
        ['request', 2, true],
        ['request', 1, true],
        ['request', 1, false],
        ['state', 4, 1],
      ],
    ],
    [
      'release admits the head',
      2,
      [
        ['request', 2, true],
        ['request', 1, false],
        ['request', 1, false],
        ['release', 2, [2, 3]],
        ['state', 2, 0],
      ],
    ],
    [
      'strict FIFO: a light request does not overtake a heavy head',
      4,
      [
        ['request', 2, true],
        ['request', 4, false],
        ['request', 1, false], // would fit, but waits behind the aggregation
        ['state', 2, 2],
        ['release', 2, [2]],
        ['state', 4, 1],
        ['release', 4, [3]],
      ],
    ],
    [
      'a newcomer queues behind waiters even when it would fit',
      4,
      [
        ['request', 3, true],
        ['request', 2, false],
        ['request', 1, false],
        ['state', 3, 2],
      ],
    ],
    [
      'weights above capacity are clamped so they can run alone',
      4,
      [
        ['request', 1, true],
        ['request', 64, false],
        ['release', 1, [2]],
        ['state', 4, 0],
      ],
    ],
    [
      'weights below 1 count as 1',
      1,
      [
        ['request', 0, true],
        ['request', -3, false],
        ['state', 1, 1],
      ],
    ],
    [
      'cancelling the blocking head admits those behind it',
      4,
      [
        ['request', 3, true],
        ['request', 4, false],
        ['request', 1, false],
        ['cancel', 2, true, [3]],
        ['state', 4, 0],
      ],
    ],
    [
      'cancelling a non-head waiter admits nobody',
      2,
      [
        ['request', 2, true],
        ['request', 1, false],
        ['request', 1, false],
        ['cancel', 3, true, []],
        ['state', 2, 1],
      ],
    ],
    [
      'cancelling an admitted or unknown id is a no-op',
      2,
      [
        ['request', 1, true],
        ['cancel', 1, false, []],
        ['cancel', 99, false, []],
      ],
    ],
    [
      'release never goes below zero',
      2,
      [
        ['release', 5, []],
        ['state', 0, 0],
        ['request', 2, true],
      ],
    ],
  ];
  it.each(table)('%s', (_name, capacity, steps) => run(capacity, steps));

  it('reports idle and drains waiters', () => {
    const q = new WeightedQueue(1);
    expect(q.idle).toBe(true);
    const a = q.request(1);
    const b = q.request(1);
    expect(a.weight).toBe(1);
    expect(q.idle).toBe(false);
    expect(q.drain()).toEqual([b.id]);
    expect(q.release(1)).toEqual([]);
    expect(q.idle).toBe(true);
  });

  it('rejects a bad capacity', () => {
    expect(() => new WeightedQueue(0)).toThrow(RangeError);
    expect(() => new WeightedQueue(1.5)).toThrow(RangeError);
  });
});
