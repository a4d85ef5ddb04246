// Eigenvalues of symmetric matrices (cyclic Jacobi rotations, float64) and the ESD of a weight matrix:
// the eigenvalues of W^T W are the squared singular values of W, computed from the smaller Gram matrix.
// O(n^3) per sweep: fine for the small models this studio targets (n <= ~1k), slow beyond.

/** Eigenvalues of the symmetric n x n matrix `a` (row-major; overwritten), unsorted. */
export function symmetricEigenvalues(a: Float64Array, n: number, maxSweeps = 50): Float64Array {
  for (let sweep = 0; sweep < maxSweeps; sweep++) {
    let off = 0, diag = 0;
    for (let p = 0; p < n; p++) {
      diag += a[p * n + p] ** 2;
      for (let q = p + 1; q < n; q++) off += a[p * n + q] ** 2;
    }
    if (off <= 1e-30 * Math.max(diag, 1e-300)) break;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q];
        if (apq === 0) continue;
        // Rotation that zeroes a[p][q] (Golub & Van Loan, symmetric Schur decomposition).
        const tau = (a[q * n + q] - a[p * n + p]) / (2 * apq);
        const t = Math.sign(tau || 1) / (Math.abs(tau) + Math.sqrt(1 + tau * tau));
        const c = 1 / Math.sqrt(1 + t * t), s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p], akq = a[k * n + q];
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k], aqk = a[q * n + k];
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
      }
    }
  }
  return Float64Array.from({ length: n }, (_, i) => a[i * n + i]);
}

/** Eigenvalues of W^T W for W [rows, cols] (the nonzero ones: min(rows, cols) of them), descending. */
export function gramSpectrum(w: ArrayLike<number>, rows: number, cols: number): Float64Array {
  const n = Math.min(rows, cols);
  const g = new Float64Array(n * n);
  // G = W W^T when rows <= cols, else W^T W: same nonzero spectrum, smaller matrix.
  const at = rows <= cols ? (i: number, k: number) => w[i * cols + k] : (i: number, k: number) => w[k * cols + i];
  const inner = Math.max(rows, cols);
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      let s = 0;
      for (let k = 0; k < inner; k++) s += at(i, k) * at(j, k);
      g[i * n + j] = g[j * n + i] = s;
    }
  }
  return symmetricEigenvalues(g, n).map((v) => Math.max(v, 0)).sort((a, b) => b - a);
}

/**
 * Hill estimator of the power-law exponent of the density p(x) ~ x^-alpha over the top `k` eigenvalues
 * (default: the upper half of the spectrum): alpha = 1 + k / sum_{i<k} ln(lambda_i / lambda_{k-1}).
 */
export function hillAlpha(descending: Float64Array, k = Math.max(2, Math.floor(descending.length / 2))): number {
  const tail = descending.subarray(0, Math.min(k, descending.length));
  const xmin = tail[tail.length - 1];
  if (!(xmin > 0)) return NaN;
  let sum = 0;
  for (const x of tail) sum += Math.log(x / xmin);
  return sum > 0 ? 1 + tail.length / sum : Infinity;
}
