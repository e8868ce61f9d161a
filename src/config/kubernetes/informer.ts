/**
 * An informer that stays alive. client-node 1.4's informer heals a clean stream end and a 410 Gone
 * (it relists) but stays dead after a dropped connection or a failed list, and reports its own
 * stop() as an error too. This wrapper restarts it after errors with capped, jittered exponential
 * backoff, resuming from the last resourceVersion (the server replays what was missed, or answers
 * 410 and the informer relists), and never restarts once stopped.
 */
import {
  makeInformer,
  type Informer,
  type KubeConfig,
  type KubernetesObject,
  type ObjectCache,
} from '@kubernetes/client-node';
import type { Logger } from 'pino';

export interface ResilientInformerOptions<T extends KubernetesObject> {
  readonly kubeConfig: KubeConfig;
  readonly path: string;
  readonly list: () => Promise<{ items: T[]; metadata?: { resourceVersion?: string } }>;
  /** Any add, update or delete. */
  readonly onChange: () => void;
  readonly logger: Logger;
  /** What it watches, for logs (`indexes`, `secrets`). */
  readonly name: string;
  readonly backoff?: { readonly initialMs: number; readonly maxMs: number };
  readonly random?: () => number;
}

export interface ResilientInformer<T extends KubernetesObject> {
  /** Resolves once the first list succeeded (retrying until it does or the informer stops). */
  start(): Promise<void>;
  stop(): Promise<void>;
  list(): T[];
  /** Restarts after errors so far. */
  readonly restarts: number;
}

/** Full jitter around an exponential step: the delay for the n-th consecutive failure (0-based). */
export function backoffDelay(
  attempt: number,
  initialMs: number,
  maxMs: number,
  random: () => number,
): number {
  const step = Math.min(maxMs, initialMs * 2 ** attempt);
  return Math.round(step / 2 + random() * (step / 2));
}

export function createResilientInformer<T extends KubernetesObject>(
  options: ResilientInformerOptions<T>,
): ResilientInformer<T> {
  const { initialMs, maxMs } = options.backoff ?? { initialMs: 200, maxMs: 10_000 };
  const random = options.random ?? Math.random;
  let listed = false;
  const informer: Informer<T> & ObjectCache<T> = makeInformer(options.kubeConfig, options.path, async () => {
    const list = await options.list();
    listed = true;
    return list as never;
  });
  let stopped = false;
  let failures = 0;
  let restarts = 0;
  let timer: NodeJS.Timeout | undefined;
  let firstList: (() => void) | undefined;

  const run = async () => {
    if (stopped) return;
    await informer.start();
    if (listed) firstList?.();
  };
  const restart = () => {
    if (stopped || timer !== undefined) return;
    const delay = backoffDelay(failures, initialMs, maxMs, random);
    failures += 1;
    timer = setTimeout(() => {
      timer = undefined;
      restarts += 1;
      void run();
    }, delay);
  };

  informer.on('add', options.onChange);
  informer.on('update', options.onChange);
  informer.on('delete', options.onChange);
  informer.on('connect', () => {
    if (listed) failures = 0;
  });
  informer.on('error', (err: unknown) => {
    if (stopped) return;
    options.logger.warn(
      { watch: options.name, error: (err as Error).message ?? String(err) },
      'watch failed; restarting with backoff',
    );
    restart();
  });

  return {
    start() {
      return new Promise<void>((resolve) => {
        firstList = resolve;
        void run();
      });
    },
    async stop() {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      firstList?.();
      await informer.stop();
    },
    list: () => [...informer.list()],
    get restarts() {
      return restarts;
    },
  };
}
