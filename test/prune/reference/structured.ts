// Float64 oracle for structured pruning (docs/algorithms.md §12), independent of src/core/prune:
// removing a head = zeroing its rows of q (and bias) and its columns of o; removing a kv-group also zeroes its
// rows of k and v; removing an MLP channel = zeroing its rows of gate and up and its column of down. FLAP adds
// the bias compensation W[:, removed] @ mean(x_removed) to o / down biases. Sequential like Wanda: layer l is scored on calibration inputs that
// went through the already-pruned layers < l (layer l itself dense while measured).
import type { ModelSpec } from '../../../src/core/model/spec.ts';
import { tensorNames } from '../../../src/core/model/spec.ts';
import { referenceLayer, type ReferenceWeights } from '../../../src/core/engine/reference-forward.ts';
import { accumulateInto, embedWindows, emptyLayerStats, type InputStats, type LayerStats } from './stats.ts';
import { checkSparsities, copyWeights } from './sequential.ts';

export type StructuredMetric = 'wanda-sp' | 'magnitude-sp' | 'flap';
export interface LayerKept { heads: number[]; channels: number[]; kvHeads?: number[] }
export interface StructuredOptions {
  /** Remove floor(p * numKvHeads) whole kv-groups (score = sum of their query heads' scores) instead of heads. */
  kvGroups?: boolean;
  /** FLAP: add W[:, removed] @ mean(x_removed) to the o / down biases (default true for flap). */
  biasCompensation?: boolean;
  /** Per-layer head / channel counts to remove instead of floor(p * count) (a global allocation's, or the count
   * repair's of docs/algorithms.md §7.2); with kvGroups, heads counts query heads, whole groups of them. */
  counts?: Array<{ heads: number; channels: number }>;
}

/** Per input column of W ([rows, cols]): wanda-sp mean_i |W_ij| sqrt(sq_j); magnitude-sp sqrt(sum_i W_ij^2);
 * flap var_j * sum_i W_ij^2 with var_j the population variance of input j over the calibration tokens. */
function columnScore(W: Float64Array, rows: number, cols: number, j: number, metric: StructuredMetric, s: InputStats): number {
  let acc = 0;
  for (let i = 0; i < rows; i++) acc += metric === 'wanda-sp' ? Math.abs(W[i * cols + j]) : W[i * cols + j] ** 2;
  if (metric === 'wanda-sp') return (acc / rows) * Math.sqrt(s.sq[j]);
  if (metric === 'magnitude-sp') return Math.sqrt(acc);
  const mean = s.sum[j] / s.tokens;
  return (s.sq[j] / s.tokens - mean * mean) * acc;
}

/** Unit indices sorted by (score, index) ascending. */
function byScore(scores: number[]): number[] {
  return scores.map((s, i) => [s, i]).sort((a, b) => (a[0] !== b[0] ? a[0] - b[0] : a[1] - b[1])).map((p) => p[1]);
}

/** Which heads (or kv-groups) and channels layer l keeps at rate p (GQA: a group never loses its last query head
 * unless whole groups go). */
/** Layer l's head scores (sums of their o columns' scores) and channel scores (down columns). */
export function referenceUnitScores(spec: ModelSpec, dense: ReferenceWeights, l: number, stats: LayerStats,
  metric: StructuredMetric): { heads: number[]; channels: number[] } {
  const { hiddenSize: d, intermediateSize: f, numHeads: nH, headDim: hd } = spec;
  const n = tensorNames.layer(l);
  const o = dense.get(n.o)!, down = dense.get(n.down)!;
  const heads: number[] = [];
  for (let h = 0; h < nH; h++) {
    let s = 0;
    for (let c = h * hd; c < (h + 1) * hd; c++) s += columnScore(o, d, nH * hd, c, metric, stats.oIn);
    heads.push(s);
  }
  return { heads, channels: Array.from({ length: f }, (_, j) => columnScore(down, d, f, j, metric, stats.downIn)) };
}

