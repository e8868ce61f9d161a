/**
 * A weighted FIFO semaphore, as pure bookkeeping: no timers, no promises. The limiter shell owns
 * the waiting; this decides who may start. Strict FIFO: a heavy request at the head is not
 * overtaken by lighter ones behind it, so aggregations cannot be starved by a stream of cheap
 * queries.
 */

export interface Admission {
  readonly id: number;
  /** The weight actually charged: clamped to [1, capacity] so any request can eventually run. */
  readonly weight: number;
  readonly admitted: boolean;
}

interface Waiting {
  readonly id: number;
  readonly weight: number;
}

export class WeightedQueue {
  #capacity: number;
  #inFlight = 0;
  #waiting: Waiting[] = [];
  #nextId = 1;

  constructor(capacity: number) {
    this.#capacity = checkCapacity(capacity);
  }

  get capacity(): number {
    return this.#capacity;
  }

  /**
   * Changes the capacity live (a config reload): running requests keep their slots, a larger
   * capacity starts waiters at once (their ids are returned), a smaller one lets the running
   * requests drain before the next start. Weights already charged are not re-clamped.
   */
  resize(capacity: number): number[] {
    this.#capacity = checkCapacity(capacity);
    return this.#admit();
  }

  /** Weight units held by running requests. */
  get inFlight(): number {
    return this.#inFlight;
  }

  get queued(): number {
    return this.#waiting.length;
  }

  /** Nothing running, nothing waiting: the shell may forget this queue. */
  get idle(): boolean {
    return this.#inFlight === 0 && this.#waiting.length === 0;
  }

  clampWeight(weight: number): number {
    if (!Number.isFinite(weight) || weight < 1) return 1;
    return Math.min(Math.ceil(weight), this.#capacity);
  }

  /** Starts the request now if it fits and nobody is waiting ahead of it; else queues it. */
  request(weight: number): Admission {
    const w = this.clampWeight(weight);
    const id = this.#nextId++;
    if (this.#waiting.length === 0 && this.#inFlight + w <= this.#capacity) {
      this.#inFlight += w;
      return { id, weight: w, admitted: true };
    }
    this.#waiting.push({ id, weight: w });
    return { id, weight: w, admitted: false };
  }

  /** A running request finished; returns the ids that start now, in order. */
  release(weight: number): number[] {
    this.#inFlight = Math.max(0, this.#inFlight - weight);
    return this.#admit();
  }

  /**
   * A queued request gave up (deadline, abort). Returns whether it was still queued, and the ids
   * that start now because it no longer blocks the head of the line.
   */
  cancel(id: number): { removed: boolean; admitted: number[] } {
    const index = this.#waiting.findIndex((w) => w.id === id);
    if (index < 0) return { removed: false, admitted: [] };
    this.#waiting.splice(index, 1);
    return { removed: true, admitted: index === 0 ? this.#admit() : [] };
  }

  /** Removes every queued request (shutdown); returns their ids. */
  drain(): number[] {
    return this.#waiting.splice(0).map((w) => w.id);
  }

  #admit(): number[] {
    const started: number[] = [];
    for (;;) {
      const head = this.#waiting[0];
      // A request charged under a larger capacity (before a resize) may run alone.
      if (head === undefined || (this.#inFlight > 0 && this.#inFlight + head.weight > this.#capacity))
        return started;
      this.#waiting.shift();
      this.#inFlight += head.weight;
      started.push(head.id);
    }
  }
}

function checkCapacity(capacity: number): number {
  if (!Number.isInteger(capacity) || capacity < 1)
    throw new RangeError(`capacity must be an integer >= 1, got ${capacity}`);
  return capacity;
}
