// F16 / BF16 / Q8_0 decoding against hand-computed values, unaligned sources, half-precision encoding
// (round to nearest even) and the interleaved -> rotate_half row transform.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bytesSource } from '../../src/core/formats/byte-source.ts';
import { applyRowTransform, decodeBytes, halfToInterleavedRows, readTensorF32 } from '../../src/core/formats/decode-tensor.ts';
import { bf16BitsToF32, encodeHalfBytes, f16BitsToF32, f32ToBf16Bits, f32ToF16Bits } from '../../src/core/formats/float-codec.ts';
import { BadModelFile } from '../../src/core/errors.ts';
import type { TensorEntry } from '../../src/core/model/loaded-model.ts';
import type { Dtype } from '../../src/core/model/spec.ts';

const u16le = (...v: number[]) => new Uint8Array(Uint16Array.from(v).buffer);

describe('F16', () => {
  it('decodes hand-computed values (normal, subnormal, inf, NaN, -0)', () => {
    const got = decodeBytes(u16le(0x3c00, 0xc000, 0x7bff, 0x0001, 0x0400, 0x3555, 0x7c00, 0xfc00, 0x8000, 0x7e00), 'F16', 10);
    expect(Array.from(got.subarray(0, 9))).toEqual([1, -2, 65504, 2 ** -24, 2 ** -14, 0.333251953125, Infinity, -Infinity, -0]);
    expect(got[9]).toBeNaN();
  });
  it('encodes every finite f16 value back to its own bits', () => {
    for (let h = 0; h < 0x10000; h++) {
      if ((h & 0x7c00) === 0x7c00 && (h & 0x3ff)) continue; // NaNs
      expect(f32ToF16Bits(f16BitsToF32(h))).toBe(h);
    }
  });
  it('rounds to nearest, ties to even, overflow to inf', () => {
    expect(f32ToF16Bits(1 + 2 ** -11)).toBe(0x3c00); // halfway, even is 1.0
    expect(f32ToF16Bits(1 + 3 * 2 ** -11)).toBe(0x3c02); // halfway, even is the upper neighbour
    expect(f32ToF16Bits(65519)).toBe(0x7bff);
    expect(f32ToF16Bits(65520)).toBe(0x7c00);
    expect(f32ToF16Bits(2 ** -25)).toBe(0); // halfway to the smallest subnormal -> even (0)
    expect(f32ToF16Bits(1.5 * 2 ** -25)).toBe(1);
    expect(f32ToF16Bits(-0)).toBe(0x8000);
  });
  it('picks the nearest f16 for random floats (reference: search over all f16 values)', () => {
    const finite = Array.from({ length: 0x7c00 }, (_, h) => f16BitsToF32(h)); // ascending non-negative values
    const nearest = (x: number) => {
      const a = Math.abs(x);
      if (a >= 65520) return 0x7c00;
      let lo = 0, hi = finite.length - 1;
      while (hi - lo > 1) { const mid = (lo + hi) >> 1; if (finite[mid] <= a) lo = mid; else hi = mid; }
      const dl = a - finite[lo], dh = finite[hi] - a;
      return dl < dh || (dl === dh && lo % 2 === 0) ? lo : hi;
    };
    fc.assert(fc.property(fc.float({ noNaN: true, min: -7e4, max: 7e4 }), (x) => {
      const want = nearest(x) | (x < 0 || Object.is(x, -0) ? 0x8000 : 0);
      return f32ToF16Bits(x) === want;
    }), { numRuns: 5000 });
  });
});

describe('BF16', () => {
  it('decodes hand-computed values', () => {
    const got = decodeBytes(u16le(0x3f80, 0xc049, 0x4049, 0x7f80, 0x0001, 0x8000), 'BF16', 6);
    expect(Array.from(got)).toEqual([1, -3.140625, 3.140625, Infinity, 2 ** -133, -0]);
  });
  it('encodes every finite bf16 value back to its own bits, rounding ties to even', () => {
    for (let b = 0; b < 0x10000; b++) {
      if ((b & 0x7f80) === 0x7f80 && (b & 0x7f)) continue;
      expect(f32ToBf16Bits(bf16BitsToF32(b))).toBe(b);
    }
    const f = (bits: number) => new Float32Array(Uint32Array.of(bits).buffer)[0];
    expect(f32ToBf16Bits(f(0x3f808000))).toBe(0x3f80); // tie, even below
    expect(f32ToBf16Bits(f(0x3f818000))).toBe(0x3f82); // tie, even above
    expect(f32ToBf16Bits(f(0x3f808001))).toBe(0x3f81);
    expect(f32ToBf16Bits(f(0x7f7fffff))).toBe(0x7f80); // max float rounds to inf
    expect(Number.isNaN(bf16BitsToF32(f32ToBf16Bits(NaN)))).toBe(true);
  });
  it('stays within half a bf16 ulp of random floats', () => {
    fc.assert(fc.property(fc.float({ noNaN: true, noDefaultInfinity: true, min: Math.fround(-1e30), max: Math.fround(1e30) }), (x) => {
      const y = bf16BitsToF32(f32ToBf16Bits(x));
      const ulp = 2 ** (Math.max(-126, Math.floor(Math.log2(Math.abs(x) || 1e-38))) - 7); // subnormals: fixed ulp
      return Math.abs(y - x) <= ulp / 2;
    }), { numRuns: 5000 });
  });
  it('encodeHalfBytes writes little-endian pairs', () => {
    expect(Array.from(encodeHalfBytes(Float32Array.of(1, -2), 'BF16'))).toEqual([0x80, 0x3f, 0x00, 0xc0]);
    expect(Array.from(encodeHalfBytes(Float32Array.of(1, -2), 'F16'))).toEqual([0x00, 0x3c, 0x00, 0xc0]);
  });
});