export function referenceLayerSelection(spec: ModelSpec, dense: ReferenceWeights, l: number, stats: LayerStats,
  p: number, metric: StructuredMetric, kvGroups = false, counts?: { heads: number; channels: number }): LayerKept {
  const { intermediateSize: f, numHeads: nH, numKvHeads: nKv } = spec;
  const { heads: headScore, channels: chanScore } = referenceUnitScores(spec, dense, l, stats, metric);
  const goneChannels = new Set(byScore(chanScore).slice(0, counts ? counts.channels : Math.floor(p * f + 1e-9)));
  const channels = [...Array(f).keys()].filter((j) => !goneChannels.has(j));
  const group = nH / nKv;
  if (kvGroups) {
    const groupScore = Array.from({ length: nKv }, (_, g) => headScore.slice(g * group, (g + 1) * group).reduce((a, b) => a + b, 0));
    const goneGroups = new Set(byScore(groupScore).slice(0, counts ? counts.heads / group : Math.floor(p * nKv + 1e-9)));
    const kvHeads = [...Array(nKv).keys()].filter((g) => !goneGroups.has(g));
    return { heads: [...Array(nH).keys()].filter((h) => !goneGroups.has(Math.floor(h / group))), channels, kvHeads };
  }
  const removeHeads = counts ? counts.heads : Math.floor(p * nH + 1e-9);
  const removed = new Set<number>();
  const inGroup = new Array(nKv).fill(group);
  for (const h of byScore(headScore)) {
    if (removed.size === removeHeads) break;
    if (inGroup[Math.floor(h / group)] > 1) { inGroup[Math.floor(h / group)]--; removed.add(h); }
  }
  if (removed.size !== removeHeads) throw new RangeError(`layer ${l}: cannot remove ${removeHeads} heads under GQA`);
  return { heads: [...Array(nH).keys()].filter((h) => !removed.has(h)), channels };
}

/** FLAP's compensation of layer l: o / down biases [d] = own (or 0) + W[:, removed] @ (sum_removed / tokens). */
function compensatedBiases(spec: ModelSpec, dense: ReferenceWeights, l: number, stats: LayerStats, kept: LayerKept):
  { o: Float64Array; down: Float64Array } {
  const { hiddenSize: d, intermediateSize: f, numHeads: nH, headDim: hd } = spec;
  const n = tensorNames.layer(l);
  const heads = new Set(kept.heads), channels = new Set(kept.channels);
  const bias = (W: Float64Array, K: number, s: InputStats, removed: (j: number) => boolean, own?: Float64Array) => {
    const b = new Float64Array(d);
    for (let i = 0; i < d; i++) {
      let acc = own ? own[i] : 0;
      for (let j = 0; j < K; j++) if (removed(j)) acc += W[i * K + j] * (s.sum[j] / s.tokens);
      b[i] = acc;
    }
    return b;
  };
  return {
    o: bias(dense.get(n.o)!, nH * hd, stats.oIn, (j) => !heads.has(Math.floor(j / hd)), spec.oProjBias ? dense.get(n.oBias) : undefined),
    down: bias(dense.get(n.down)!, f, stats.downIn, (j) => !channels.has(j), spec.mlpBias ? dense.get(n.downBias) : undefined),
  };
}

