// Layerwise sparsity allocations whose mean is the target S (docs/algorithms.md §7-§8): uniform and OWL here, MRP in mrp.ts.
import { DEFAULT_OWL } from './prune-options.ts';

export const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
export const spread = (v: number[]) => Math.max(...v) - Math.min(...v);

export function uniformAllocation(numLayers: number, S: number): number[] {
  return new Array(numLayers).fill(S);
}

/**
 * OWL (Yin et al. 2024): more outliers -> less pruning. D: outlier ratios in percent per layer (dense model).
 * D'_l = (D_l - min D) / (max D - min D) * 2 lambda; density_l = D'_l - mean(D') + (1 - S); s_l = 1 - density_l.
 */
export function owlAllocation(D: number[], S: number, lambda = DEFAULT_OWL.lambda): number[] {
  const lo = Math.min(...D), hi = Math.max(...D);
  // All layers alike: nothing to redistribute.
  const Dn = D.map((x) => (hi > lo ? ((x - lo) / (hi - lo)) * 2 * lambda : 0));
  const m = mean(Dn);
  return Dn.map((x) => 1 - (x - m + (1 - S)));
}

/**
 * Clip to [lo, hi], then shift the unclipped entries so the mean is `target`; repeat until both hold
 * (docs/algorithms.md §7.1, the repair rule, also used by the evolutionary search). Throws if the target is unreachable.
 */
export function repairToMean(v: number[], target: number, lo: number, hi: number): number[] {
  if (!(target >= lo && target <= hi)) throw new RangeError(`mean ${target} cannot lie in [${lo}, ${hi}]`);
  let out = v.map((x) => Math.min(hi, Math.max(lo, x)));
  for (let iter = 0; iter < 100; iter++) {
    const gap = target - mean(out);
    if (Math.abs(gap) < 1e-12) break;
    // Only entries that can still move in the needed direction share the correction.
    const free = out.map((x) => (gap > 0 ? x < hi : x > lo));
    const nFree = free.filter(Boolean).length;
    const shift = (gap * out.length) / nFree;
    out = out.map((x, i) => (free[i] ? Math.min(hi, Math.max(lo, x + shift)) : x));
  }
  return out;
}

/**
 * AlphaPruning (Lu et al. 2024): heavier-tailed layers (smaller alpha) are better trained and pruned less.
 * s_l = S - eps + 2 eps (alpha_l - min) / (max - min), shifted to mean S, then clipped to [0, sMax] with the
 * mean restored (ours: the paper leaves rates past [0, 1) to the user).
 */
export function alphaAllocation(alphas: number[], S: number, eps = 0.3, sMax = 0.95): number[] {
  const lo = Math.min(...alphas), hi = Math.max(...alphas);
  const raw = alphas.map((a) => (hi > lo ? S - eps + (2 * eps * (a - lo)) / (hi - lo) : S));
  const m = mean(raw);
  return repairToMean(raw.map((s) => s - m + S), S, 0, sMax);
}
