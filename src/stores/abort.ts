/**
 * Subscribing to an AbortSignal's abort, cheaply. Node's EventTarget add/removeEventListener cost
 * microseconds each, and the gateway subscribes and unsubscribes on every upstream call, on a
 * signal that lives as long as the client's connection. Here each signal gets one real listener
 * (on first use) and a subscription is a node of a doubly linked list: O(1) to add and remove, and,
 * unlike a Set that outlives its entries, no hash table in the old generation that every request
 * writes into (measured: a Set cost about 10 µs per upstream call in extra garbage collection).
 */
interface Subscription {
  fn: (() => void) | undefined;
  prev: Subscription | undefined;
  next: Subscription | undefined;
}

interface Subscribers {
  head: Subscription | undefined;
}

const lists = new WeakMap<AbortSignal, Subscribers>();

/** Calls `fn` once when `signal` aborts (the caller checks `signal.aborted` first); returns the unsubscribe. */
export function onAbort(signal: AbortSignal, fn: () => void): () => void {
  let list = lists.get(signal);
  if (list === undefined) {
    const created: Subscribers = { head: undefined };
    list = created;
    lists.set(signal, created);
    signal.addEventListener(
      'abort',
      () => {
        lists.delete(signal);
        const fns: (() => void)[] = [];
        for (let node = created.head; node !== undefined; node = node.next) if (node.fn) fns.push(node.fn);
        created.head = undefined;
        for (const subscriber of fns.reverse()) subscriber();
      },
      { once: true },
    );
  }
  const own = list;
  const node: Subscription = { fn, prev: undefined, next: own.head };
  if (own.head !== undefined) own.head.prev = node;
  own.head = node;
  return () => {
    if (node.fn === undefined) return;
    node.fn = undefined;
    if (node.prev !== undefined) node.prev.next = node.next;
    else if (own.head === node) own.head = node.next;
    if (node.next !== undefined) node.next.prev = node.prev;
    node.prev = undefined;
    node.next = undefined;
  };
}
