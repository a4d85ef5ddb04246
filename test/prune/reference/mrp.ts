// MRP (Gao et al. 2025) as docs/algorithms.md §9 states it: greedily add sparsity to the layer that is most redundant
// now, so that redundancy evens out across layers.
//
// Interpretations this oracle makes (the GPU implementation must make the same ones):
// - Redundancy R_l = (# kept weights that are not outliers) / (# kept weights), over the seven maps pooled;
//   R_l = 1 when nothing is kept. Outlier: float32 score (pruneScore) of the DENSE weight > M * mean of the
//   layer's dense scores (float64 mean over all seven maps pooled), strict '>'. The statistics are the current
//   ones: those of the last sequential pass (layer l measured through the pruned layers < l).
// - argmax ties: the lowest layer index wins. Candidates are layers with s_l < sMax - 1e-12.
// - A step adds delta = min(step, sMax - s_l*, L*S - sum(s)) (partial at sMax and at the end, so the mean lands
//   on S). The loop stops when L*S - sum(s) <= 1e-12.
// - A step re-prunes layer l* from its dense weights with its current statistics (they are not re-measured,
//   and later layers keep theirs) and recomputes R_l* only.
// - Refresh: whenever floor((mean(s) - s0) / refresh + 1e-9) grows, run a full sequential prune (Wanda's
//   procedure: re-measure every layer through the pruned layers before it, re-prune it at its s_l) and recompute
//   every R_l. A refresh that would fall exactly where the mean reaches S is not run: the final sequential
//   re-prune (step 3) is that same computation.
// - Rows prune k = floor(cols * s + 1e-9) weights (see prunedPerRow).
// - S > sMax or s0 > S is an error (no allocation can satisfy it).
// - SparseGPT (the metric is w^2 / [H^-1]_jj^2): the "statistics" are the layer's Hessians H = 2 X^T X of the
//   last sequential pass (reference/sparsegpt.ts), the dense scores W_ij^2 / Hinv_jj^2 with Hinv the upper
//   Cholesky factor of that layer's damped H^-1 (float64), and a step re-runs SparseGPT on layer l* from its dense
//   weights with those Hessians (the updated weights replace layer l*'s). A refresh re-measures every Hessian.
import type { ModelSpec } from '../../../src/core/model/spec.ts';
import type { ReferenceWeights } from '../../../src/core/engine/reference-forward.ts';
import { denseLayerScores, redundancy, type LayerScores } from './outliers.ts';
import {
  layerMasks, referenceSequentialPrune, writeLayer, type LayerMasks, type Metric,
} from './sequential.ts';
import type { LayerStats } from './stats.ts';
import { referenceSparseGptLayer, referenceSparseGptPrune, referenceSparseGptScores } from './sparsegpt.ts';

export interface MrpOptions { M?: number; s0?: number; step?: number; sMax?: number; refresh?: number }

export interface MrpPoint {
  event: 'initial' | 'step' | 'refresh' | 'final';
  /** the layer a step pruned further; null for the other events */
  layer: number | null;
  sparsity: number[];
  redundancy: number[];
}

export interface MrpResult {
  allocation: number[];
  /** R_l after step 1 (uniform s0) */
  redundancyBefore: number[];
  /** R_l after the final sequential re-prune */
  redundancyAfter: number[];
  trajectory: MrpPoint[];
  weights: ReferenceWeights;
  /** statistics of the final sequential re-prune (empty for SparseGPT, whose statistics are Hessians) */
  stats: LayerStats[];
}

/** One sequential pass at fixed sparsities, and re-prunes of single layers with that pass's statistics. */
interface Pass {
  weights: ReferenceWeights;
  stats: LayerStats[];
  masks: LayerMasks[];
  scores: LayerScores[];
  /** Layer l from its dense weights at s with this pass's statistics (written into `weights`); its masks. */
  reprune(l: number, s: number): LayerMasks;
}

