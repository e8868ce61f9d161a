/**
 * Subscribing to an AbortSignal's abort, cheaply. Node's EventTarget add/removeEventListener cost
 * microseconds each, and the gateway subscribes and unsubscribes on every upstream call, on a
 * signal that lives as long as the client's connection. Here each signal gets one real listener
 * (on first use) and a subscription is an entry in a Set.
 */
const subscribers = new WeakMap<AbortSignal, Set<() => void>>();

/** Calls `fn` once when `signal` aborts (the caller checks `signal.aborted` first); returns the unsubscribe. */
export function onAbort(signal: AbortSignal, fn: () => void): () => void {
  let set = subscribers.get(signal);
  if (set === undefined) {
    const created = new Set<() => void>();
    set = created;
    subscribers.set(signal, created);
    signal.addEventListener(
      'abort',
      () => {
        subscribers.delete(signal);
        for (const subscriber of created) subscriber();
      },
      { once: true },
    );
  }
  const own = set;
  own.add(fn);
  return () => {
    own.delete(fn);
  };
}
