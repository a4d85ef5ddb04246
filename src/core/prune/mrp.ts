// Maximum Redundancy Pruning (Gao et al. 2025) exactly as docs/algorithms.md §9 states it:
//  1. uniform s0 (= S/2), sequential prune, R_l for every layer;
//  2. repeatedly raise the most redundant layer (argmax R_l, lowest index on ties, only layers below sMax) by
//     `step` (the last step partial so the mean lands exactly on S), re-mask it from its dense weights with the
//     current statistics and refresh its R at once; after every `refresh` of mean-sparsity progress, re-propagate
//     the calibration windows (sequential re-prune of every layer at its s_l) and refresh every R;
//  3. finish with one sequential re-prune at the final s_l.
// A pass after the first resumes at the lowest layer whose s_l changed since the previous pass: the layers below
// it, their masks and its input (hence its statistics) are what the previous pass left, so a full pass would
// recompute them unchanged; likewise only the layers above it get new statistics, so only their R is recomputed.
import { Cancelled, BadRequest } from '../errors.ts';
import { mean } from './allocation.ts';
import type { MrpParams } from './prune-options.ts';

export interface MrpStep { layer: number; sparsity: number; redundancy: number[] }

export interface MrpHooks {
  /** Sequential prune of every layer at `alloc` (re-propagating the calibration windows). With `from`, only
   * layers >= from changed their sparsity since the previous call: layers below it and layer `from`'s statistics
   * are as that pass left them, so the pass may resume at `from` (re-mask it, then measure and prune the rest). */
  sequential(alloc: number[], from?: number): Promise<void>;
  /** Re-mask layer l at s from its dense weights with its current statistics. */
  pruneLayer(l: number, s: number): Promise<void>;
  /** Redundancy R_l under the current statistics with layer l masked at s (its masks are as pruneLayer left them). */
  redundancy(l: number, s: number): Promise<number>;
  /** The same for several layers at once (after a pass: one batch of GPU work); default: redundancy per layer. */
  redundancies?(layers: number[], s: number[]): Promise<number[]>;
  /** Every pass in full and every R re-measured (the definition's letter; the same results, see mrp-incremental.test). */
  fullPasses?: boolean;
  signal?: AbortSignal;
  onStep?: (step: MrpStep, meanSparsity: number) => void;
}

export interface MrpResult {
  allocation: number[];
  redundancyBefore: number[];
  redundancyAfter: number[];
  trajectory: MrpStep[];
}

export async function runMrp(L: number, S: number, p: MrpParams, hooks: MrpHooks): Promise<MrpResult> {
  const s0 = p.s0 ?? S / 2;
  if (!(s0 >= 0 && s0 <= S)) throw new BadRequest(`MRP start sparsity s0 = ${s0} must lie in [0, S = ${S}]`);
  if (S > p.sMax) throw new BadRequest(`MRP target ${S} exceeds the per-layer cap sMax = ${p.sMax}`);
  const s = new Array(L).fill(s0);
  let R: number[] = [];
  const measure = async (layers: number[]): Promise<number[]> => {
    if (hooks.redundancies) return hooks.redundancies(layers, s);
    const out: number[] = [];
    for (const l of layers) out.push(await hooks.redundancy(l, s[l]));
    return out;
  };
  // The s of the last pass: the next one resumes at the first layer that differs (L: none, nothing to redo).
  let passed: number[] | null = null;
  const pass = async (): Promise<void> => {
    if (hooks.fullPasses) passed = null;
    const changed = passed ? s.findIndex((x, l) => x !== passed![l]) : 0;
    const from = changed < 0 ? L : changed;
    await hooks.sequential(s, passed ? from : undefined);
    const redo = Array.from({ length: L }, (_, l) => l).filter((l) => !passed || l > from);
    passed = s.slice();
    const fresh = await measure(redo);
    R = R.slice();
    redo.forEach((l, i) => { R[l] = fresh[i]; });
  };
  await pass();
  const redundancyBefore = R.slice();
  const trajectory: MrpStep[] = [];
  // Refreshes fall at fixed points s0 + i * refresh of the mean sparsity; one that coincides with reaching S is
  // skipped (the final re-prune is the same computation).
  const refreshIndex = () => Math.floor((mean(s) - s0) / p.refresh + 1e-9);
  let lastRefresh = 0;
  const EPS = 1e-12;
  while (mean(s) < S - EPS) {
    if (hooks.signal?.aborted) throw new Cancelled('MRP allocation');
    let best = -1;
    for (let l = 0; l < L; l++) if (s[l] < p.sMax - EPS && (best < 0 || R[l] > R[best])) best = l;
    if (best < 0) break; // every layer at sMax (cannot happen when S <= sMax)
    const inc = Math.min(p.step, p.sMax - s[best], (S - mean(s)) * L);
    s[best] += inc;
    await hooks.pruneLayer(best, s[best]);
    R[best] = await hooks.redundancy(best, s[best]);
    const idx = refreshIndex();
    if (idx > lastRefresh && mean(s) < S - EPS) await pass();
    lastRefresh = idx;
    const step = { layer: best, sparsity: s[best], redundancy: R.slice() };
    trajectory.push(step);
    hooks.onStep?.(step, mean(s));
  }
  await pass();
  const redundancyAfter = R.slice();
  return { allocation: s, redundancyBefore, redundancyAfter, trajectory };
}
