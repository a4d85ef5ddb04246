// Outliers of a layer (OWL's definition, reused by MRP): with the seven maps' scores of the DENSE weights pooled,
// a weight is an outlier when its score > M * mean(pooled scores). Scores use pruneScore (float32, as the GPU);
// the mean is a float64 sum over all pooled scores divided by their count.
import type { ModelSpec } from '../../../src/core/model/spec.ts';
import type { ReferenceWeights } from '../../../src/core/engine/reference-forward.ts';
import { MAP_INPUT, mapNames, mapsIn, mapShape, mapWeights, type MapName } from './maps.ts';
import { scoreMatrix } from './masks.ts';
import type { LayerMasks, Metric } from './sequential.ts';
import type { LayerStats } from './stats.ts';

export type LayerScores = Record<MapName, Float64Array>;

export function denseLayerScores(spec: ModelSpec, dense: ReferenceWeights, l: number, stats: LayerStats,
  metric: Metric): LayerScores {
  const out = {} as LayerScores;
  for (const map of mapNames(spec)) {
    const { rows, cols } = mapShape(spec, map);
    out[map] = scoreMatrix(mapWeights(dense, l, map), rows, cols, metric === 'wanda' ? stats[MAP_INPUT[map]].sq : undefined);
  }
  return out;
}

/** M * mean of all seven maps' scores pooled. */
export function outlierThreshold(scores: LayerScores, M: number): number {
  let sum = 0, count = 0;
  for (const map of mapsIn(scores)) { for (const a of scores[map]) sum += a; count += scores[map].length; }
  return M * (sum / count);
}

/** OWL's D_l: percentage of the layer's weights that are outliers. */
export function outlierPercent(scores: LayerScores, M: number): number {
  const threshold = outlierThreshold(scores, M);
  let outliers = 0, count = 0;
  for (const map of mapsIn(scores)) {
    for (const a of scores[map]) if (a > threshold) outliers++;
    count += scores[map].length;
  }
  return (100 * outliers) / count;
}

/** MRP's R_l: among the weights the masks keep, the fraction that are not outliers (1 when nothing is kept). */
export function redundancy(scores: LayerScores, masks: LayerMasks, M: number): number {
  const threshold = outlierThreshold(scores, M);
  let kept = 0, plain = 0;
  for (const map of mapsIn(scores)) {
    const a = scores[map], keep = masks[map];
    for (let i = 0; i < a.length; i++) {
      if (!keep[i]) continue;
      kept++;
      if (!(a[i] > threshold)) plain++;
    }
  }
  return kept === 0 ? 1 : plain / kept;
}
