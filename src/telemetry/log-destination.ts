/**
 * Where pino's lines go in production: a fixed off-heap buffer per side (double buffering), written
 * to the file descriptor when full and at least every `flushIntervalMs`.
 *
 * Why not sonic-boom (pino.destination) with `minLength`: it batches lines by appending strings to
 * a property of a long-lived object, so under load every line stays reachable from the old
 * generation until the batch is written and is promoted before it dies; the per-request log line
 * then cost a proxied request about 20 µs, mostly in garbage collection (docs/benchmarks.md). Here a
 * line is copied into a Buffer at once and its string is garbage immediately.
 *
 * Lines are never dropped: when both buffers are busy (the descriptor is slower than the log), the
 * write falls back to a synchronous write of the full buffer. On exit, `flushSync` writes what is
 * buffered (a buffer already handed to an async write is left to it).
 */
import { write, writeSync } from 'node:fs';

export interface LogDestinationOptions {
  readonly fd: number;
  /** Bytes per buffer (two are allocated). Default 64 KiB. */
  readonly bufferBytes?: number;
  /** Longest a line waits before it is written. Default 200 ms. */
  readonly flushIntervalMs?: number;
}

export interface LogDestination {
  write(line: string): void;
  /** Starts writing what is buffered (asynchronously). */
  flush(): void;
  /** Writes everything not yet handed to the OS, synchronously (exit handlers). */
  flushSync(): void;
  /** Stops the flush timer after a final synchronous flush. */
  end(): void;
}

const EAGAIN_RETRY_MS = 10;

export function createLogDestination(options: LogDestinationOptions): LogDestination {
  const { fd } = options;
  const size = options.bufferBytes ?? 64 * 1024;
  let active: Buffer = Buffer.allocUnsafe(size);
  let spare: Buffer | undefined = Buffer.allocUnsafe(size);
  let used = 0;

  const writeAllSync = (buf: Buffer, from: number, to: number): void => {
    let offset = from;
    while (offset < to) {
      try {
        offset += writeSync(fd, buf, offset, to - offset);
      } catch (err) {
        // A non-blocking pipe that is full: wait for the reader rather than lose lines.
        if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
      }
    }
  };

  /** Hands `active` to an async write if the spare buffer is free; returns false if it is not. */
  const swap = (): boolean => {
    if (used === 0) return true;
    if (spare === undefined) return false;
    const out = active;
    const length = used;
    active = spare;
    spare = undefined;
    used = 0;
    const send = (offset: number): void => {
      write(fd, out, offset, length - offset, null, (err, written) => {
        if (err !== null && err.code === 'EAGAIN') {
          setTimeout(send, EAGAIN_RETRY_MS, offset).unref();
          return;
        }
        if (err === null && offset + written < length) {
          send(offset + written);
          return;
        }
        // Any other error (a closed stdout): the lines cannot go anywhere; keep logging possible.
        spare = out;
      });
    };
    send(0);
    return true;
  };

  const timer = setInterval(() => swap(), options.flushIntervalMs ?? 200);
  timer.unref();

  return {
    write(line) {
      // A UTF-16 unit is at most 3 UTF-8 bytes: make room for the worst case before encoding.
      const worst = line.length * 3;
      if (used + worst > size && !swap()) {
        writeAllSync(active, 0, used);
        used = 0;
      }
      if (worst > size) {
        const bytes = Buffer.from(line, 'utf8');
        writeAllSync(bytes, 0, bytes.length);
        return;
      }
      used += active.write(line, used, 'utf8');
    },
    flush() {
      swap();
    },
    flushSync() {
      writeAllSync(active, 0, used);
      used = 0;
    },
    end() {
      clearInterval(timer);
      this.flushSync();
    },
  };
}
