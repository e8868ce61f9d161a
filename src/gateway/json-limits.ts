/**
 * Structural caps on JSON bodies, checked on the raw bytes before anything parses or recurses into
 * them: nesting depth (filters and rank_by clauses are evaluated recursively downstream) and array
 * length. A single pass that skips string contents; it does not validate JSON (the parser does).
 */
import { HevError } from '../wire/errors.ts';

export interface JsonLimits {
  readonly maxDepth: number;
  readonly maxArrayLength: number;
}

export const DEFAULT_JSON_LIMITS: JsonLimits = { maxDepth: 64, maxArrayLength: 1_048_576 };

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const COMMA = 0x2c;
const SPACE = 0x20;
const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;

export function checkJsonLimits(bytes: Buffer, limits: JsonLimits = DEFAULT_JSON_LIMITS): void {
  // arrayCounts[d] = element count of the array open at depth d, or -1 for an object.
  const counts: number[] = [];
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i]!;
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
      continue;
    }
    if (c === QUOTE) {
      inString = true;
      bumpFirstElement(counts);
    } else if (c === OPEN_ARRAY || c === OPEN_OBJECT) {
      bumpFirstElement(counts);
      counts.push(c === OPEN_ARRAY ? 0 : -1);
      if (counts.length > limits.maxDepth) {
        throw new HevError('HEV_INVALID_REQUEST', `JSON nesting deeper than ${limits.maxDepth} levels`);
      }
    } else if (c === CLOSE_ARRAY || c === CLOSE_OBJECT) {
      counts.pop();
    } else if (c === COMMA) {
      const top = counts.length - 1;
      if (top >= 0 && counts[top]! >= 0) {
        const n = counts[top]! + 1;
        if (n > limits.maxArrayLength) {
          throw new HevError(
            'HEV_INVALID_REQUEST',
            `JSON array longer than ${limits.maxArrayLength} elements`,
          );
        }
        counts[top] = n;
      }
    } else if (c !== SPACE && c !== TAB && c !== LF && c !== CR) {
      bumpFirstElement(counts);
    }
  }
}

// An array's count starts at 0 and becomes 1 at its first element; commas add the rest.
function bumpFirstElement(counts: number[]): void {
  const top = counts.length - 1;
  if (top >= 0 && counts[top] === 0) counts[top] = 1;
}
