// The architectures Prunelab runs, as tiny specs for seeded random Hub-layout models (randomHfModel), each with the
// config layout it is written in. Windows of 24 tokens are longer than every sliding window and every longrope /
// llama3 original context below, so those code paths run. Shared by the engine, ONNX and pruning tests.
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import type { ModelSpec } from '../../src/core/model/spec.ts';

/** `n` seeded random token ids in [0, vocab). */
export function randomTokens(n: number, vocab: number, seed: number): number[] {
  const rng = xoroshiro128plus(seed);
  return Array.from({ length: n }, () => uniformInt(rng, 0, vocab - 1));
}

/** Index of the largest entry (the first on ties). */
export const argmax = (row: ArrayLike<number>) => { let b = 0; for (let i = 1; i < row.length; i++) if (row[i] > row[b]) b = i; return b; };

export const tinyLlama: ModelSpec = {
  architecture: 'llama', hiddenSize: 32, intermediateSize: 48, numLayers: 2, numHeads: 4, numKvHeads: 2, headDim: 8,
  vocabSize: 97, maxPositions: 64, rmsNormEps: 1e-6, ropeTheta: 10000, tieWordEmbeddings: false, attentionBias: false,
  bosTokenId: null, eosTokenId: null,
};
const base = tinyLlama;
/** An evaluation window longer than every sliding window and original context below. */
export const ARCH_SEQ = 24;
// Gemma 3: 3 layers (two sliding, one global, as layer_types says), head_dim != hidden / heads, one kv head,
// query_pre_attn_scalar != head_dim, sqrt(hidden) embedding scale as f32 rounds it.
const gemma3: ModelSpec = { ...base, architecture: 'gemma3_text', numLayers: 3, numKvHeads: 1, headDim: 16, ropeTheta: 1e6,
  ropeScaling: { type: 'linear', factor: 8 }, slidingWindow: 5, slidingLayers: [0, 1], slidingRope: { theta: 10000 }, qkNorm: true,
  normUnitOffset: true, sandwichNorms: true, mlpActivation: 'gelu_tanh', embedScale: Math.fround(Math.sqrt(32)), attentionScale: 1 / Math.sqrt(24),
  finalLogitSoftcap: 3, tieWordEmbeddings: true };

// GPT-2 and OPT: LayerNorms, learned positions (OPT's offset 2), ungated MLPs, biases everywhere; GPT-2's Conv1D
// tensors with the fused c_attn, with and without the "transformer." prefix.
export const tinyGpt2: ModelSpec = { ...base, architecture: 'gpt2', numKvHeads: 4, rmsNormEps: 1e-5, learnedPositions: { offset: 0 },
  layerNorm: true, plainMlp: true, mlpActivation: 'gelu_tanh', tieWordEmbeddings: true, attentionBias: true, oProjBias: true, mlpBias: true,
  hubPrefix: '' };
export const tinyOpt: ModelSpec = { ...tinyGpt2, architecture: 'opt', mlpActivation: 'relu', learnedPositions: { offset: 2 },
  hubPrefix: 'model.decoder.' };

export const architectureCases: Array<[string, ModelSpec, 'transformers4' | 'transformers5']> = [
  ['llama 3.2 (llama3 RoPE, tied, transformers 5 config)', { ...base, ropeTheta: 500000, tieWordEmbeddings: true, headDim: 16,
    ropeScaling: { type: 'llama3', factor: 32, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositions: 16 } }, 'transformers5'],
  ['llama (yarn RoPE, transformers 4 config)', { ...base,
    ropeScaling: { type: 'yarn', factor: 4, originalMaxPositions: 16, betaFast: 32, betaSlow: 1, truncate: true } }, 'transformers4'],
  ['llama (linear RoPE)', { ...base, ropeScaling: { type: 'linear', factor: 2.5 } }, 'transformers5'],
  ['llama (dynamic NTK RoPE)', { ...base, ropeScaling: { type: 'dynamic', factor: 3 } }, 'transformers4'],
  ['llama (longrope, windows past the original context)', { ...base, ropeScaling: { type: 'longrope', shortFactor: [1, 1.2, 1.9, 3],
    longFactor: [1.5, 2.5, 4, 7], factor: 4, originalMaxPositions: 16 } }, 'transformers5'],
  ['qwen3 (q/k norms, head_dim != hidden / heads, tied)', { ...base, architecture: 'qwen3', headDim: 16, qkNorm: true,
    tieWordEmbeddings: true, ropeTheta: 1e6 }, 'transformers5'],
  ['smollm3 (a NoPE layer every 2nd layer)', { ...base, architecture: 'smollm3', numLayers: 4, ropeTheta: 2e6, noRopeLayers: [1, 3],
    tieWordEmbeddings: true }, 'transformers5'],
  ['mistral (sliding window 7 on every layer)', { ...base, architecture: 'mistral', slidingWindow: 7, slidingLayers: [0, 1] }, 'transformers4'],
  ['qwen2 (sliding window 5 on layer 1 only, layer_types)', { ...base, architecture: 'qwen2', attentionBias: true, slidingWindow: 5,
    slidingLayers: [1] }, 'transformers5'],
  ['gemma3_text (transformers 5: RoPE per layer type, linear-scaled global layers, soft-capped logits)', gemma3, 'transformers5'],
  ['gemma3_text (transformers 4: rope_local_base_freq, no soft-cap)', { ...gemma3, ropeScaling: undefined, finalLogitSoftcap: undefined,
    slidingRope: { theta: 20000 } }, 'transformers4'],
  ['phi3 (fused qkv / gate_up, partial rotary 0.5, longrope past the original context)', { ...base, architecture: 'phi3', rmsNormEps: 1e-5,
    rotaryDim: 4, ropeScaling: { type: 'longrope', shortFactor: [1, 1.5], longFactor: [2, 5], factor: 4, originalMaxPositions: 16 } }, 'transformers4'],
  ['phi3 (sliding window 6 on every layer, transformers 5 config)', { ...base, architecture: 'phi3', numKvHeads: 4, slidingWindow: 6,
    slidingLayers: [0, 1] }, 'transformers5'],
  ['gpt2 (Conv1D weights, fused c_attn, learned positions, LayerNorms, gelu_new, tied)', tinyGpt2, 'transformers4'],
  ['gpt2 ("transformer." names, untied lm_head, unscaled attention scores)', { ...tinyGpt2, hubPrefix: 'transformer.',
    tieWordEmbeddings: false, attentionScale: 1 }, 'transformers5'],
  ['opt (positions offset by 2, relu MLP, "model.decoder." names)', tinyOpt, 'transformers4'],
];

