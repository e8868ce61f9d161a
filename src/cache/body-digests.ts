/**
 * The canonical-body digest of a request (keys.ts `bodyDigest`), remembered by the body's exact
 * bytes. Parsing a query body, sorting its keys and hashing the result was the largest part of what
 * a cache hit cost; clients send the same bytes again and again, and the same bytes always have the
 * same digest, so a bounded map from bytes to digest answers repeats without parsing them. Bodies
 * that were never raw bytes, or are larger than `maxBytes`, are digested every time.
 */
import type { Payload } from '../wire/payload.ts';
import { bodyDigest } from './keys.ts';

export interface BodyDigestsOptions {
  /** Bodies remembered at most; the oldest is forgotten first. Default 1024. */
  readonly maxEntries?: number;
  /** Largest body remembered, bytes. Default 8 KiB (at most maxEntries × maxBytes held). */
  readonly maxBytes?: number;
}

export class BodyDigests {
  readonly #byBytes = new Map<string, string>();
  readonly #maxEntries: number;
  readonly #maxBytes: number;

  constructor(options: BodyDigestsOptions = {}) {
    this.#maxEntries = options.maxEntries ?? 1024;
    this.#maxBytes = options.maxBytes ?? 8192;
  }

  /** The body's digest; throws like `Payload.value()` on a body that is not JSON. */
  of(body: Payload | undefined): string {
    if (body === undefined) return '';
    if (!body.isRaw) return bodyDigest(body.value());
    const bytes = body.bytes();
    if (bytes.length > this.#maxBytes) return bodyDigest(body.value());
    const text = bytes.toString('latin1');
    const known = this.#byBytes.get(text);
    if (known !== undefined) return known;
    const digest = bodyDigest(body.value());
    if (this.#byBytes.size >= this.#maxEntries) {
      const oldest = this.#byBytes.keys().next();
      if (oldest.done !== true) this.#byBytes.delete(oldest.value);
    }
    this.#byBytes.set(text, digest);
    return digest;
  }

  get size(): number {
    return this.#byBytes.size;
  }
}
