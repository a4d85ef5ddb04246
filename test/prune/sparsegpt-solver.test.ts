// The CPU SparseGPT solver (src/core/prune/sparsegpt-solver.ts) against the independent float64 oracle
// (test/prune/reference/sparsegpt.ts) on random maps: same masks, same updated weights, exact per-block counts.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { inverseHessianFactor, SparseGptNumericalError, sparseGptSolve } from '../../src/core/prune/sparsegpt-solver.ts';
import { referenceSparseGptMap } from './reference/sparsegpt.ts';

/** Deterministic values in ±[0.05, 2] (xorshift), never zero. */
function values(n: number, seed: number): Float64Array {
  const out = new Float64Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    const u = s / 2 ** 32;
    out[i] = (u < 0.5 ? -1 : 1) * (0.05 + 1.95 * ((u * 2) % 1));
  }
  return out;
}

function gram(X: Float64Array, T: number, K: number): Float64Array {
  const g = new Float64Array(K * K);
  for (let t = 0; t < T; t++) for (let a = 0; a < K; a++) for (let b = 0; b < K; b++) g[a * K + b] += X[t * K + a] * X[t * K + b];
  return g;
}

/** ||X (A - B)^T||_F^2: the squared output error of weights A against B on inputs X. */
function outputError(A: ArrayLike<number>, B: ArrayLike<number>, X: Float64Array, N: number, K: number, T: number): number {
  let e = 0;
  for (let t = 0; t < T; t++) {
    for (let r = 0; r < N; r++) {
      let y = 0;
      for (let k = 0; k < K; k++) y += X[t * K + k] * (A[r * K + k] - B[r * K + k]);
      e += y * y;
    }
  }
  return e;
}

const case_ = fc.record({
  N: fc.integer({ min: 1, max: 12 }), K: fc.integer({ min: 1, max: 45 }), T: fc.integer({ min: 1, max: 40 }),
  blockSize: fc.constantFrom(8, 16, 128), sparsity: fc.constantFrom(0, 0.25, 0.5, 0.7, 0.9),
  nm: fc.constantFrom(undefined, { n: 2, m: 4 }, { n: 4, m: 8 }, { n: 1, m: 4 }), seed: fc.integer({ min: 1, max: 2 ** 31 }),
});

describe('SparseGPT solver vs the float64 oracle', () => {
  it('same masks and updated weights; per-block counts exact; N:M per row; pruned weights are zero', () => {
    fc.assert(fc.property(case_, ({ N, K, T, blockSize, sparsity, nm, seed }) => {
      const W = values(N * K, seed), X = values(T * K, seed + 1);
      const G = gram(X, T, K);
      const got = sparseGptSolve(Float32Array.from(W), N, K, G, { sparsity, nm, blockSize });
      const ref = referenceSparseGptMap(Float64Array.from(Float32Array.from(W)), N, K, G.map((v) => 2 * v), sparsity, nm, blockSize);
      expect(Array.from(got.keep)).toEqual(Array.from(ref.keep));
      got.weights.forEach((v, i) => {
        if (!got.keep[i]) expect(v).toBe(0);
        expect(Math.abs(v - ref.weights[i])).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(ref.weights[i])));
      });
      if (nm) {
        for (let r = 0; r < N; r++) {
          for (let c0 = 0; c0 < K; c0 += nm.m) {
            const g = Math.min(nm.m, K - c0);
            let kept = 0;
            for (let c = c0; c < c0 + g; c++) kept += got.keep[r * K + c];
            expect(kept).toBe(Math.min(nm.n, g));
          }
        }
      } else {
        for (let i1 = 0; i1 < K; i1 += blockSize) {
          const cnt = Math.min(blockSize, K - i1);
          let pruned = 0;
          for (let r = 0; r < N; r++) for (let c = i1; c < i1 + cnt; c++) pruned += 1 - got.keep[r * K + c];
          expect(pruned).toBe(Math.floor(N * cnt * sparsity + 1e-9));
        }
      }
    }), { numRuns: 60 });
  });

  it('sparsity 0 returns the dense weights exactly', () => {
    const N = 6, K = 20, T = 30;
    const W = Float32Array.from(values(N * K, 7));
    const got = sparseGptSolve(W, N, K, gram(values(T * K, 8), T, K), { sparsity: 0 });
    expect(Array.from(got.weights)).toEqual(Array.from(W));
    expect(got.keep.every((k) => k === 1)).toBe(true);
  });

  it('the error-compensating update beats plain masking with the same mask on the calibration inputs', () => {
    const N = 16, K = 48, T = 200;
    const W = Float32Array.from(values(N * K, 11));
    // Correlated inputs (a shared factor and neighbour mixing), as real activations are: the update has work to do.
    const Z = values(T * K, 12), F = values(T, 13);
    const X = Z.map((z, i) => z + (i % K ? 0.7 * Z[i - 1] : 0) + F[Math.floor(i / K)]);
    const got = sparseGptSolve(W, N, K, gram(X, T, K), { sparsity: 0.5, blockSize: 16 });
    const masked = W.map((v, i) => (got.keep[i] ? v : 0));
    expect(outputError(got.weights, W, X, N, K, T)).toBeLessThan(0.8 * outputError(masked, W, X, N, K, T));
  });

  it('dead inputs (a column of X that is always 0) zero their weights; H^-1 = U^T U', () => {
    const N = 3, K = 6, T = 20;
    const X = values(T * K, 3);
    for (let t = 0; t < T; t++) X[t * K + 2] = 0;
    const G = gram(X, T, K);
    const got = sparseGptSolve(Float32Array.from(values(N * K, 4)), N, K, G, { sparsity: 0 });
    for (let r = 0; r < N; r++) expect(got.weights[r * K + 2]).toBe(0);
    // U^T U H = I for the damped H.
    const { U } = inverseHessianFactor(G, K);
    const H = G.map((v) => 2 * v);
    H[2 * K + 2] = 1;
    let meanDiag = 0;
    for (let j = 0; j < K; j++) meanDiag += H[j * K + j] / K;
    for (let j = 0; j < K; j++) H[j * K + j] += 0.01 * meanDiag;
    for (let a = 0; a < K; a++) {
      for (let b = 0; b < K; b++) {
        let s = 0;
        for (let c = 0; c < K; c++) { let hinv = 0; for (let k = 0; k < K; k++) hinv += U[k * K + a] * U[k * K + c]; s += hinv * H[c * K + b]; }
        expect(s).toBeCloseTo(a === b ? 1 : 0, 9);
      }
    }
  });

  it('a Hessian with NaN fails with a typed error', () => {
    const G = new Float64Array(4).fill(NaN);
    expect(() => sparseGptSolve(Float32Array.of(1, 2, 3, 4), 2, 2, G, { sparsity: 0.5 })).toThrow(SparseGptNumericalError);
  });
});
