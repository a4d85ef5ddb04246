// SparseGPT oracle in float64 (docs/algorithms.md §5 + IST-DASLab/sparsegpt's `fasterprune`), written independently of
// src/core/prune/sparsegpt-solver.ts: the Hessian comes from float64 activations, H^-1 from a Gauss-Jordan
// inversion (not Cholesky), and the block loop follows the Python structure (W1 / Q1 / Err1 per block).
// Project conventions shared with the GPU path: exactly floor(rows * cols * s) pruned per block (the reference
// code's `tmp <= sorted[int(numel * s)]` prunes one more), ties to the lower row-major index; N:M keeps N of every
// M (a trailing group of g < M keeps min(N, g)), ties to the lower column.
import type { ModelSpec } from '../../../src/core/model/spec.ts';
import { referenceLayer, type LinearInput, type ReferenceWeights } from '../../../src/core/engine/reference-forward.ts';
import { MAP_INPUT, mapNames, mapShape, mapTensorName, mapWeights, type MapName } from './maps.ts';
import { checkSparsities, copyWeights, type NmPattern } from './sequential.ts';
import { embedWindows } from './stats.ts';
import type { LayerScores } from './outliers.ts';

/** H^-1 by Gauss-Jordan elimination with partial pivoting. */
function invert(A: Float64Array, n: number): Float64Array {
  const a = Float64Array.from(A);
  const inv = new Float64Array(n * n);
  for (let i = 0; i < n; i++) inv[i * n + i] = 1;
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(a[r * n + c]) > Math.abs(a[p * n + c])) p = r;
    if (a[p * n + c] === 0) throw new Error('sparsegpt oracle: singular Hessian');
    for (let k = 0; k < n; k++) {
      [a[c * n + k], a[p * n + k]] = [a[p * n + k], a[c * n + k]];
      [inv[c * n + k], inv[p * n + k]] = [inv[p * n + k], inv[c * n + k]];
    }
    const piv = a[c * n + c];
    for (let k = 0; k < n; k++) { a[c * n + k] /= piv; inv[c * n + k] /= piv; }
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = a[r * n + c];
      if (f === 0) continue;
      for (let k = 0; k < n; k++) { a[r * n + k] -= f * a[c * n + k]; inv[r * n + k] -= f * inv[c * n + k]; }
    }
  }
  return inv;
}

/** Upper Cholesky factor: A = U^T U (A symmetrised first). */
function choleskyUpper(A: Float64Array, n: number): Float64Array {
  const U = new Float64Array(n * n);
  const sym = (i: number, j: number) => (A[i * n + j] + A[j * n + i]) / 2;
  for (let i = 0; i < n; i++) {
    let s = sym(i, i);
    for (let k = 0; k < i; k++) s -= U[k * n + i] ** 2;
    if (!(s > 0)) throw new Error(`sparsegpt oracle: H^-1 not positive definite at ${i}`);
    U[i * n + i] = Math.sqrt(s);
    for (let j = i + 1; j < n; j++) {
      let t = sym(i, j);
      for (let k = 0; k < i; k++) t -= U[k * n + i] * U[k * n + j];
      U[i * n + j] = t / U[i * n + i];
    }
  }
  return U;
}

/** Indices of `scores` in pruning order: lowest first, ties lower index first. */
function order(scores: number[]): number[] {
  return scores.map((_, i) => i).sort((a, b) => scores[a] - scores[b] || a - b);
}

export interface SparseGptMapResult { weights: Float64Array; keep: Uint8Array }

/** From H = 2 X^T X [cols, cols] (undamped): dead inputs (H_jj = 0) get H_jj = 1, 1% mean-diagonal damping,
 * then Hinv = the upper Cholesky factor of H^-1. */
export function referenceHinvFactor(Hin: Float64Array, cols: number, percDamp = 0.01): { Hinv: Float64Array; dead: boolean[] } {
  const H = Float64Array.from(Hin);
  const dead: boolean[] = [];
  for (let j = 0; j < cols; j++) {
    dead.push(H[j * cols + j] === 0);
    if (dead[j]) H[j * cols + j] = 1;
  }
  let meanDiag = 0;
  for (let j = 0; j < cols; j++) meanDiag += H[j * cols + j] / cols;
  for (let j = 0; j < cols; j++) H[j * cols + j] += percDamp * meanDiag;
  return { Hinv: choleskyUpper(invert(H, cols), cols), dead };
}

