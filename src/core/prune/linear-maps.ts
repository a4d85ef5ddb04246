// The linear maps of a decoder layer, with their shapes and which input feeds them: seven in the LLaMA family,
// six where the MLP has no gate (GPT-2's c_fc / c_proj and OPT's fc1 / fc2 are up / down).
import type { LinearInput } from '../engine/reference-forward.ts';
import type { ModelSpec } from '../model/spec.ts';
import { tensorNames } from '../model/spec.ts';

export const MODULES = ['q', 'k', 'v', 'o', 'gate', 'up', 'down'] as const;
export type Module = (typeof MODULES)[number];

/** The modules a model's layers have (no gate in an ungated MLP). */
export function modulesOf(spec: Pick<ModelSpec, 'plainMlp'>): Module[] {
  return spec.plainMlp ? MODULES.filter((m) => m !== 'gate') : [...MODULES];
}

export interface LinearMap {
  name: string;         // canonical tensor name
  module: Module;
  layer: number;
  input: LinearInput;   // whose calibration statistics score it
  N: number;            // output rows
  K: number;            // input columns
}

export function layerMaps(spec: ModelSpec, l: number): LinearMap[] {
  const { hiddenSize: d, intermediateSize: f, numHeads: nH, numKvHeads: nKv, headDim: hd } = spec;
  const n = tensorNames.layer(l);
  const maps: LinearMap[] = [
    { name: n.q, module: 'q', layer: l, input: 'attnIn', N: nH * hd, K: d },
    { name: n.k, module: 'k', layer: l, input: 'attnIn', N: nKv * hd, K: d },
    { name: n.v, module: 'v', layer: l, input: 'attnIn', N: nKv * hd, K: d },
    { name: n.o, module: 'o', layer: l, input: 'oIn', N: d, K: nH * hd },
    { name: n.gate, module: 'gate', layer: l, input: 'mlpIn', N: f, K: d },
    { name: n.up, module: 'up', layer: l, input: 'mlpIn', N: f, K: d },
    { name: n.down, module: 'down', layer: l, input: 'downIn', N: d, K: f },
  ];
  return spec.plainMlp ? maps.filter((m) => m.module !== 'gate') : maps;
}

/** Width of each linear-map input. */
export function inputWidths(spec: ModelSpec): Record<LinearInput, number> {
  return { attnIn: spec.hiddenSize, oIn: spec.numHeads * spec.headDim, mlpIn: spec.hiddenSize, downIn: spec.intermediateSize };
}

export const LINEAR_INPUTS: LinearInput[] = ['attnIn', 'oIn', 'mlpIn', 'downIn'];
