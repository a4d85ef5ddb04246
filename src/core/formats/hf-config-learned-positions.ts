// config.json <-> ModelSpec for the decoder-only models with learned absolute positions, LayerNorms and an
// ungated MLP: GPT-2 (GPT2Config: n_embd / n_layer / n_head / n_inner / n_positions, or their attribute_map names
// hidden_size / num_hidden_layers / num_attention_heads / max_position_embeddings) and OPT (OPTConfig).
// Defaults are the config classes' own; what the engine cannot compute is refused by name (OPT-350m's post-LN and
// projected embeddings, GPT-2's per-layer attention scaling, cross-attention).
import { BadModelFile, UnsupportedArchitecture } from '../errors.ts';
import type { MlpActivation, ModelSpec } from '../model/spec.ts';
import { configReader, readConfigDtype, tokenId } from './hf-config-values.ts';
import { quoteConfigValue } from './hf-rope-config.ts';
import { layerWidthsToConfig, parseLayerWidths } from './prunelab-layers-config.ts';
import { MAX_LAYERS } from './tensor-check.ts';
import type { HfConfigLayout } from './hf-config.ts';

export type LearnedPositionArchitecture = 'gpt2' | 'opt';

/** transformers' names for the activations the engine has (gelu_new and gelu_pytorch_tanh are the same function). */
const ACTIVATIONS: Record<string, MlpActivation> = { gelu_new: 'gelu_tanh', gelu_pytorch_tanh: 'gelu_tanh', relu: 'relu' };

/** GPT2Config's attribute_map: each value may be written under either name. */
const GPT2_KEYS = {
  hidden: ['n_embd', 'hidden_size'], layers: ['n_layer', 'num_hidden_layers'], heads: ['n_head', 'num_attention_heads'],
  positions: ['n_positions', 'max_position_embeddings'],
} as const;

export function learnedPositionConfigToSpec(c: Record<string, unknown>, arch: LearnedPositionArchitecture, file: string): ModelSpec {
  const r = configReader(c, file);
  readConfigDtype(c, arch, file);
  const gpt2 = arch === 'gpt2';
  const hiddenSize = gpt2 ? r.int(GPT2_KEYS.hidden, 768) : r.int('hidden_size', 768);
  const numLayers = gpt2 ? r.int(GPT2_KEYS.layers, 12, 1, MAX_LAYERS) : r.int('num_hidden_layers', 12, 1, MAX_LAYERS);
  const numHeads = gpt2 ? r.int(GPT2_KEYS.heads, 12) : r.int('num_attention_heads', 12);
  if (hiddenSize % numHeads !== 0) throw new BadModelFile(file, `the hidden size ${hiddenSize} is not divisible by the ${numHeads} attention heads`);
  const intermediateSize = gpt2 ? r.int('n_inner', 4 * hiddenSize) : r.int('ffn_dim', 3072);
  const act = r.value('activation_function') ?? (gpt2 ? 'gelu_new' : 'relu');
  const activation = ACTIVATIONS[act as string];
  if (typeof act !== 'string' || !activation) {
    throw new UnsupportedArchitecture(arch, `activation_function ${quoteConfigValue(act)} (implemented: ${Object.keys(ACTIVATIONS).join(', ')})`);
  }
  let biases = true, attentionScale: number | undefined;
  if (gpt2) {
    if (r.bool('scale_attn_by_inverse_layer_idx', false)) throw new UnsupportedArchitecture(arch, 'scale_attn_by_inverse_layer_idx true (per-layer attention scaling)');
    if (r.bool('add_cross_attention', false)) throw new UnsupportedArchitecture(arch, 'add_cross_attention true (an encoder-decoder, not a causal LM)');
    if (!r.bool('scale_attn_weights', true)) attentionScale = 1;
  } else {
    if (!r.bool('do_layer_norm_before', true)) {
      throw new UnsupportedArchitecture(arch, 'do_layer_norm_before false (post-LayerNorm layers, as in OPT-350m, are not implemented)');
    }
    const proj = r.int('word_embed_proj_dim', hiddenSize);
    if (proj !== hiddenSize) {
      throw new UnsupportedArchitecture(arch, `word_embed_proj_dim ${proj} != hidden_size ${hiddenSize} (project_in / project_out embeddings, as in OPT-350m, are not implemented)`);
    }
    if (r.bool('_remove_final_layer_norm', false)) throw new UnsupportedArchitecture(arch, '_remove_final_layer_norm true (no final LayerNorm)');
    if (!r.bool('layer_norm_elementwise_affine', true)) throw new UnsupportedArchitecture(arch, 'layer_norm_elementwise_affine false (LayerNorms without weight and bias)');
    biases = r.bool('enable_bias', true);
  }
  const spec: ModelSpec = {
    architecture: arch,
    hiddenSize,
    intermediateSize,
    numLayers,
    numHeads,
    numKvHeads: numHeads,
    headDim: hiddenSize / numHeads,
    vocabSize: r.int('vocab_size', gpt2 ? 50257 : 50272),
    maxPositions: gpt2 ? r.int(GPT2_KEYS.positions, 1024) : r.int('max_position_embeddings', 2048),
    // nn.LayerNorm's eps: GPT-2's layer_norm_epsilon; OPT has no key and uses torch's default.
    rmsNormEps: gpt2 ? r.num('layer_norm_epsilon', 1e-5) : 1e-5,
    ropeTheta: 10000, // unused: no layer rotates
    learnedPositions: { offset: gpt2 ? 0 : 2 },
    layerNorm: true,
    plainMlp: true,
    mlpActivation: activation,
    ...(attentionScale !== undefined ? { attentionScale } : {}),
    tieWordEmbeddings: r.bool('tie_word_embeddings', true),
    attentionBias: biases,
    ...(biases ? { oProjBias: true, mlpBias: true } : {}),
    // The config class's ids when the key is absent; an explicit null stays null.
    bosTokenId: tokenId('bos_token_id' in c ? c.bos_token_id : gpt2 ? 50256 : 2),
    eosTokenId: tokenId('eos_token_id' in c ? c.eos_token_id : gpt2 ? 50256 : 2),
  };
  if (c.prunelab != null) spec.layerWidths = parseLayerWidths(c.prunelab, spec, file);
  return spec;
}

