import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { gramSpectrum, hillAlpha, symmetricEigenvalues } from './spectral.ts';

describe('spectral helpers', () => {
  it('Jacobi eigenvalues: trace and Frobenius norm are preserved, and a diagonal matrix returns its diagonal', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 12 }).chain((n) =>
      fc.tuple(fc.constant(n), fc.array(fc.double({ min: -3, max: 3, noNaN: true }), { minLength: n * n, maxLength: n * n }))),
    ([n, v]) => {
      const a = new Float64Array(n * n);
      for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) a[i * n + j] = a[j * n + i] = v[i * n + j];
      const trace = Array.from({ length: n }, (_, i) => a[i * n + i]).reduce((x, y) => x + y, 0);
      const frob = a.reduce((x, y) => x + y * y, 0);
      const ev = symmetricEigenvalues(a.slice(), n);
      expect(ev.reduce((x, y) => x + y, 0)).toBeCloseTo(trace, 8);
      expect(ev.reduce((x, y) => x + y * y, 0)).toBeCloseTo(frob, 6);
    }));
    expect(Array.from(symmetricEigenvalues(Float64Array.of(3, 0, 0, -1), 2))).toEqual([3, -1]);
  });

  it('the spectrum of W^T W is the squared singular values (known 2x3 case) in either orientation', () => {
    // W = [[3, 0, 0], [0, 4, 0]] has singular values 4 and 3.
    const w = [3, 0, 0, 0, 4, 0];
    expect(Array.from(gramSpectrum(w, 2, 3)).map((x) => +x.toFixed(9))).toEqual([16, 9]);
    const wt = [3, 0, 0, 4, 0, 0]; // its transpose [3, 2]
    expect(Array.from(gramSpectrum(wt, 3, 2)).map((x) => +x.toFixed(9))).toEqual([16, 9]);
  });

  it('Hill estimator recovers the exponent of an exact Pareto sample', () => {
    // Quantiles of p(x) ~ x^-alpha on [1, inf): x_i = (1 - u_i)^(-1 / (alpha - 1)).
    for (const alpha of [2, 3, 4.5]) {
      const n = 4000;
      const xs = Float64Array.from({ length: n }, (_, i) => (1 - (i + 0.5) / n) ** (-1 / (alpha - 1))).sort((a, b) => b - a);
      expect(hillAlpha(xs, n)).toBeCloseTo(alpha, 1);
    }
  });
});

import { alphaAllocation, repairToMean } from './allocation.ts';

describe('AlphaPruning allocation', () => {
  it('maps alpha linearly (larger alpha, more pruning), mean exactly S, within [0, 0.95]', () => {
    const s = alphaAllocation([2, 3, 4, 5], 0.5, 0.3);
    expect(s.map((x) => +x.toFixed(12))).toEqual([0.2, 0.4, 0.6, 0.8]);
    const clipped = alphaAllocation([2, 5, 5, 5], 0.8, 0.3);
    expect(Math.max(...clipped)).toBeLessThanOrEqual(0.95);
    expect(clipped.reduce((a, b) => a + b, 0) / 4).toBeCloseTo(0.8, 12);
    expect(clipped[0]).toBeLessThan(clipped[1]);
    alphaAllocation([3, 3, 3], 0.4).forEach((x) => expect(x).toBeCloseTo(0.4, 12));
  });

  it('repairToMean clips and restores the mean, and refuses an unreachable mean', () => {
    fc.assert(fc.property(fc.array(fc.double({ min: -1, max: 2, noNaN: true }), { minLength: 1, maxLength: 30 }),
      fc.double({ min: 0, max: 0.9, noNaN: true }), (v, target) => {
        const r = repairToMean(v, target, 0, 0.9);
        r.forEach((x) => { expect(x).toBeGreaterThanOrEqual(0); expect(x).toBeLessThanOrEqual(0.9); });
        expect(Math.abs(r.reduce((a, b) => a + b, 0) / r.length - target)).toBeLessThan(1e-9);
      }));
    expect(() => repairToMean([0.5], 0.97, 0, 0.95)).toThrow(/cannot lie/);
  });
});
