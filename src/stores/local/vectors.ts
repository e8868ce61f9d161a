/**
 * Dense vectors: wire decoding (JSON arrays or base64 little-endian f32), f16 rounding, output
 * encoding, and the exact distance kernels. Vectors live in one Float32Array per column
 * (`dims` floats per slot) so that a scan is a tight loop over contiguous memory.
 */
import { invalid } from '../../wire/errors.ts';
import type { Precision } from './values.ts';

export type DistanceMetric = 'cosine_distance' | 'euclidean_squared';

export function isDistanceMetric(value: unknown): value is DistanceMetric {
  return value === 'cosine_distance' || value === 'euclidean_squared';
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** Rounds an f32 value to the nearest f16 (round half to even), returned as a number. */
export function roundToF16(value: number): number {
  f32[0] = value;
  const x = u32[0] ?? 0;
  const sign = x >>> 31;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return value;
  let e = exp - 127 + 15;
  let half: number;
  if (e >= 31) half = (sign << 15) | 0x7c00;
  else if (e <= 0) {
    if (e < -10) half = sign << 15;
    else {
      mant |= 0x800000;
      const shift = 14 - e;
      let m = mant >>> shift;
      const rem = mant & ((1 << shift) - 1);
      const mid = 1 << (shift - 1);
      if (rem > mid || (rem === mid && (m & 1) === 1)) m++;
      half = (sign << 15) | m;
    }
  } else {
    let m = mant >>> 13;
    const rem = mant & 0x1fff;
    if (rem > 0x1000 || (rem === 0x1000 && (m & 1) === 1)) {
      m++;
      if (m === 0x400) {
        m = 0;
        e++;
      }
    }
    half = e >= 31 ? (sign << 15) | 0x7c00 : (sign << 15) | (e << 10) | m;
  }
  const hs = half >>> 15 ? -1 : 1;
  const he = (half >>> 10) & 0x1f;
  const hm = half & 0x3ff;
  if (he === 0) return hs * hm * 2 ** -24;
  if (he === 31) return hs * Infinity;
  return hs * (1 + hm / 1024) * 2 ** (he - 15);
}

/** Decodes a vector from the wire; `dims` undefined means "any length" (inference). */
export function parseVector(
  raw: unknown,
  attr: string,
  dims: number | undefined,
  precision: Precision,
): Float32Array {
  let out: Float32Array;
  if (typeof raw === 'string') {
    const bytes = Buffer.from(raw, 'base64');
    if (bytes.length % 4 !== 0 || bytes.length === 0) {
      throw invalid(`invalid base64 vector for attribute \`${attr}\`: expected little-endian f32 bytes`);
    }
    out = new Float32Array(bytes.length / 4);
    for (let i = 0; i < out.length; i++) out[i] = bytes.readFloatLE(i * 4);
  } else if (Array.isArray(raw)) {
    out = new Float32Array(raw.length);
    for (let i = 0; i < raw.length; i++) {
      const v = raw[i] as unknown;
      if (typeof v !== 'number' || !Number.isFinite(v)) {
        throw invalid(`invalid vector for attribute \`${attr}\`: element ${i} is not a finite number`);
      }
      out[i] = v;
    }
  } else {
    throw invalid(
      `invalid vector for attribute \`${attr}\`: expected an array of numbers or a base64 string`,
    );
  }
  if (out.length === 0) throw invalid(`invalid vector for attribute \`${attr}\`: it is empty`);
  if (dims !== undefined && out.length !== dims) {
    throw invalid(`vector dimension mismatch for attribute \`${attr}\`: expected ${dims}, got ${out.length}`);
  }
  if (precision === 'f16') for (let i = 0; i < out.length; i++) out[i] = roundToF16(out[i] ?? 0);
  return out;
}

/** The shortest decimal that reads back as the same f32 (so 0.1 prints as 0.1, not 0.100000001). */
export function shortestF32(value: number): number {
  if (value === 0 || !Number.isFinite(value)) return value;
  for (const digits of [7, 8, 9]) {
    const candidate = Number(value.toPrecision(digits));
    if (Math.fround(candidate) === value) return candidate;
  }
  return value;
}

/** The shortest decimal that reads back as the same f16 value. */
export function shortestF16(value: number): number {
  if (value === 0 || !Number.isFinite(value)) return value;
  for (const digits of [3, 4, 5]) {
    const candidate = Number(value.toPrecision(digits));
    if (roundToF16(candidate) === value) return candidate;
  }
  return value;
}

export function encodeVector(
  vec: Float32Array,
  encoding: 'float' | 'base64',
  precision: Precision = 'f32',
): number[] | string {
  if (encoding === 'base64') {
    const buf = Buffer.alloc(vec.length * 4);
    for (let i = 0; i < vec.length; i++) buf.writeFloatLE(vec[i] ?? 0, i * 4);
    return buf.toString('base64');
  }
  return Array.from(vec, precision === 'f16' ? shortestF16 : shortestF32);
}

export function norm(vec: Float32Array, offset = 0, dims = vec.length): number {
  let s = 0;
  for (let i = 0; i < dims; i++) {
    const v = vec[offset + i] ?? 0;
    s += v * v;
  }
  return Math.sqrt(s);
}

/**
 * Distance between query `q` and the row at `offset` in `data`. Cosine distance is 1 - cos; a
 * zero vector has no direction, so its cosine distance to anything is defined as 1.
 */
export function distanceAt(
  metric: DistanceMetric,
  data: Float32Array,
  offset: number,
  q: Float32Array,
  rowNorm: number,
  qNorm: number,
): number {
  const dims = q.length;
  if (metric === 'euclidean_squared') {
    let s = 0;
    for (let i = 0; i < dims; i++) {
      const d = (data[offset + i] as number) - (q[i] as number);
      s += d * d;
    }
    return s;
  }
  let dot = 0;
  for (let i = 0; i < dims; i++) dot += (data[offset + i] as number) * (q[i] as number);
  if (rowNorm === 0 || qNorm === 0) return 1;
  // Rounding can push 1 - cos a hair outside its range [0, 2].
  return Math.min(2, Math.max(0, 1 - dot / (rowNorm * qNorm)));
}
