/**
 * Bounded selection: keeps the best `k` candidates in a binary heap whose root is the worst one
 * kept, so most candidates cost one comparison. `before(a, b) < 0` means a ranks before b.
 */
export class TopK {
  readonly #k: number;
  readonly #before: (a: number, b: number) => number;
  readonly #heap: number[] = [];

  constructor(k: number, before: (a: number, b: number) => number) {
    this.#k = k;
    this.#before = before;
  }

  offer(slot: number): void {
    const heap = this.#heap;
    if (this.#k === 0) return;
    if (heap.length < this.#k) {
      heap.push(slot);
      this.#up(heap.length - 1);
    } else if (this.#before(slot, heap[0] as number) < 0) {
      heap[0] = slot;
      this.#down(0);
    }
  }

  /** The kept candidates, best first. */
  sorted(): number[] {
    return [...this.#heap].sort(this.#before);
  }

  // The heap is ordered "worst at the root": parent ranks after (or equal to) its children.
  #up(i: number): void {
    const heap = this.#heap;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (this.#before(heap[p] as number, heap[i] as number) >= 0) break;
      [heap[p], heap[i]] = [heap[i] as number, heap[p] as number];
      i = p;
    }
  }

  #down(i: number): void {
    const heap = this.#heap;
    const n = heap.length;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let worst = i;
      if (l < n && this.#before(heap[l] as number, heap[worst] as number) > 0) worst = l;
      if (r < n && this.#before(heap[r] as number, heap[worst] as number) > 0) worst = r;
      if (worst === i) return;
      [heap[worst], heap[i]] = [heap[i] as number, heap[worst] as number];
      i = worst;
    }
  }
}
