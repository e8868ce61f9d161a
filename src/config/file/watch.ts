/**
 * Watches a directory (never single files: editors replace files by rename, and ConfigMap mounts
 * swap the `..data` symlink, both of which a file watch misses) and calls `onChange` once things
 * have been quiet for `debounceMs` (at most `maxWaitMs` after the first event of a burst).
 * A poll every `pollIntervalMs` is the safety net for file systems where fs.watch says nothing,
 * and re-arms the watch when the directory disappeared and came back.
 */
import { watch, type FSWatcher } from 'node:fs';

export interface DirectoryWatcherOptions {
  readonly dir: string;
  readonly onChange: () => void;
  readonly onWatchError?: (err: Error) => void;
  readonly debounceMs?: number;
  readonly maxWaitMs?: number;
  /** 0 disables polling. */
  readonly pollIntervalMs?: number;
}

export interface DirectoryWatcher {
  start(): void;
  close(): void;
}

export function createDirectoryWatcher(options: DirectoryWatcherOptions): DirectoryWatcher {
  const debounceMs = options.debounceMs ?? 1000;
  const maxWaitMs = options.maxWaitMs ?? 5 * debounceMs;
  const pollIntervalMs = options.pollIntervalMs ?? 10_000;
  let watcher: FSWatcher | undefined;
  let timer: NodeJS.Timeout | undefined;
  let poller: NodeJS.Timeout | undefined;
  let burstStart: number | undefined;
  let closed = false;

  const fire = () => {
    timer = undefined;
    burstStart = undefined;
    if (!closed) options.onChange();
  };

  const onEvent = () => {
    if (closed) return;
    const now = Date.now();
    burstStart ??= now;
    if (timer !== undefined) clearTimeout(timer);
    const wait = Math.max(0, Math.min(debounceMs, burstStart + maxWaitMs - now));
    timer = setTimeout(fire, wait);
  };

  const arm = () => {
    if (closed || watcher !== undefined) return;
    try {
      watcher = watch(options.dir, { persistent: false }, onEvent);
      watcher.on('error', (err) => {
        watcher?.close();
        watcher = undefined;
        options.onWatchError?.(err);
        onEvent();
      });
    } catch (err) {
      options.onWatchError?.(err as Error);
    }
  };

  return {
    start() {
      arm();
      if (pollIntervalMs > 0) {
        poller = setInterval(() => {
          arm();
          options.onChange();
        }, pollIntervalMs);
        poller.unref();
      }
    },
    close() {
      closed = true;
      if (timer !== undefined) clearTimeout(timer);
      if (poller !== undefined) clearInterval(poller);
      watcher?.close();
      watcher = undefined;
    },
  };
}
