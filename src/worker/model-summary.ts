// What the studio shows about a loaded model: plain data, safe to send across the worker boundary.
import type { LoadedModel } from '../core/model/loaded-model.ts';
import { parameterCount } from '../core/model/spec.ts';
import type { ModelSummary } from './api.ts';

/** The name users know the model by: the weights file (or the first file) without its extension. */
function displayName(model: LoadedModel): string {
  const weights = model.files.find((f) => /\.(safetensors|bin|gguf)$/i.test(f)) ?? model.files[0] ?? 'model';
  return weights.replace(/\.(safetensors|bin|gguf)$/i, '');
}

export function summarizeModel(model: LoadedModel, loadSeconds: number): ModelSummary {
  const s = model.spec;
  return {
    name: displayName(model),
    format: model.format,
    architecture: s.architecture,
    parameters: parameterCount(s),
    layers: s.numLayers,
    hidden: s.hiddenSize,
    intermediate: s.intermediateSize,
    heads: s.numHeads,
    kvHeads: s.numKvHeads,
    headDim: s.headDim,
    vocab: s.vocabSize,
    maxPositions: s.maxPositions,
    dtype: model.dtype,
    fingerprint: model.fingerprint,
    files: [...model.files],
    loadSeconds,
  };
}
