// Numeric helpers for kernel property tests.
import fc from 'fast-check';
import { expect } from 'vitest';

/** Random f32 data in ±[0.05, 2]: never zero, so a kernel that writes nothing cannot pass. */
export function nonZeroF32Array(n: number, scale = 1): fc.Arbitrary<Float32Array> {
  return fc.array(fc.tuple(fc.boolean(), fc.double({ min: 0.05, max: 2, noNaN: true })), { minLength: n, maxLength: n })
    .map((pairs) => Float32Array.from(pairs, ([neg, v]) => (neg ? -v : v) * scale));
}

/** Elementwise |a-b| <= atol + rtol*|b|, reporting the first offending index. */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rtol = 1e-5, atol = 1e-6): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i], e = expected[i];
    if (!(Math.abs(a - e) <= atol + rtol * Math.abs(e))) {
      throw new Error(`index ${i}: got ${a}, expected ${e} (|diff| ${Math.abs(a - e)})`);
    }
  }
}
