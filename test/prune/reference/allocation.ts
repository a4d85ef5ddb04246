// Layerwise allocations: uniform, an explicit vector, and OWL (outlier-weighted layerwise sparsity).
import type { ModelSpec } from '../../../src/core/model/spec.ts';
import type { ReferenceWeights } from '../../../src/core/engine/reference-forward.ts';
import { denseLayerScores, outlierPercent } from './outliers.ts';
import { checkSparsities } from './sequential.ts';
import { referenceCalibrationStats } from './stats.ts';

export function uniformAllocation(spec: ModelSpec, S: number): number[] {
  const s = new Array<number>(spec.numLayers).fill(S);
  checkSparsities(spec, s);
  return s;
}

/** A user-given vector, checked (length, each in [0, 1]) and copied. */
export function explicitAllocation(spec: ModelSpec, s: readonly number[]): number[] {
  checkSparsities(spec, s);
  return [...s];
}

export interface OwlOptions { M?: number; lambda?: number }
export interface OwlAllocation {
  /** s_l */
  sparsity: number[];
  /** D_l, outlier ratio in percent */
  outlierPercent: number[];
}

/**
 * OWL exactly as docs/algorithms.md §8 writes it, on the DENSE model with Wanda scores. Interpretations: when every
 * D_l is equal (max D = min D) the normalised D' is all zeros, i.e. uniform; s_l is not clipped to [0, 1].
 */
export function owlAllocation(spec: ModelSpec, w: ReferenceWeights, windows: number[][], S: number,
  opts: OwlOptions = {}): OwlAllocation {
  const M = opts.M ?? 5, lambda = opts.lambda ?? 0.08;
  const stats = referenceCalibrationStats(spec, w, windows);
  const D = stats.map((layerStats, l) => outlierPercent(denseLayerScores(spec, w, l, layerStats, 'wanda'), M));
  const lo = Math.min(...D), hi = Math.max(...D);
  const Dn = D.map((d) => (hi > lo ? ((d - lo) / (hi - lo)) * 2 * lambda : 0));
  const meanDn = Dn.reduce((a, b) => a + b, 0) / Dn.length;
  const density = Dn.map((d) => d - meanDn + (1 - S));
  return { sparsity: density.map((x) => 1 - x), outlierPercent: D };
}
