// Wanda's sequential procedure (docs/algorithms.md §4.2): layer l is measured on calibration inputs that went through the
// already-pruned layers < l (layer l itself dense while measured), its seven maps are pruned, and its outputs are
// recomputed with the pruned weights to become layer l+1's inputs.
import type { ModelSpec } from '../../../src/core/model/spec.ts';
import { referenceLayer, type ReferenceWeights } from '../../../src/core/engine/reference-forward.ts';
import { MAP_INPUT, mapNames, mapsIn, mapShape, mapTensorName, mapWeights, type MapName } from './maps.ts';
import { applyMask, prunedPerRow, referenceMask, referenceNmMask } from './masks.ts';
import { accumulateInto, embedWindows, emptyLayerStats, type LayerStats } from './stats.ts';

export type Metric = 'magnitude' | 'wanda';
export interface NmPattern { n: number; m: number }
export type LayerMasks = Record<MapName, Uint8Array>;

export interface SequentialResult {
  /** A new map: every tensor of the input, the seven maps of every layer replaced by pruned copies. */
  weights: ReferenceWeights;
  /** Statistics each layer was pruned with. */
  stats: LayerStats[];
  /** Kept-masks of every layer's seven maps (1 = kept). */
  masks: LayerMasks[];
}

/** Masks of layer l's seven maps from the DENSE weights, at sparsity s (or an N:M pattern); with `rowCounts`
 * (MAP_NAMES order: the count repair's per-row counts, docs/algorithms.md §7.2) map i prunes rowCounts[i] per row. */
export function layerMasks(spec: ModelSpec, dense: ReferenceWeights, l: number, stats: LayerStats,
  s: number, metric: Metric, nm?: NmPattern, rowCounts?: readonly number[]): LayerMasks {
  const out = {} as LayerMasks;
  for (const [i, map] of mapNames(spec).entries()) {
    const { rows, cols } = mapShape(spec, map);
    const sq = metric === 'wanda' ? stats[MAP_INPUT[map]].sq : undefined;
    const W = mapWeights(dense, l, map);
    out[map] = nm ? referenceNmMask(W, rows, cols, sq, nm.n, nm.m)
      : referenceMask(W, rows, cols, sq, rowCounts ? rowCounts[i] : prunedPerRow(cols, s));
  }
  return out;
}

/** Writes dense ⊙ mask for layer l's seven maps into `target`. */
export function writeLayer(dense: ReferenceWeights, target: ReferenceWeights, l: number, masks: LayerMasks): void {
  for (const map of mapsIn(masks)) target.set(mapTensorName(l, map), applyMask(mapWeights(dense, l, map), masks[map]));
}

/** A shallow copy of the weights map: tensors are shared until a layer is rewritten with fresh arrays. */
export function copyWeights(w: ReferenceWeights): ReferenceWeights {
  return new Map(w);
}

/** Checks a per-layer sparsity vector. */
export function checkSparsities(spec: ModelSpec, s: readonly number[]): void {
  if (s.length !== spec.numLayers) throw new RangeError(`need ${spec.numLayers} sparsities, got ${s.length}`);
  for (const v of s) if (!(v >= 0 && v <= 1)) throw new RangeError(`sparsity ${v} outside [0, 1]`);
}

/**
 * Prunes every layer sequentially. With `nm` every map gets the N:M pattern and `sparsityPerLayer` is only
 * checked, not used; with `rowCounts` ([layer][map], MAP_NAMES order) those per-row counts replace floor(K s_l).
 * The input map is never mutated.
 */
export function referenceSequentialPrune(spec: ModelSpec, w: ReferenceWeights, windows: number[][],
  sparsityPerLayer: readonly number[], metric: Metric, nm?: NmPattern, rowCounts?: readonly number[][]): SequentialResult {
  checkSparsities(spec, sparsityPerLayer);
  const weights = copyWeights(w);
  const stats: LayerStats[] = [];
  const masks: LayerMasks[] = [];
  let streams = embedWindows(spec, w, windows); // [window][T][d]
  for (let l = 0; l < spec.numLayers; l++) {
    const layerStats = emptyLayerStats(spec);
    const hook = accumulateInto(layerStats);
    // Layer l is still dense in `weights` here: only layers < l have been rewritten.
    for (const x of streams) referenceLayer(spec, weights, l, x, hook);
    const m = layerMasks(spec, w, l, layerStats, sparsityPerLayer[l], metric, nm, rowCounts?.[l]);
    writeLayer(w, weights, l, m);
    streams = streams.map((x) => referenceLayer(spec, weights, l, x));
    stats.push(layerStats);
    masks.push(m);
  }
  return { weights, stats, masks };
}
