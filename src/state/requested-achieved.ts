// A run's requested and achieved share of parameters removed, side by side on the same basis: the count's (after
// the count repair, docs/algorithms.md §7.2), so a structured run reads "of removable weights" and also says
// what share of all linear weights went. Runs saved before counts existed show the linear-weight share.
import { removedShare } from '../core/prune/allocation-counts.ts';
import type { PruneOutcome } from '../worker/api.ts';
import { achievedOf } from './prune-slice.ts';

export interface RequestedAchieved {
  requested: number;
  achieved: number;
  /** What the two shares are of. */
  basis: 'linear weights' | 'removable weights';
  /** The share of all linear-layer weights removed (what the perplexity curve plots). */
  linear: number;
}

export function requestedAchieved(o: PruneOutcome): RequestedAchieved {
  const c = o.result.count;
  const linear = achievedOf(o);
  return { requested: o.request.sparsity, achieved: c ? removedShare(c) : linear, basis: c?.basis ?? 'linear weights', linear };
}

const pct = (v: number) => `${(v * 100).toFixed(1)}%`;
const requestedPct = (v: number) => `${+(v * 100).toFixed(1)}%`; // as the slider shows it: "30%"

/** e.g. "30% requested, 30.0% achieved of removable weights (27.4% of linear weights)". */
export function requestedAchievedText(o: PruneOutcome): string {
  const r = requestedAchieved(o);
  const of = r.basis === 'linear weights' ? '' : ` of ${r.basis} (${pct(r.linear)} of linear weights)`;
  return `${requestedPct(r.requested)} requested, ${pct(r.achieved)} achieved${of}`;
}