/** The config.json of a GPT-2 / OPT spec, in the config class's own keys; a spec it cannot say is refused. */
export function specToLearnedPositionConfig(spec: ModelSpec, arch: LearnedPositionArchitecture, layout: HfConfigLayout): Record<string, unknown> {
  const gpt2 = arch === 'gpt2';
  const biases = spec.attentionBias;
  const problems = [
    spec.numKvHeads !== spec.numHeads && 'grouped kv heads',
    spec.headDim * spec.numHeads !== spec.hiddenSize && `head_dim ${spec.headDim} != hidden / heads`,
    !spec.layerNorm && 'RMSNorms',
    !spec.plainMlp && 'a gated MLP',
    spec.learnedPositions?.offset !== (gpt2 ? 0 : 2) && 'positions other than learned ones at this offset',
    (!!spec.oProjBias !== biases || !!spec.mlpBias !== biases || (gpt2 && !biases)) && 'this combination of biases',
    (spec.attentionScale !== undefined && !(gpt2 && spec.attentionScale === 1)) && 'this attention scale',
    (spec.embedScale !== undefined || spec.finalLogitSoftcap !== undefined || spec.qkNorm || spec.slidingLayers?.length) && 'Gemma / Qwen3 / sliding-window features',
    (!gpt2 && spec.rmsNormEps !== 1e-5) && `LayerNorm eps ${spec.rmsNormEps} (OPT's is fixed at 1e-5)`,
  ].filter(Boolean);
  if (problems.length) throw new UnsupportedArchitecture(arch, `${problems.join(', ')} cannot be expressed in a ${arch} config`);
  const activation = spec.mlpActivation === 'relu' ? 'relu' : 'gelu_new';
  const common = {
    vocab_size: spec.vocabSize,
    activation_function: activation,
    tie_word_embeddings: spec.tieWordEmbeddings,
    bos_token_id: spec.bosTokenId,
    eos_token_id: spec.eosTokenId,
    [layout === 'transformers5' ? 'dtype' : 'torch_dtype']: 'float32',
    ...(spec.layerWidths ? { prunelab: layerWidthsToConfig(spec.layerWidths) } : {}),
  };
  return gpt2 ? {
    architectures: ['GPT2LMHeadModel'], model_type: 'gpt2',
    n_embd: spec.hiddenSize, n_layer: spec.numLayers, n_head: spec.numHeads, n_inner: spec.intermediateSize,
    n_positions: spec.maxPositions, layer_norm_epsilon: spec.rmsNormEps, scale_attn_weights: spec.attentionScale !== 1,
    ...common,
  } : {
    architectures: ['OPTForCausalLM'], model_type: 'opt',
    hidden_size: spec.hiddenSize, num_hidden_layers: spec.numLayers, num_attention_heads: spec.numHeads, ffn_dim: spec.intermediateSize,
    max_position_embeddings: spec.maxPositions, word_embed_proj_dim: spec.hiddenSize, do_layer_norm_before: true,
    enable_bias: biases, ...common,
  };
}
