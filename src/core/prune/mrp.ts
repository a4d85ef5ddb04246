// Maximum Redundancy Pruning (Gao et al. 2025) exactly as docs/algorithms.md §9 states it:
//  1. uniform s0 (= S/2), sequential prune, R_l for every layer;
//  2. repeatedly raise the most redundant layer (argmax R_l, lowest index on ties, only layers below sMax) by
//     `step` (the last step partial so the mean lands exactly on S), re-mask it from its dense weights with the
//     current statistics and refresh its R at once; after every `refresh` of mean-sparsity progress, re-propagate
//     the calibration windows (sequential re-prune of every layer at its s_l) and refresh every R;
//  3. finish with one sequential re-prune at the final s_l.
import { Cancelled, BadRequest } from '../errors.ts';
import { mean } from './allocation.ts';
import type { MrpParams } from './prune-options.ts';

export interface MrpStep { layer: number; sparsity: number; redundancy: number[] }

export interface MrpHooks {
  /** Sequential prune of every layer at `alloc` (re-propagating the calibration windows). */
  sequential(alloc: number[]): Promise<void>;
  /** Re-mask layer l at s from its dense weights with its current statistics. */
  pruneLayer(l: number, s: number): Promise<void>;
  /** Redundancy R_l under the current statistics with layer l masked at s (its masks are as pruneLayer left them). */
  redundancy(l: number, s: number): Promise<number>;
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
  const refreshAll = async () => { const R: number[] = []; for (let l = 0; l < L; l++) R.push(await hooks.redundancy(l, s[l])); return R; };
  await hooks.sequential(s);
  let R = await refreshAll();
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
    if (idx > lastRefresh && mean(s) < S - EPS) {
      await hooks.sequential(s);
      R = await refreshAll();
    }
    lastRefresh = idx;
    const step = { layer: best, sparsity: s[best], redundancy: R.slice() };
    trajectory.push(step);
    hooks.onStep?.(step, mean(s));
  }
  await hooks.sequential(s);
  const redundancyAfter = await refreshAll();
  return { allocation: s, redundancyBefore, redundancyAfter, trajectory };
}