function sequentialPass(spec: ModelSpec, w: ReferenceWeights, windows: number[][], s: number[],
  metric: Metric | 'sparsegpt'): Pass {
  if (metric === 'sparsegpt') {
    const p = referenceSparseGptPrune(spec, w, windows, s);
    return {
      weights: p.weights, stats: [], masks: [...p.masks],
      scores: p.hessians.map((h, l) => referenceSparseGptScores(spec, w, l, h)),
      reprune: (l, sl) => {
        const r = referenceSparseGptLayer(spec, w, l, p.hessians[l], sl);
        for (const [name, t] of r.tensors) p.weights.set(name, t);
        return r.masks;
      },
    };
  }
  const p = referenceSequentialPrune(spec, w, windows, s, metric);
  return {
    weights: p.weights, stats: p.stats, masks: [...p.masks],
    scores: p.stats.map((st, l) => denseLayerScores(spec, w, l, st, metric)),
    reprune: (l, sl) => {
      const m = layerMasks(spec, w, l, p.stats[l], sl, metric);
      writeLayer(w, p.weights, l, m);
      return m;
    },
  };
}

const sumOf = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);

export function referenceMrp(spec: ModelSpec, w: ReferenceWeights, windows: number[][], S: number,
  metric: Metric | 'sparsegpt' = 'wanda', opts: MrpOptions = {}): MrpResult {
  const L = spec.numLayers;
  const M = opts.M ?? 5, s0 = opts.s0 ?? S / 2, step = opts.step ?? 0.01;
  const sMax = opts.sMax ?? 0.95, refresh = opts.refresh ?? 0.05;
  if (!(S >= 0 && S <= sMax)) throw new RangeError(`MRP target ${S} must lie in [0, sMax = ${sMax}]`);
  if (!(s0 >= 0 && s0 <= S)) throw new RangeError(`MRP start s0 = ${s0} must lie in [0, S = ${S}]`);
  if (!(step > 0 && refresh > 0)) throw new RangeError('MRP step and refresh must be positive');

  const s = new Array<number>(L).fill(s0);
  const trajectory: MrpPoint[] = [];
  const record = (event: MrpPoint['event'], layer: number | null) =>
    trajectory.push({ event, layer, sparsity: [...s], redundancy: [...R] });

  // One sequential pass at the current s: weights, statistics, masks, dense scores and R of every layer.
  let pass = sequentialPass(spec, w, windows, s, metric);
  let masks: LayerMasks[] = [];
  let R: number[] = [];
  const adopt = () => {
    masks = [...pass.masks];
    R = masks.map((m, l) => redundancy(pass.scores[l], m, M));
  };
  adopt();
  const redundancyBefore = [...R];
  record('initial', null);

  const target = L * S;
  let refreshes = 0;
  while (target - sumOf(s) > 1e-12) {
    let best = -1;
    for (let l = 0; l < L; l++) {
      if (s[l] < sMax - 1e-12 && (best < 0 || R[l] > R[best])) best = l;
    }
    if (best < 0) throw new Error('MRP: every layer is at sMax before the target was reached');
    s[best] += Math.min(step, sMax - s[best], target - sumOf(s));
    masks[best] = pass.reprune(best, s[best]);
    R[best] = redundancy(pass.scores[best], masks[best], M);
    record('step', best);

    const reached = Math.floor((sumOf(s) / L - s0) / refresh + 1e-9);
    if (reached > refreshes && target - sumOf(s) > 1e-12) {
      refreshes = reached;
      pass = sequentialPass(spec, w, windows, s, metric);
      adopt();
      record('refresh', null);
    }
  }

  pass = sequentialPass(spec, w, windows, s, metric);
  adopt();
  record('final', null);
  return {
    allocation: [...s], redundancyBefore, redundancyAfter: [...R], trajectory, weights: pass.weights,
    stats: pass.stats,
  };
}
