import { describe, expect, it } from 'vitest';
import {
  DEFAULT_FTS,
  parseAttrConfig,
  renderMetadataSchema,
  renderSchemaEndpoint,
  validateAttrName,
  type NsSchema,
} from './schema.ts';

describe('attribute configs', () => {
  it('applies defaults: filterable unless full-text/regex/glob', () => {
    expect(parseAttrConfig('a', 'string', undefined).schema).toMatchObject({
      filterable: true,
      fts: undefined,
    });
    expect(parseAttrConfig('a', { type: 'string', full_text_search: true }, undefined).schema).toMatchObject({
      filterable: false,
      fts: DEFAULT_FTS,
    });
    expect(parseAttrConfig('a', { type: 'string', regex: true }, undefined).schema).toMatchObject({
      filterable: false,
      regex: true,
    });
    expect(
      parseAttrConfig(
        'a',
        { type: '[]string', full_text_search: { tokenizer: 'pre_tokenized_array' } },
        undefined,
      ).schema.fts?.tokenizer,
    ).toBe('pre_tokenized_array');
  });

  it('keeps options that an update does not mention and never changes the type', () => {
    const first = parseAttrConfig('a', { type: 'string', full_text_search: { k1: 2 } }, undefined).schema;
    const next = parseAttrConfig('a', { type: 'string', regex: true }, first).schema;
    expect(next).toMatchObject({ fts: { k1: 2 }, regex: true, filterable: false });
    expect(() => parseAttrConfig('a', 'int', first)).toThrow(
      /cannot change attribute type from string to int/,
    );
  });

  it('rejects invalid configs', () => {
    expect(() => parseAttrConfig('a', { filterable: true }, undefined)).toThrow(/missing field `type`/);
    expect(() => parseAttrConfig('a', { type: 'int', full_text_search: true }, undefined)).toThrow(
      /need a string/,
    );
    expect(() => parseAttrConfig('a', { type: 'string', full_text_search: { b: 2 } }, undefined)).toThrow(
      /b for/,
    );
    expect(() =>
      parseAttrConfig('a', { type: 'string', full_text_search: { tokenizer: 'x' } }, undefined),
    ).toThrow(/tokenizer/);
    expect(() => parseAttrConfig('a', { type: 'string', ann: true }, undefined)).toThrow(
      /only valid for vector/,
    );
    expect(() =>
      parseAttrConfig('v', { type: '[2]f32', ann: { distance_metric: 'dot' } }, undefined),
    ).toThrow(/distance_metric/);
    expect(() => validateAttrName('$dist')).toThrow(/must not start with/);
    expect(() => validateAttrName('x'.repeat(129))).toThrow(/128 bytes/);
  });

  it('renders the metadata shape and the schema endpoint shape', () => {
    const schema: NsSchema = {
      idType: 'string',
      distanceMetric: 'euclidean_squared',
      attrs: new Map([
        ['v', parseAttrConfig('v', { type: '[3]f16', ann: true }, undefined).schema],
        ['g', parseAttrConfig('g', { type: 'string', glob: true }, undefined).schema],
      ]),
    };
    expect(renderMetadataSchema(schema)).toEqual({
      id: { type: 'string' },
      v: { type: '[3]f16', ann: { distance_metric: 'euclidean_squared' } },
      g: { type: 'string', filterable: false, glob: true },
    });
    expect(renderSchemaEndpoint(schema)).toEqual({
      id: { type: 'string', filterable: null, full_text_search: null },
      v: { type: '[3]f16', ann: true, filterable: null, full_text_search: null },
      g: { type: 'string', filterable: false, full_text_search: null, glob: true },
    });
  });
});
