// The linear maps of a layer (seven in the LLaMA family; six without the gate of an ungated GPT-2 / OPT MLP), their
// shapes and which calibration input feeds each one.
import type { ModelSpec } from '../../../src/core/model/spec.ts';
import { tensorNames } from '../../../src/core/model/spec.ts';
import type { LinearInput, ReferenceWeights } from '../../../src/core/engine/reference-forward.ts';

export type MapName = 'q' | 'k' | 'v' | 'o' | 'gate' | 'up' | 'down';
export const MAP_NAMES: readonly MapName[] = ['q', 'k', 'v', 'o', 'gate', 'up', 'down'];

/** The maps a layer of this model has, in MAP_NAMES order. */
export const mapNames = (spec: Pick<ModelSpec, 'plainMlp'>): MapName[] => (spec.plainMlp ? MAP_NAMES.filter((m) => m !== 'gate') : [...MAP_NAMES]);
/** The maps present in a per-map record of one layer (its scores or masks). */
export const mapsIn = (r: Partial<Record<MapName, unknown>>): MapName[] => MAP_NAMES.filter((m) => r[m] !== undefined);

/** docs/algorithms.md §2.2: q,k,v and gate,up see the RMS-normed stream; o the heads; down silu(gate)*up. */
export const MAP_INPUT: Record<MapName, LinearInput> = {
  q: 'attnIn', k: 'attnIn', v: 'attnIn', o: 'oIn', gate: 'mlpIn', up: 'mlpIn', down: 'downIn',
};

export interface MapShape { rows: number; cols: number }

/** [out, in] of each map. */
export function mapShape(spec: ModelSpec, map: MapName): MapShape {
  const { hiddenSize: d, intermediateSize: f, numHeads: h, numKvHeads: kv, headDim: hd } = spec;
  switch (map) {
    case 'q': return { rows: h * hd, cols: d };
    case 'k': case 'v': return { rows: kv * hd, cols: d };
    case 'o': return { rows: d, cols: h * hd };
    case 'gate': case 'up': return { rows: f, cols: d };
    case 'down': return { rows: d, cols: f };
  }
}

export function mapTensorName(l: number, map: MapName): string {
  return tensorNames.layer(l)[map];
}

export function mapWeights(w: ReferenceWeights, l: number, map: MapName): Float64Array {
  const name = mapTensorName(l, map);
  const t = w.get(name);
  if (!t) throw new Error(`pruning reference: missing tensor ${name}`);
  return t;
}

/** Number of weights in the seven maps of one layer. */
export function layerWeightCount(spec: ModelSpec): number {
  let n = 0;
  for (const map of mapNames(spec)) { const s = mapShape(spec, map); n += s.rows * s.cols; }
  return n;
}
