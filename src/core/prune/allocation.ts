// Layerwise sparsity allocations whose mean is the target S (ALGORITHMS.md): uniform and OWL here, MRP in mrp.ts.
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