/** fasterprune for one map: W [rows, cols], H = 2 X^T X [cols, cols] (undamped). */
export function referenceSparseGptMap(Wd: Float64Array, rows: number, cols: number, Hin: Float64Array, s: number,
  nm?: NmPattern, blockSize = 128, percDamp = 0.01): SparseGptMapResult {
  const W = Float64Array.from(Wd);
  const at = (r: number, c: number) => r * cols + c;
  const { Hinv, dead } = referenceHinvFactor(Hin, cols, percDamp);
  for (let j = 0; j < cols; j++) if (dead[j]) for (let r = 0; r < rows; r++) W[at(r, j)] = 0;
  const hinv = (i: number, j: number) => Hinv[i * cols + j];
  const keep = new Uint8Array(rows * cols).fill(1);
  for (let i1 = 0; i1 < cols; i1 += blockSize) {
    const i2 = Math.min(i1 + blockSize, cols), count = i2 - i1;
    const W1 = Array.from({ length: rows }, (_, r) => Array.from({ length: count }, (_, c) => W[at(r, i1 + c)]));
    const Q1 = W1.map((row) => row.map(() => 0));
    const Err1 = W1.map((row) => row.map(() => 0));
    const mask1 = W1.map((row) => row.map(() => false)); // true = pruned
    if (!nm) {
      const tmp: number[] = [];
      for (let r = 0; r < rows; r++) for (let c = 0; c < count; c++) tmp.push(W1[r][c] ** 2 / hinv(i1 + c, i1 + c) ** 2);
      const k = Math.floor(tmp.length * s + 1e-9);
      for (const idx of order(tmp).slice(0, k)) mask1[Math.floor(idx / count)][idx % count] = true;
    }
    for (let i = 0; i < count; i++) {
      const d = hinv(i1 + i, i1 + i);
      if (nm && i % nm.m === 0) {
        const g = Math.min(nm.m, count - i);
        for (let r = 0; r < rows; r++) {
          const tmp = Array.from({ length: g }, (_, c) => W1[r][i + c] ** 2 / hinv(i1 + i + c, i1 + i + c) ** 2);
          for (const c of order(tmp).slice(0, Math.max(0, g - nm.n))) mask1[r][i + c] = true;
        }
      }
      for (let r = 0; r < rows; r++) {
        const w = W1[r][i];
        const q = mask1[r][i] ? 0 : w;
        Q1[r][i] = q;
        const err1 = (w - q) / d;
        for (let j = i; j < count; j++) W1[r][j] -= err1 * hinv(i1 + i, i1 + j);
        Err1[r][i] = err1;
      }
    }
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < count; c++) {
        W[at(r, i1 + c)] = Q1[r][c];
        if (mask1[r][c]) keep[at(r, i1 + c)] = 0;
      }
      for (let c = i2; c < cols; c++) {
        let t = 0;
        for (let i = 0; i < count; i++) t += Err1[r][i] * hinv(i1 + i, c);
        W[at(r, c)] -= t;
      }
    }
  }
  return { weights: W, keep };
}

export interface SparseGptResult {
  weights: ReferenceWeights;
  /** Per layer, the kept-mask of each map (1 = kept). */
  masks: Array<Record<MapName, Uint8Array>>;
  /** Per layer, H = 2 X^T X of each input, measured through the pruned and updated layers before it. */
  hessians: LayerHessians[];
}

export type LayerHessians = Map<LinearInput, Float64Array>;

/** Layer l's seven maps pruned by SparseGPT from the DENSE weights `w` with the layer's Hessians. */
export function referenceSparseGptLayer(spec: ModelSpec, w: ReferenceWeights, l: number, H: LayerHessians, s: number,
  nm?: NmPattern): { tensors: Map<string, Float64Array>; masks: Record<MapName, Uint8Array> } {
  const tensors = new Map<string, Float64Array>();
  const masks = {} as Record<MapName, Uint8Array>;
  for (const map of mapNames(spec)) {
    const { rows, cols } = mapShape(spec, map);
    const r = referenceSparseGptMap(mapWeights(w, l, map), rows, cols, H.get(MAP_INPUT[map])!, s, nm);
    tensors.set(mapTensorName(l, map), r.weights);
    masks[map] = r.keep;
  }
  return { tensors, masks };
}

/** SparseGPT's score of every DENSE weight of layer l, for MRP's outliers: W_ij^2 / [Hinv]_jj^2 (Hinv the upper
 * Cholesky factor of the layer's damped H^-1, as the mask choice uses). */
export function referenceSparseGptScores(spec: ModelSpec, w: ReferenceWeights, l: number, H: LayerHessians): LayerScores {
  const out = {} as LayerScores;
  const diag = new Map<LinearInput, Float64Array>();
  for (const [input, h] of H) {
    const K = Math.round(Math.sqrt(h.length));
    const { Hinv } = referenceHinvFactor(h, K);
    diag.set(input, Float64Array.from({ length: K }, (_, j) => Hinv[j * K + j]));
  }
  for (const map of mapNames(spec)) {
    const { rows, cols } = mapShape(spec, map);
    const W = mapWeights(w, l, map), d = diag.get(MAP_INPUT[map])!;
    out[map] = W.map((v, i) => (v / d[i % cols]) ** 2);
    if (out[map].length !== rows * cols) throw new Error('sparsegpt oracle: map shape');
  }
  return out;
}

/** Sequential SparseGPT: layer l's Hessians come from inputs through the pruned AND updated layers < l. */
export function referenceSparseGptPrune(spec: ModelSpec, w: ReferenceWeights, windows: number[][],
  sparsityPerLayer: readonly number[], nm?: NmPattern): SparseGptResult {
  checkSparsities(spec, sparsityPerLayer);
  const weights = copyWeights(w);
  const masks: SparseGptResult['masks'] = [];
  const hessians: LayerHessians[] = [];
  let streams = embedWindows(spec, w, windows);
  for (let l = 0; l < spec.numLayers; l++) {
    const H: LayerHessians = new Map();
    const hook = (input: LinearInput, xs: Float64Array[]) => {
      const K = xs[0].length;
      if (!H.has(input)) H.set(input, new Float64Array(K * K));
      const h = H.get(input)!;
      for (const x of xs) for (let a = 0; a < K; a++) for (let b = 0; b < K; b++) h[a * K + b] += 2 * x[a] * x[b];
    };
    for (const x of streams) referenceLayer(spec, weights, l, x, hook);
    const layer = referenceSparseGptLayer(spec, w, l, H, sparsityPerLayer[l], nm);
    for (const [name, t] of layer.tensors) weights.set(name, t);
    masks.push(layer.masks);
    hessians.push(H);
    streams = streams.map((x) => referenceLayer(spec, weights, l, x));
  }
  return { weights, masks, hessians };
}
