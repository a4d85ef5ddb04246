// Calibration statistics: per layer and per linear-map input, the column sums and squared column norms
// sq[j] = sum over all calibration tokens of x_j^2 (docs/algorithms.md §2.3), accumulated in float64.
import type { ModelSpec } from '../../../src/core/model/spec.ts';
import {
  referenceEmbed, referenceLayer, type LinearInput, type ReferenceWeights,
} from '../../../src/core/engine/reference-forward.ts';

export interface InputStats {
  /** sum_t x_tj^2, [width] */
  sq: Float64Array;
  /** sum_t x_tj, [width] */
  sum: Float64Array;
  /** calibration tokens seen */
  tokens: number;
}
export type LayerStats = Record<LinearInput, InputStats>;

const INPUTS: readonly LinearInput[] = ['attnIn', 'oIn', 'mlpIn', 'downIn'];

export function emptyLayerStats(spec: ModelSpec): LayerStats {
  const width: Record<LinearInput, number> = {
    attnIn: spec.hiddenSize, oIn: spec.numHeads * spec.headDim,
    mlpIn: spec.hiddenSize, downIn: spec.intermediateSize,
  };
  const out = {} as LayerStats;
  for (const input of INPUTS) {
    out[input] = { sq: new Float64Array(width[input]), sum: new Float64Array(width[input]), tokens: 0 };
  }
  return out;
}

/** A referenceLayer hook that adds every row it sees into `stats`. */
export function accumulateInto(stats: LayerStats) {
  return (input: LinearInput, rows: Float64Array[]): void => {
    const s = stats[input];
    for (const row of rows) {
      for (let j = 0; j < row.length; j++) { s.sq[j] += row[j] * row[j]; s.sum[j] += row[j]; }
    }
    s.tokens += rows.length;
  };
}

/** Residual streams of all windows at the input of layer 0: [window][T][d]. */
export function embedWindows(spec: ModelSpec, w: ReferenceWeights, windows: number[][]): Float64Array[][] {
  return windows.map((tokens) => referenceEmbed(spec, w, tokens));
}

/**
 * Statistics of every layer from a DENSE forward of the calibration windows (what OWL measures).
 * With `l`, stops after layer l and returns only that layer's statistics.
 */
export function referenceCalibrationStats(spec: ModelSpec, w: ReferenceWeights, windows: number[][]): LayerStats[];
export function referenceCalibrationStats(spec: ModelSpec, w: ReferenceWeights, windows: number[][], l: number): LayerStats;
export function referenceCalibrationStats(spec: ModelSpec, w: ReferenceWeights, windows: number[][],
  l?: number): LayerStats[] | LayerStats {
  if (l !== undefined && !(Number.isInteger(l) && l >= 0 && l < spec.numLayers)) {
    throw new RangeError(`layer ${l} out of range 0..${spec.numLayers - 1}`);
  }
  const last = l ?? spec.numLayers - 1;
  let streams = embedWindows(spec, w, windows);
  const all: LayerStats[] = [];
  for (let layer = 0; layer <= last; layer++) {
    const stats = emptyLayerStats(spec);
    const hook = accumulateInto(stats);
    streams = streams.map((x) => referenceLayer(spec, w, layer, x, hook));
    all.push(stats);
  }
  return l === undefined ? all : all[l];
}
