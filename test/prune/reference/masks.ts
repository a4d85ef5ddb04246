// Unstructured masks: row-wise (prune the k lowest scores of every output row) and N:M (keep the n highest of
// every m consecutive input columns). Masks are Uint8Array [rows*cols], 1 = kept, 0 = pruned.

/**
 * Score of weight w with input column statistic sq (undefined = magnitude). Computed in float32 the way the
 * GPU does, so that masks agree bit for bit when the statistics agree: the oracle must not win ties the GPU loses.
 */
export function pruneScore(w: number, sq: number | undefined): number {
  const a = Math.fround(Math.abs(Math.fround(w)));
  if (sq === undefined) return a;
  return Math.fround(a * Math.fround(Math.sqrt(Math.fround(sq))));
}

/** Scores of a [rows, cols] matrix; sq ([cols]) undefined = magnitude. */
export function scoreMatrix(W: Float64Array, rows: number, cols: number, sq?: Float64Array): Float64Array {
  checkShape(W, rows, cols, sq);
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) out[i * cols + j] = pruneScore(W[i * cols + j], sq ? sq[j] : undefined);
  }
  return out;
}

function checkShape(W: Float64Array, rows: number, cols: number, sq?: Float64Array): void {
  if (W.length !== rows * cols) throw new RangeError(`weights have ${W.length} values, expected ${rows}x${cols}`);
  if (sq && sq.length !== cols) throw new RangeError(`sq has ${sq.length} values, expected ${cols}`);
}

/** Column indices of scores[start .. start+len) in pruning order: lowest score first, ties lower column first. */
function pruningOrder(scores: Float64Array, start: number, len: number): number[] {
  const idx = Array.from({ length: len }, (_, j) => j);
  idx.sort((a, b) => (scores[start + a] - scores[start + b]) || (a - b));
  return idx;
}

/** Row-wise mask: in every row zero the k lowest-score weights. */
export function referenceMask(W: Float64Array, rows: number, cols: number, sq: Float64Array | undefined,
  k: number): Uint8Array {
  if (!Number.isInteger(k) || k < 0 || k > cols) throw new RangeError(`k must be an integer in 0..${cols} (got ${k})`);
  const scores = scoreMatrix(W, rows, cols, sq);
  const keep = new Uint8Array(rows * cols).fill(1);
  for (let i = 0; i < rows; i++) {
    const order = pruningOrder(scores, i * cols, cols);
    for (let r = 0; r < k; r++) keep[i * cols + order[r]] = 0;
  }
  return keep;
}

/**
 * N:M mask: in every group of m consecutive columns of a row keep the n highest scores (ties: the lower column
 * is pruned first). Interpretation: when cols is not a multiple of m, the last, shorter group of g columns also
 * keeps its n highest, i.e. prunes max(0, g - n) (e.g. 4:8 on 172 columns keeps the 4-column tail dense).
 */
export function referenceNmMask(W: Float64Array, rows: number, cols: number, sq: Float64Array | undefined,
  n: number, m: number): Uint8Array {
  if (!Number.isInteger(n) || !Number.isInteger(m) || m < 1 || n < 0 || n > m) {
    throw new RangeError(`N:M needs integers 0 <= n <= m, m >= 1 (got ${n}:${m})`);
  }
  const scores = scoreMatrix(W, rows, cols, sq);
  const keep = new Uint8Array(rows * cols).fill(1);
  for (let i = 0; i < rows; i++) {
    for (let c0 = 0; c0 < cols; c0 += m) {
      const g = Math.min(m, cols - c0);
      const order = pruningOrder(scores, i * cols + c0, g);
      for (let r = 0; r < g - n; r++) keep[i * cols + c0 + order[r]] = 0;
    }
  }
  return keep;
}

/** W with the pruned weights set to zero (a new array). */
export function applyMask(W: Float64Array, keep: Uint8Array): Float64Array {
  if (W.length !== keep.length) throw new RangeError(`mask has ${keep.length} values, weights ${W.length}`);
  return W.map((v, i) => (keep[i] ? v : 0));
}

/**
 * k for a row of `cols` inputs at sparsity s: floor(cols * s) (docs/algorithms.md §3). The 1e-9 slack keeps sparsities
 * built by adding steps (0.12 + 13 * 0.01 = 0.24999999999999997) from losing a whole weight per row.
 */
export function prunedPerRow(cols: number, s: number): number {
  if (!(s >= 0 && s <= 1)) throw new RangeError(`sparsity must be in [0, 1] (got ${s})`);
  return Math.min(cols, Math.floor(cols * s + 1e-9));
}
