// Float64 oracle for structured pruning (ALGORITHMS.md "Structured pruning"), independent of src/core/prune:
// removing a head = zeroing its rows of q (and bias) and its columns of o; removing an MLP channel = zeroing its
// rows of gate and up and its column of down. Sequential like Wanda: layer l is scored on calibration inputs that
// went through the already-pruned layers < l (layer l itself dense while measured).
import type { ModelSpec } from '../../../src/core/model/spec.ts';
import { tensorNames } from '../../../src/core/model/spec.ts';
import { referenceLayer, type ReferenceWeights } from '../../../src/core/engine/reference-forward.ts';
import { accumulateInto, embedWindows, emptyLayerStats, type LayerStats } from './stats.ts';
import { checkSparsities, copyWeights } from './sequential.ts';

export type StructuredMetric = 'wanda-sp' | 'magnitude-sp';
export interface LayerKept { heads: number[]; channels: number[] }

/** Per input column of W ([rows, cols]): wanda-sp mean_i |W_ij| sqrt(sq_j); magnitude-sp sqrt(sum_i W_ij^2). */
function columnScore(W: Float64Array, rows: number, cols: number, j: number, metric: StructuredMetric, sq?: Float64Array): number {
  let s = 0;
  for (let i = 0; i < rows; i++) s += metric === 'wanda-sp' ? Math.abs(W[i * cols + j]) : W[i * cols + j] ** 2;
  return metric === 'wanda-sp' ? (s / rows) * Math.sqrt(sq![j]) : Math.sqrt(s);
}

/** Unit indices sorted by (score, index) ascending. */
function byScore(scores: number[]): number[] {
  return scores.map((s, i) => [s, i]).sort((a, b) => (a[0] !== b[0] ? a[0] - b[0] : a[1] - b[1])).map((p) => p[1]);
}

/** Which heads and channels layer l keeps at rate p (GQA: a group never loses its last query head). */
export function referenceLayerSelection(spec: ModelSpec, dense: ReferenceWeights, l: number, stats: LayerStats,
  p: number, metric: StructuredMetric): LayerKept {
  const { hiddenSize: d, intermediateSize: f, numHeads: nH, numKvHeads: nKv, headDim: hd } = spec;
  const n = tensorNames.layer(l);
  const o = dense.get(n.o)!, down = dense.get(n.down)!;
  const headScore: number[] = [];
  for (let h = 0; h < nH; h++) {
    let s = 0;
    for (let c = h * hd; c < (h + 1) * hd; c++) s += columnScore(o, d, nH * hd, c, metric, stats.oIn.sq);
    headScore.push(s);
  }
  const chanScore = Array.from({ length: f }, (_, j) => columnScore(down, d, f, j, metric, stats.downIn.sq));
  const group = nH / nKv;
  const removeHeads = Math.floor(p * nH + 1e-9), removeChannels = Math.floor(p * f + 1e-9);
  const removed = new Set<number>();
  const inGroup = new Array(nKv).fill(group);
  for (const h of byScore(headScore)) {
    if (removed.size === removeHeads) break;
    if (inGroup[Math.floor(h / group)] > 1) { inGroup[Math.floor(h / group)]--; removed.add(h); }
  }
  if (removed.size !== removeHeads) throw new RangeError(`layer ${l}: cannot remove ${removeHeads} heads under GQA`);
  const goneChannels = new Set(byScore(chanScore).slice(0, removeChannels));
  return {
    heads: [...Array(nH).keys()].filter((h) => !removed.has(h)),
    channels: [...Array(f).keys()].filter((j) => !goneChannels.has(j)),
  };
}

/** Writes layer l of `target` as the dense layer with the removed heads / channels zeroed. */
function writeStructuredLayer(spec: ModelSpec, dense: ReferenceWeights, target: ReferenceWeights, l: number, kept: LayerKept): void {
  const { hiddenSize: d, intermediateSize: f, numHeads: nH, headDim: hd } = spec;
  const n = tensorNames.layer(l);
  const heads = new Set(kept.heads), channels = new Set(kept.channels);
  const q = dense.get(n.q)!.slice(), o = dense.get(n.o)!.slice();      // q [nH*hd, d], o [d, nH*hd]
  const gate = dense.get(n.gate)!.slice(), up = dense.get(n.up)!.slice(), down = dense.get(n.down)!.slice();
  for (let r = 0; r < nH * hd; r++) {
    if (heads.has(Math.floor(r / hd))) continue;
    q.fill(0, r * d, (r + 1) * d);
    for (let i = 0; i < d; i++) o[i * nH * hd + r] = 0;
  }
  if (spec.attentionBias) {
    const qb = dense.get(n.qBias)!.slice();
    for (let r = 0; r < nH * hd; r++) if (!heads.has(Math.floor(r / hd))) qb[r] = 0;
    target.set(n.qBias, qb);
  }
  for (let j = 0; j < f; j++) {
    if (channels.has(j)) continue;
    gate.fill(0, j * d, (j + 1) * d);
    up.fill(0, j * d, (j + 1) * d);
    for (let i = 0; i < d; i++) down[i * f + j] = 0;
  }
  target.set(n.q, q); target.set(n.o, o); target.set(n.gate, gate); target.set(n.up, up); target.set(n.down, down);
}

/** Sequential structured pruning of every layer at its rate; the input map is never mutated. */
export function referenceStructuredPrune(spec: ModelSpec, w: ReferenceWeights, windows: number[][],
  ratePerLayer: readonly number[], metric: StructuredMetric): { weights: ReferenceWeights; kept: LayerKept[] } {
  checkSparsities(spec, ratePerLayer);
  const weights = copyWeights(w);
  const kept: LayerKept[] = [];
  let streams = embedWindows(spec, w, windows); // [window][T][d]
  for (let l = 0; l < spec.numLayers; l++) {
    const stats = emptyLayerStats(spec);
    const hook = accumulateInto(stats);
    for (const x of streams) referenceLayer(spec, weights, l, x, hook);
    const k = referenceLayerSelection(spec, w, l, stats, ratePerLayer[l], metric);
    writeStructuredLayer(spec, w, weights, l, k);
    streams = streams.map((x) => referenceLayer(spec, weights, l, x));
    kept.push(k);
  }
  return { weights, kept };
}
