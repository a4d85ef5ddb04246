// FLAP's global allocation (An et al. 2024, "AL-AM": adaptive over layers and modules), offered as the structured
// allocation 'flap-global': every layer's head scores and channel scores (fluctuation, measured on the DENSE
// model) are standardized within their layer and kind ((s - mean) / std, std with n - 1 as torch.std), all units
// of all layers are ranked together, and the lowest go until the removed weights reach the target fraction of
// the removable weights (a query head costs its q rows and o columns, 2 * d * hd; a channel its gate / up rows
// and down column, 3 * d). GQA: a kv-group's last query head, and a layer's last channel, are never taken.
// Multi-head attention (GPT-2, OPT; as many kv heads as heads): a head is a kv-group of one, so it goes with its
// k / v rows (4 * d * hd) and a layer's last head is never taken.
// The per-layer counts then drive the usual sequential FLAP selection (and its bias compensation).
import { mlpMatrices } from '../model/spec.ts';
import { BadRequest } from '../errors.ts';

/** How many query heads and MLP channels a layer removes. */
export interface LayerRemovals { heads: number; channels: number }

function standardized(scores: ArrayLike<number>): number[] {
  const n = scores.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += scores[i] / n;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (scores[i] - mean) ** 2;
  const std = n > 1 ? Math.sqrt(ss / (n - 1)) : 0;
  return Array.from(scores, (s) => (std > 0 ? (s - mean) / std : 0));
}

/**
 * Per-layer removals for target fraction `p` of the removable weights, from per-layer head scores [L][nH] and
 * channel scores [L][f]. Ties: lower layer first, then heads before channels, then lower index.
 */
export function flapGlobalRemovals(headScores: ArrayLike<number>[], channelScores: ArrayLike<number>[],
  dims: { hiddenSize: number; headDim: number; numKvHeads: number; plainMlp?: boolean }, p: number): LayerRemovals[] {
  if (!(p >= 0 && p < 1)) throw new BadRequest(`sparsity ${p} is outside [0, 1)`);
  const { hiddenSize: d, headDim: hd, numKvHeads: nKv } = dims;
  const headCost = headCostOf(dims, headScores[0]?.length ?? nKv), channelCost = mlpMatrices(dims) * d;
  const multiHead = (headScores[0]?.length ?? nKv) === nKv;
  type Unit = { z: number; layer: number; kind: 0 | 1; index: number };
  const units: Unit[] = [];
  let total = 0;
  headScores.forEach((s, layer) => {
    standardized(s).forEach((z, index) => units.push({ z, layer, kind: 0, index }));
    total += s.length * headCost;
  });
  channelScores.forEach((s, layer) => {
    standardized(s).forEach((z, index) => units.push({ z, layer, kind: 1, index }));
    total += s.length * channelCost;
  });
  units.sort((a, b) => a.z - b.z || a.layer - b.layer || a.kind - b.kind || a.index - b.index);
  const out = headScores.map(() => ({ heads: 0, channels: 0 }));
  const groupLeft = headScores.map((s) => new Array<number>(nKv).fill(s.length / nKv));
  let removed = 0;
  const target = p * total;
  for (const u of units) {
    const cost = u.kind === 0 ? headCost : channelCost;
    if (removed + cost / 2 > target) continue;   // stop at the unit boundary nearest the target
    if (u.kind === 0) {
      if (multiHead) {
        if (out[u.layer].heads === nKv - 1) continue;
      } else {
        const g = Math.floor(u.index / (headScores[u.layer].length / nKv));
        if (groupLeft[u.layer][g] === 1) continue;
        groupLeft[u.layer][g]--;
      }
      out[u.layer].heads++;
    } else {
      if (out[u.layer].channels === channelScores[u.layer].length - 1) continue;
      out[u.layer].channels++;
    }
    removed += cost;
  }
  return out;
}

/** A removable head's weights: q rows + o columns, and its k / v rows under multi-head attention. */
function headCostOf(dims: { hiddenSize: number; headDim: number; numKvHeads: number }, numHeads: number): number {
  return (numHeads === dims.numKvHeads ? 4 : 2) * dims.hiddenSize * dims.headDim;
}

/** The fraction of a layer's removable weights that `r` removes (the per-layer "allocation" of a global prune). */
export function removedFraction(r: LayerRemovals,
  dims: { hiddenSize: number; headDim: number; numHeads: number; numKvHeads: number; intermediateSize: number; plainMlp?: boolean }): number {
  const { hiddenSize: d, numHeads: nH, intermediateSize: f } = dims;
  const c = mlpMatrices(dims) * d, h = headCostOf(dims, nH);
  return (r.heads * h + r.channels * c) / (nH * h + f * c);
}
