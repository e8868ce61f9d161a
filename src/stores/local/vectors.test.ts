import { describe, expect, it } from 'vitest';
import {
  distanceAt,
  encodeVector,
  norm,
  parseVector,
  roundToF16,
  shortestF16,
  shortestF32,
} from './vectors.ts';

describe('vectors', () => {
  it('decodes JSON arrays and base64 little-endian f32', () => {
    const b64 = Buffer.from(new Float32Array([1.5, -2]).buffer).toString('base64');
    expect(Array.from(parseVector(b64, 'v', 2, 'f32'))).toEqual([1.5, -2]);
    expect(Array.from(parseVector([1, 2], 'v', undefined, 'f32'))).toEqual([1, 2]);
    expect(() => parseVector([1, 'x'], 'v', 2, 'f32')).toThrow(/element 1/);
    expect(() => parseVector([1], 'v', 2, 'f32')).toThrow(/expected 2, got 1/);
    expect(() => parseVector('abc', 'v', 2, 'f32')).toThrow(/base64/);
    expect(() => parseVector([], 'v', undefined, 'f32')).toThrow(/empty/);
  });

  it('rounds to f16 with round-half-to-even, subnormals and overflow', () => {
    expect(roundToF16(1)).toBe(1);
    expect(roundToF16(0.1)).toBe(0.0999755859375);
    expect(roundToF16(65504)).toBe(65504);
    expect(roundToF16(1e6)).toBe(Infinity);
    expect(roundToF16(2 ** -24)).toBe(2 ** -24);
    expect(roundToF16(2 ** -26)).toBe(0);
    expect(roundToF16(1 + 2 ** -11)).toBe(1); // tie goes to even
  });

  it('prints the shortest round-tripping decimal', () => {
    expect(shortestF32(Math.fround(0.1))).toBe(0.1);
    expect(shortestF32(Math.fround(1 / 3))).toBe(0.33333334);
    expect(shortestF16(roundToF16(0.1))).toBe(0.1);
    expect(encodeVector(new Float32Array([0.1, 0.2]), 'float')).toEqual([0.1, 0.2]);
    expect(encodeVector(new Float32Array([1]), 'base64')).toBe(
      Buffer.from(new Float32Array([1]).buffer).toString('base64'),
    );
  });

  it('computes cosine distance (1 - cos) and squared euclidean distance', () => {
    const a = new Float32Array([1, 0]);
    const b = new Float32Array([1, 1]);
    expect(distanceAt('cosine_distance', b, 0, a, norm(b), norm(a))).toBeCloseTo(1 - Math.SQRT1_2, 7);
    expect(distanceAt('euclidean_squared', b, 0, a, 0, 0)).toBe(1);
    expect(distanceAt('cosine_distance', new Float32Array(2), 0, a, 0, 1)).toBe(1);
  });
});