/** Writes layer l of `target` as the dense layer with the removed heads / kv heads / channels zeroed. */
function writeStructuredLayer(spec: ModelSpec, dense: ReferenceWeights, target: ReferenceWeights, l: number, kept: LayerKept): void {
  const { hiddenSize: d, intermediateSize: f, numHeads: nH, numKvHeads: nKv, headDim: hd } = spec;
  const n = tensorNames.layer(l);
  const heads = new Set(kept.heads), channels = new Set(kept.channels);
  const kvHeads = new Set(kept.kvHeads ?? [...Array(nKv).keys()]);
  const q = dense.get(n.q)!.slice(), o = dense.get(n.o)!.slice();      // q [nH*hd, d], o [d, nH*hd]
  const k = dense.get(n.k)!.slice(), v = dense.get(n.v)!.slice();      // k, v [nKv*hd, d]
  // An ungated MLP's channel is its up row (+ bias) and down column: there is no gate row.
  const gate = spec.plainMlp ? null : dense.get(n.gate)!.slice(), up = dense.get(n.up)!.slice(), down = dense.get(n.down)!.slice();
  const upBias = spec.mlpBias ? dense.get(n.upBias)!.slice() : null, gateBias = spec.mlpBias && gate ? dense.get(n.gateBias)!.slice() : null;
  for (let r = 0; r < nH * hd; r++) {
    if (heads.has(Math.floor(r / hd))) continue;
    q.fill(0, r * d, (r + 1) * d);
    for (let i = 0; i < d; i++) o[i * nH * hd + r] = 0;
  }
  for (let r = 0; r < nKv * hd; r++) {
    if (kvHeads.has(Math.floor(r / hd))) continue;
    k.fill(0, r * d, (r + 1) * d);
    v.fill(0, r * d, (r + 1) * d);
  }
  if (spec.attentionBias) {
    const qb = dense.get(n.qBias)!.slice(), kb = dense.get(n.kBias)!.slice(), vb = dense.get(n.vBias)!.slice();
    for (let r = 0; r < nH * hd; r++) if (!heads.has(Math.floor(r / hd))) qb[r] = 0;
    for (let r = 0; r < nKv * hd; r++) if (!kvHeads.has(Math.floor(r / hd))) { kb[r] = 0; vb[r] = 0; }
    target.set(n.qBias, qb); target.set(n.kBias, kb); target.set(n.vBias, vb);
  }
  for (let j = 0; j < f; j++) {
    if (channels.has(j)) continue;
    gate?.fill(0, j * d, (j + 1) * d);
    up.fill(0, j * d, (j + 1) * d);
    if (upBias) upBias[j] = 0;
    if (gateBias) gateBias[j] = 0;
    for (let i = 0; i < d; i++) down[i * f + j] = 0;
  }
  target.set(n.q, q); target.set(n.k, k); target.set(n.v, v); target.set(n.o, o);
  if (gate) target.set(n.gate, gate);
  target.set(n.up, up); target.set(n.down, down);
  if (upBias) target.set(n.upBias, upBias);
  if (gateBias) target.set(n.gateBias, gateBias);
}

/**
 * Sequential structured pruning of every layer at its rate; the input map is never mutated. With FLAP's bias
 * compensation (default for flap) the result's spec has o_proj and MLP biases (zero gate / up biases, the
 * compensated o / down ones), which every later layer's statistics already see.
 */
export function referenceStructuredPrune(spec: ModelSpec, w: ReferenceWeights, windows: number[][],
  ratePerLayer: readonly number[], metric: StructuredMetric, opts: StructuredOptions = {}):
  { spec: ModelSpec; weights: ReferenceWeights; kept: LayerKept[] } {
  checkSparsities(spec, ratePerLayer);
  const compensate = metric === 'flap' && opts.biasCompensation !== false;
  const outSpec: ModelSpec = compensate ? { ...spec, oProjBias: true, mlpBias: true } : spec;
  const weights = copyWeights(w);
  if (compensate) {
    for (let l = 0; l < spec.numLayers; l++) {
      const n = tensorNames.layer(l);
      if (!spec.oProjBias) weights.set(n.oBias, new Float64Array(spec.hiddenSize));
      if (!spec.mlpBias) {
        if (!spec.plainMlp) weights.set(n.gateBias, new Float64Array(spec.intermediateSize));
        weights.set(n.upBias, new Float64Array(spec.intermediateSize));
        weights.set(n.downBias, new Float64Array(spec.hiddenSize));
      }
    }
  }
  const kept: LayerKept[] = [];
  let streams = embedWindows(spec, w, windows); // [window][T][d]
  for (let l = 0; l < spec.numLayers; l++) {
    const stats = emptyLayerStats(spec);
    const hook = accumulateInto(stats);
    for (const x of streams) referenceLayer(outSpec, weights, l, x, hook);
    // Multi-head attention: a head is its own kv-group (its q, k, v rows and o columns go together).
    const kvGroups = opts.kvGroups === true || spec.numHeads === spec.numKvHeads;
    const k = referenceLayerSelection(spec, w, l, stats, ratePerLayer[l], metric, kvGroups, opts.counts?.[l]);
    writeStructuredLayer(spec, w, weights, l, k);
    if (compensate) {
      const b = compensatedBiases(spec, w, l, stats, k);
      const n = tensorNames.layer(l);
      weights.set(n.oBias, b.o);
      weights.set(n.downBias, b.down);
    }
    streams = streams.map((x) => referenceLayer(outSpec, weights, l, x));
    kept.push(k);
  }
  return { spec: outSpec, weights, kept };
}
