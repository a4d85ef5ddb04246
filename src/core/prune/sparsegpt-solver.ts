// SparseGPT's solver for one linear map (Frantar & Alistarh 2023; IST-DASLab/sparsegpt `fasterprune`), on the CPU
// in float64: from the dense weights W [N, K] and the Gram matrix X^T X [K, K] of its calibration inputs, choose
// the mask block by block and update the remaining weights to compensate (optimal brain surgeon, lazy batches).
//   H = 2 X^T X; dead inputs (H_jj = 0): H_jj = 1 and W[:, j] = 0; H += percDamp * mean(diag H) * I;
//   U = upper Cholesky factor of H^-1 (H^-1 = U^T U);
//   per block of `blockSize` columns: unstructured: prune the floor(rows * cols * s) lowest W^2 / U_jj^2 over the
//   whole block (all rows; ties: lower row-major index first); N:M: at the first column of every group of M,
//   prune the M - N lowest of the group in each row, scored with the weights as updated so far;
//   column by column: q = pruned ? 0 : w, err = (w - q) / U_jj, later columns of the block -= err * U[j, :];
//   after the block, the columns right of it -= Err * U[block, right].
// Deliberate differences from the reference code: it prunes `tmp <= sorted[int(numel * s)]` (one weight more
// than numel * s, even at s = 0); we prune exactly floor(numel * s). Its N:M prunes `prunen` (= N for 2:4, 4:8);
// we keep N of M as docs/algorithms.md §6 says, and a trailing group of g < M columns keeps min(N, g).
import { PrunelabError } from '../errors.ts';
import type { NmPattern } from './prune-options.ts';

/** The damped Hessian was not positive definite (e.g. NaN or Inf in the calibration inputs). */
export class SparseGptNumericalError extends PrunelabError {
  constructor(detail: string) { super('SparseGptNumericalError', detail); }
}

export interface SparseGptOptions {
  sparsity: number;      // ignored with nm
  nm?: NmPattern;
  blockSize?: number;    // default 128
  percDamp?: number;     // default 0.01
}

export interface SparseGptSolution {
  weights: Float32Array; // [N, K] updated weights, exact zeros where pruned
  keep: Uint8Array;      // [N, K] 1 = kept
}

/**
 * U with H^-1 = U^T U (upper triangular), for H = 2 * gram (symmetrised), dead inputs set to 1, damped. Via the
 * reversal J: if J H J = M M^T (lower Cholesky), then H^-1 = (J M^-1 J)^T (J M^-1 J) and J M^-1 J is upper.
 */
export function inverseHessianFactor(gram: ArrayLike<number>, K: number, percDamp = 0.01): { U: Float64Array; dead: boolean[] } {
  const H = new Float64Array(K * K);
  for (let a = 0; a < K; a++) for (let b = 0; b < K; b++) H[a * K + b] = gram[a * K + b] + gram[b * K + a];
  const dead: boolean[] = [];
  let diagSum = 0;
  for (let j = 0; j < K; j++) {
    dead.push(H[j * K + j] === 0);
    if (dead[j]) H[j * K + j] = 1;
    diagSum += H[j * K + j];
  }
  const damp = (percDamp * diagSum) / K;
  for (let j = 0; j < K; j++) H[j * K + j] += damp;
  // M: lower Cholesky of R = J H J (R[a][b] = H[K-1-a][K-1-b]), row by row: every inner product runs along two
  // contiguous rows of M (O(K^3 / 6) multiply-adds; K is a few thousand at most).
  const M = new Float64Array(K * K);
  for (let i = 0; i < K; i++) {
    const ri = i * K, hi = (K - 1 - i) * K + K - 1;
    for (let j = 0; j <= i; j++) {
      const rj = j * K;
      let s = H[hi - j];
      for (let k = 0; k < j; k++) s -= M[ri + k] * M[rj + k];
      if (i === j) {
        if (!(s > 0)) throw new SparseGptNumericalError(`SparseGPT: the damped Hessian is not positive definite (pivot ${s} at column ${K - 1 - i})`);
        M[ri + i] = Math.sqrt(s);
      } else M[ri + j] = s / M[rj + j];
    }
  }
  // Minv = M^-1 (lower), row by row: Minv[i, :i] = -(M[i, :i] Minv[:i, :i]) / M[i, i], accumulated along rows of
  // Minv (contiguous) rather than down its columns.
  const Minv = new Float64Array(K * K);
  for (let i = 0; i < K; i++) {
    const ri = i * K;
    for (let k = 0; k < i; k++) {
      const a = M[ri + k];
      if (a === 0) continue;
      const rk = k * K;
      for (let c = 0; c <= k; c++) Minv[ri + c] -= a * Minv[rk + c];
    }
    const d = M[ri + i];
    for (let c = 0; c < i; c++) Minv[ri + c] /= d;
    Minv[ri + i] = 1 / d;
  }
  const U = new Float64Array(K * K);
  for (let a = 0; a < K; a++) for (let b = a; b < K; b++) U[a * K + b] = Minv[(K - 1 - a) * K + (K - 1 - b)];
  return { U, dead };
}