describe('Q8_0', () => {
  it('decodes blocks of f16 scale + 32 int8', () => {
    const bytes = new Uint8Array(68);
    const dv = new DataView(bytes.buffer);
    dv.setUint16(0, 0x3800, true); // d = 0.5
    [1, -2, 127, -128].forEach((q, i) => dv.setInt8(2 + i, q));
    dv.setUint16(34, 0x2e66, true); // d = 0.0999755859375
    dv.setInt8(36, 3);
    dv.setInt8(67, -1);
    const got = decodeBytes(bytes, 'Q8_0', 64);
    expect(Array.from(got.subarray(0, 5))).toEqual([0.5, -1, 63.5, -64, 0]);
    expect(got[32]).toBe(Math.fround(3 * 0.0999755859375));
    expect(got[63]).toBe(Math.fround(-0.0999755859375));
    expect(Array.from(got.subarray(33, 63)).every((v) => v === 0)).toBe(true);
  });
});

describe('readTensorF32', () => {
  const entry = (bytes: Uint8Array, dtype: Dtype, shape: number[], byteOffset: number, byteLength: number): TensorEntry =>
    ({ name: 't', dtype, shape, source: bytesSource(bytes, 'mem.bin'), byteOffset, byteLength });

  it('handles F32 data at unaligned offsets and returns a copy, not a view of the source', async () => {
    const values = Float32Array.of(1.5, -2.25, 3e-8);
    const file = new Uint8Array(3 + 12);
    file.set(new Uint8Array(values.buffer), 3);
    const got = await readTensorF32(entry(file, 'F32', [3], 3, 12));
    expect(Array.from(got)).toEqual(Array.from(values));
    got[0] = 99;
    expect((await readTensorF32(entry(file, 'F32', [3], 3, 12)))[0]).toBe(1.5);
  });
  it('handles F16 at odd offsets', async () => {
    const file = new Uint8Array(5);
    file.set(u16le(0x3c00, 0xc000), 1);
    expect(Array.from(await readTensorF32(entry(file, 'F16', [2], 1, 4)))).toEqual([1, -2]);
  });
  it('rejects an entry whose byte length does not match its shape', async () => {
    await expect(readTensorF32(entry(new Uint8Array(16), 'F32', [3], 0, 16))).rejects.toBeInstanceOf(BadModelFile);
  });
  it('rejects a source that ends early', async () => {
    await expect(readTensorF32(entry(new Uint8Array(10), 'F32', [3], 0, 12))).rejects.toThrow(/file ended after 10 of 12 bytes/);
  });
});

describe('row transform', () => {
  it('maps interleaved rows to rotate_half rows per head', () => {
    // 2 heads of 4 rows, 1 column: stored per head [p0.x, p0.y, p1.x, p1.y] -> HF [p0.x, p1.x, p0.y, p1.y]
    const stored = Float32Array.of(0, 1, 2, 3, 10, 11, 12, 13);
    expect(Array.from(applyRowTransform(stored, [8, 1], { kind: 'rope-interleaved-to-half', heads: 2 }))).toEqual([0, 2, 1, 3, 10, 12, 11, 13]);
  });
  it('is inverted by halfToInterleavedRows (random shapes and data)', () => {
    const arb = fc.record({ heads: fc.integer({ min: 1, max: 4 }), halfHd: fc.integer({ min: 1, max: 4 }), cols: fc.integer({ min: 1, max: 5 }) })
      .chain(({ heads, halfHd, cols }) => fc.tuple(fc.constant({ heads, rows: heads * 2 * halfHd, cols }),
        fc.float32Array({ minLength: heads * 2 * halfHd * cols, maxLength: heads * 2 * halfHd * cols, noNaN: true })));
    fc.assert(fc.property(arb, ([{ heads, rows, cols }, data]) => {
      const shape = cols === 1 ? [rows] : [rows, cols];
      const back = halfToInterleavedRows(applyRowTransform(data, shape, { kind: 'rope-interleaved-to-half', heads }), shape, heads);
      return back.every((v, i) => Object.is(v, data[i]));
    }));
  });
  it('refuses rows that do not split into even-sized heads', () => {
    expect(() => applyRowTransform(new Float32Array(6), [6], { kind: 'rope-interleaved-to-half', heads: 2 })).toThrow(BadModelFile);
  });
});
