// Float64 oracle of FLAP's global allocation ("AL-AM", docs/algorithms.md §12: global thresholds over
// standardized scores), independent of src/core/prune/flap-global.ts: scores of every head and channel on the
// dense model, z-scored within (layer, kind) with the n - 1 standard deviation, ranked over all layers (ties: layer,
// heads before channels, index); units are taken lowest first while the removed weights stay within half a unit
// of p x the removable weights (head: q rows + o columns = 2 d hd; channel: gate / up rows + down column = 3 d),
// never a kv-group's last query head or a layer's last channel. Multi-head attention (nH = nKv): a head also
// takes its k / v rows (4 d hd) and a layer keeps one head.
import type { ModelSpec } from '../../../src/core/model/spec.ts';
import type { ReferenceWeights } from '../../../src/core/engine/reference-forward.ts';
import { referenceCalibrationStats } from './stats.ts';
import { referenceUnitScores } from './structured.ts';

function zScores(v: number[]): number[] {
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  const std = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (v.length - 1));
  return v.map((x) => (x - mean) / std);
}

export function referenceFlapGlobalCounts(spec: ModelSpec, dense: ReferenceWeights, windows: number[][], p: number):
  Array<{ heads: number; channels: number }> {
  const { hiddenSize: d, headDim: hd, numHeads: nH, numKvHeads: nKv, intermediateSize: f, numLayers: L } = spec;
  const stats = referenceCalibrationStats(spec, dense, windows);
  const ranked: Array<[number, number, number, number]> = [];   // [z, layer, kind (0 head, 1 channel), index]
  for (let l = 0; l < L; l++) {
    const s = referenceUnitScores(spec, dense, l, stats[l], 'flap');
    zScores(s.heads).forEach((z, i) => ranked.push([z, l, 0, i]));
    zScores(s.channels).forEach((z, i) => ranked.push([z, l, 1, i]));
  }
  ranked.sort((a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2] || a[3] - b[3]);
  const mha = nH === nKv;
  const cost = [(mha ? 4 : 2) * d * hd, (spec.plainMlp ? 2 : 3) * d]; // an ungated MLP's channel: up row + down column
  const budget = p * L * (nH * cost[0] + f * cost[1]);
  const counts = Array.from({ length: L }, () => ({ heads: 0, channels: 0 }));
  const perGroup = Array.from({ length: L }, () => new Array(nKv).fill(nH / nKv));
  let spent = 0;
  for (const [, l, kind, i] of ranked) {
    if (spent + cost[kind] / 2 > budget) continue;
    if (kind === 0) {
      if (mha ? counts[l].heads === nH - 1 : perGroup[l][Math.floor(i / (nH / nKv))] === 1) continue;
      if (!mha) perGroup[l][Math.floor(i / (nH / nKv))]--;
      counts[l].heads++;
    } else {
      if (counts[l].channels === f - 1) continue;
      counts[l].channels++;
    }
    spent += cost[kind];
  }
  return counts;
}
