/**
 * A request or response body that is parsed or serialized only when somebody needs to look inside.
 * The gateway passes bytes through untouched where it can; the local engine works on values.
 */
import { parseJson, stringifyJson } from './json.ts';

export class Payload {
  #bytes: Buffer | undefined;
  #value: unknown;
  #parsed: boolean;

  private constructor(bytes: Buffer | undefined, value: unknown, parsed: boolean) {
    this.#bytes = bytes;
    this.#value = value;
    this.#parsed = parsed;
  }

  static fromBytes(bytes: Buffer): Payload {
    return new Payload(bytes, undefined, false);
  }

  static fromValue(value: unknown): Payload {
    return new Payload(undefined, value, true);
  }

  /** True when the value was never parsed (the payload can be streamed as-is). */
  get isRaw(): boolean {
    return !this.#parsed;
  }

  /** The parsed value; big integers are bigints. Throws HevError(HEV_BAD_JSON) on bad JSON. */
  value(): unknown {
    if (!this.#parsed) {
      const bytes = this.#bytes ?? Buffer.alloc(0);
      this.#value = bytes.length === 0 ? undefined : parseJson(bytes.toString('utf8'));
      this.#parsed = true;
    }
    return this.#value;
  }

  bytes(): Buffer {
    this.#bytes ??= Buffer.from(stringifyJson(this.#value), 'utf8');
    return this.#bytes;
  }
}
