import { describe, expect, it } from 'vitest';
import { checkJsonLimits } from './json-limits.ts';

const limits = { maxDepth: 4, maxArrayLength: 3 };

describe('checkJsonLimits', () => {
  it.each([
    ['{}'],
    ['[1,2,3]'],
    ['{"a":[[1,2],[3]]}'],
    ['{"a":"[[[[[[[[ , , , ,"}'],
    ['{"a":"\\"[[[[[[["}'],
    ['[ ]'],
    ['[[[1]]]'],
  ])('accepts %s', (text) => {
    expect(() => checkJsonLimits(Buffer.from(text), limits)).not.toThrow();
  });

  it.each([
    ['[[[[[1]]]]]', /nesting deeper than 4/],
    ['{"a":{"b":{"c":{"d":{}}}}}', /nesting deeper than 4/],
    ['[1,2,3,4]', /array longer than 3/],
    ['{"a":[{},{},{},{}]}', /array longer than 3/],
    ['["a","b","c","d"]', /array longer than 3/],
  ])('rejects %s', (text, message) => {
    expect(() => checkJsonLimits(Buffer.from(text), limits)).toThrow(message);
  });

  it('does not count commas inside objects as array elements', () => {
    expect(() => checkJsonLimits(Buffer.from('{"a":1,"b":2,"c":3,"d":4}'), limits)).not.toThrow();
  });
});