/** Marks the floor(n * s) lowest of `score` (ties: lower index first) in `pruned`. */
function pruneLowest(score: Float64Array, count: number, pruned: Uint8Array): void {
  if (count <= 0) return;
  const sorted = Float64Array.from(score).sort();
  const thresh = sorted[count - 1];
  let left = count;
  for (let i = 0; i < score.length; i++) if (score[i] < thresh) { pruned[i] = 1; left--; }
  for (let i = 0; i < score.length && left > 0; i++) if (score[i] === thresh) { pruned[i] = 1; left--; }
}

export function sparseGptSolve(dense: ArrayLike<number>, N: number, K: number, gram: ArrayLike<number>,
  opts: SparseGptOptions): SparseGptSolution {
  return sparseGptSolveFactored(dense, N, K, inverseHessianFactor(gram, K, opts.percDamp ?? 0.01), opts);
}

/** The same with the factor of inverseHessianFactor (shared by the maps that read one input: q/k/v, gate/up). */
export function sparseGptSolveFactored(dense: ArrayLike<number>, N: number, K: number,
  { U, dead }: { U: Float64Array; dead: boolean[] }, opts: Omit<SparseGptOptions, 'percDamp'>): SparseGptSolution {
  const B = opts.blockSize ?? 128;
  const W = Float64Array.from(dense);                  // [N, K] working copy
  for (let j = 0; j < K; j++) if (dead[j]) for (let r = 0; r < N; r++) W[r * K + j] = 0;
  const keep = new Uint8Array(N * K).fill(1);
  for (let i1 = 0; i1 < K; i1 += B) {
    const i2 = Math.min(i1 + B, K), cnt = i2 - i1;
    const pruned = new Uint8Array(N * cnt);            // [N, cnt] of this block
    if (!opts.nm) {
      const score = new Float64Array(N * cnt);
      for (let r = 0; r < N; r++) {
        for (let c = 0; c < cnt; c++) score[r * cnt + c] = W[r * K + i1 + c] ** 2 / U[(i1 + c) * K + i1 + c] ** 2;
      }
      pruneLowest(score, Math.floor(N * cnt * opts.sparsity + 1e-9), pruned);
    }
    const err = new Float64Array(N * cnt);             // [N, cnt]
    for (let i = 0; i < cnt; i++) {
      const col = i1 + i;
      const nm = opts.nm;
      if (nm && i % nm.m === 0) {
        const g = Math.min(nm.m, cnt - i);
        const score = new Float64Array(g), mark = new Uint8Array(g);
        for (let r = 0; r < N; r++) {
          for (let c = 0; c < g; c++) score[c] = W[r * K + col + c] ** 2 / U[(col + c) * K + col + c] ** 2;
          mark.fill(0);
          pruneLowest(score, g - Math.min(nm.n, g), mark);
          for (let c = 0; c < g; c++) pruned[r * cnt + i + c] = mark[c];
        }
      }
      const d = U[col * K + col];
      for (let r = 0; r < N; r++) {
        const w = W[r * K + col];
        if (!pruned[r * cnt + i]) continue;            // kept: q = w, no error
        keep[r * K + col] = 0;
        W[r * K + col] = 0;
        const e = w / d;
        err[r * cnt + i] = e;
        for (let j = col + 1; j < i2; j++) W[r * K + j] -= e * U[col * K + j];
      }
    }
    for (let r = 0; r < N; r++) {
      for (let i = 0; i < cnt; i++) {
        const e = err[r * cnt + i];
        if (e === 0) continue;
        const u = (i1 + i) * K;
        for (let c = i2; c < K; c++) W[r * K + c] -= e * U[u + c];
      }
    }
  }
  return { weights: Float32Array.from(W), keep };
}
