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

/**
 * The same selection for numeric keys (distances, scores): most candidates are rejected by one
 * float comparison with the worst kept key, without a comparator call. `dir` 1 keeps the
 * smallest keys, -1 the largest; `tie` orders equal keys.
 */
export class NumericTopK {
  readonly #k: number;
  readonly #dir: number;
  readonly #tie: (a: number, b: number) => number;
  readonly #slots: number[] = [];
  readonly #keys: number[] = [];

  constructor(k: number, dir: 1 | -1, tie: (a: number, b: number) => number) {
    this.#k = k;
    this.#dir = dir;
    this.#tie = tie;
  }

  // a ranks before b
  #before(ka: number, sa: number, kb: number, sb: number): number {
    return (ka - kb) * this.#dir || this.#tie(sa, sb);
  }

  offer(slot: number, key: number): void {
    const slots = this.#slots;
    const keys = this.#keys;
    if (this.#k === 0) return;
    if (slots.length < this.#k) {
      slots.push(slot);
      keys.push(key);
      this.#up(slots.length - 1);
      return;
    }
    const worst = keys[0] as number;
    if ((key - worst) * this.#dir > 0) return;
    if (this.#before(key, slot, worst, slots[0] as number) >= 0) return;
    slots[0] = slot;
    keys[0] = key;
    this.#down(0);
  }

  sorted(): number[] {
    const order = this.#slots.map((_, i) => i);
    order.sort((a, b) =>
      this.#before(
        this.#keys[a] as number,
        this.#slots[a] as number,
        this.#keys[b] as number,
        this.#slots[b] as number,
      ),
    );
    return order.map((i) => this.#slots[i] as number);
  }

  #cmp(i: number, j: number): number {
    return this.#before(
      this.#keys[i] as number,
      this.#slots[i] as number,
      this.#keys[j] as number,
      this.#slots[j] as number,
    );
  }

  #swap(i: number, j: number): void {
    const s = this.#slots;
    const k = this.#keys;
    [s[i], s[j]] = [s[j] as number, s[i] as number];
    [k[i], k[j]] = [k[j] as number, k[i] as number];
  }

  #up(i: number): void {
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (this.#cmp(p, i) >= 0) break;
      this.#swap(p, i);
      i = p;
    }
  }

  #down(i: number): void {
    const n = this.#slots.length;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let worst = i;
      if (l < n && this.#cmp(l, worst) > 0) worst = l;
      if (r < n && this.#cmp(r, worst) > 0) worst = r;
      if (worst === i) return;
      this.#swap(worst, i);
      i = worst;
    }
  }
}
