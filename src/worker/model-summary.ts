// What the studio shows about a loaded model: plain data, safe to send across the worker boundary.
import { modulesOf } from '../core/prune/linear-maps.ts';
import type { LoadedModel } from '../core/model/loaded-model.ts';
import { parameterCount } from '../core/model/spec.ts';
import { describeLayerPattern, describeRope } from '../core/model/describe-architecture.ts';
import type { Engine } from '../core/engine/engine.ts';
import type { MatmulSummary, ModelSummary } from './api.ts';

/** A name for the model when the user gave no folder name: the checkpoint file, or the architecture for HF. */
function displayName(model: LoadedModel): string {
  if (model.format === 'hf-safetensors') return `${model.spec.architecture} model`;
  const weights = model.files.find((f) => /\.(safetensors|bin|gguf)$/i.test(f)) ?? model.files[0] ?? 'model';
  return weights.replace(/\.(safetensors|bin|gguf)$/i, '');
}

/** Which matmul the engine runs, for the model card (the shader at a 256-token dispatch, as the autotune times it). */
export function summarizeMatmul(engine: Engine): MatmulSummary {
  const t = engine.matmulTuning;
  return {
    variant: engine.matmulVariant,
    shader: engine.matmulShader(256),
    chosen: t?.source ?? 'forced',
    timed: t ? Object.keys(t.gflops).length : 0,
    gflops: t?.gflops[t.choice] ?? null,
    subgroupSize: engine.gpu.subgroupSize,
  };
}

export function summarizeModel(model: LoadedModel, loadSeconds: number, engine?: Engine): ModelSummary {
  const s = model.spec;
  return {
    ...(engine ? { matmul: summarizeMatmul(engine) } : {}),
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
    rope: describeRope(s),
    layerPattern: describeLayerPattern(s),
    modules: modulesOf(s),
    dtype: model.dtype,
    fingerprint: model.fingerprint,
    files: [...model.files],
    loadSeconds,
  };
}
