// Hugging Face config.json -> ModelSpec for the decoder-only architectures Prunelab has adapters for.
// Defaults follow transformers' LlamaConfig / MistralConfig / Qwen2Config so a sparse config means what HF means.
import { BadModelFile, UnsupportedArchitecture } from '../errors.ts';
import type { Architecture, MlpActivation, ModelSpec } from '../model/spec.ts';
import { layerWidthsToConfig, parseLayerWidths } from './prunelab-layers-config.ts';
import { hfRopeKeys, quoteConfigValue, readHfRope, type HfRope } from './hf-rope-config.ts';
import { bf16BitsToF32, f16BitsToF32, f32ToBf16Bits, f32ToF16Bits } from './float-codec.ts';
import { parseJsonFile } from './bounded-json.ts';
import { MAX_LAYERS } from './tensor-check.ts';
import { clip } from '../quote.ts';
import { configReader, readConfigDtype, tokenId } from './hf-config-values.ts';
import { learnedPositionConfigToSpec, specToLearnedPositionConfig, type LearnedPositionArchitecture } from './hf-config-learned-positions.ts';

/** The RoPE architectures this file reads (GPT-2 and OPT: hf-config-learned-positions.ts). */
type Arch = Exclude<Architecture, LearnedPositionArchitecture>;

/** What a config class says when a key is absent, and which bias keys it has. */
interface ArchDefaults {
  className: string;
  maxPositions: number;
  ropeTheta: number;
  tied: boolean;
  rmsNormEps: number;
  /** head_dim when absent (undefined: hidden_size / num_attention_heads). */
  headDim?: number;
  /** attention_bias switches q, k, v AND o biases (LlamaAttention, Qwen3Attention, SmolLM3Attention, Gemma3Attention). */
  attentionBiasKey: boolean;
  mlpBiasKey: boolean;
}
// transformers' config class defaults, used only when the key is absent under every name it has.
const ARCH: Record<Arch, ArchDefaults> = {
  llama: { className: 'LlamaForCausalLM', maxPositions: 2048, ropeTheta: 10000, tied: false, rmsNormEps: 1e-6, attentionBiasKey: true, mlpBiasKey: true },
  mistral: { className: 'MistralForCausalLM', maxPositions: 4096 * 32, ropeTheta: 10000, tied: false, rmsNormEps: 1e-6, attentionBiasKey: false, mlpBiasKey: false },
  qwen2: { className: 'Qwen2ForCausalLM', maxPositions: 32768, ropeTheta: 10000, tied: false, rmsNormEps: 1e-6, attentionBiasKey: false, mlpBiasKey: false },
  qwen3: { className: 'Qwen3ForCausalLM', maxPositions: 32768, ropeTheta: 10000, tied: false, rmsNormEps: 1e-6, attentionBiasKey: true, mlpBiasKey: false },
  smollm3: { className: 'SmolLM3ForCausalLM', maxPositions: 32768, ropeTheta: 2_000_000, tied: true, rmsNormEps: 1e-6, attentionBiasKey: true, mlpBiasKey: true },
  gemma3_text: { className: 'Gemma3ForCausalLM', maxPositions: 131_072, ropeTheta: 1_000_000, tied: true, rmsNormEps: 1e-6, headDim: 256,
    attentionBiasKey: true, mlpBiasKey: false },
  phi3: { className: 'Phi3ForCausalLM', maxPositions: 4096, ropeTheta: 10000, tied: false, rmsNormEps: 1e-5, attentionBiasKey: false, mlpBiasKey: false },
};
const ARCHITECTURES = Object.keys(ARCH) as Arch[];

/** What an architecture implies beyond its config's numbers (specToHfConfig refuses a spec that says otherwise). */
function impliedTraits(arch: Arch): Pick<ModelSpec, 'qkNorm' | 'normUnitOffset' | 'sandwichNorms' | 'mlpActivation'> {
  if (arch === 'qwen3') return { qkNorm: true };
  if (arch === 'gemma3_text') return { qkNorm: true, normUnitOffset: true, sandwichNorms: true, mlpActivation: 'gelu_tanh' };
  return {};
}

export function parseHfConfig(text: string, file = 'config.json'): ModelSpec {
  return hfConfigToSpec(parseJsonFile(text, file) as Record<string, unknown>, file);
}

export function hfConfigToSpec(c: Record<string, unknown>, file = 'config.json'): ModelSpec {
  const modelType = c.model_type;
  if (typeof modelType !== 'string') throw new BadModelFile(file, 'missing required key "model_type"');
  if (modelType === 'gpt2' || modelType === 'opt') return learnedPositionConfigToSpec(c, modelType, file);
  if (!ARCHITECTURES.includes(modelType as Arch)) throw new UnsupportedArchitecture(clip(modelType));
  const arch = modelType as Arch;

  const { int, num } = configReader(c, file);

  const hiddenSize = int('hidden_size');
  const intermediateSize = int('intermediate_size');
  const numLayers = int('num_hidden_layers', undefined, 1, MAX_LAYERS); // per-layer lists are built below
  const numHeads = int('num_attention_heads');
  const vocabSize = int('vocab_size');
  const numKvHeads = int('num_key_value_heads', numHeads);
  if (numHeads % numKvHeads !== 0) {
    throw new BadModelFile(file, `num_attention_heads ${numHeads} is not a multiple of num_key_value_heads ${numKvHeads}`);
  }
  // head_dim may differ from hidden/heads (e.g. some Qwen/Mistral variants); HF computes it when absent (Gemma 3's
  // config class has its own default, 256).
  const defaultHeadDim = ARCH[arch].headDim;
  if (c.head_dim == null && defaultHeadDim === undefined && hiddenSize % numHeads !== 0) {
    throw new BadModelFile(file, `hidden_size ${hiddenSize} is not divisible by num_attention_heads ${numHeads} and no head_dim is given`);
  }
  const headDim = int('head_dim', c.head_dim == null ? defaultHeadDim ?? hiddenSize / numHeads : undefined);
  if (headDim % 2 !== 0) throw new BadModelFile(file, `head_dim ${headDim} must be even for rotary embeddings`);

  readActivation(c, arch, file); // the only activation each architecture implies (impliedTraits), checked
  const dtype = readConfigDtype(c, modelType, file);
  // MLP biases exist only where the config class has mlp_bias; q/k/v (and o) biases per the attention class.
  const defaults = ARCH[arch];
  if (c.mlp_bias === true && !defaults.mlpBiasKey) throw new UnsupportedArchitecture(modelType, `mlp_bias true (MLP biases) is not part of ${arch}`);
  let attentionBias = false;
  if (arch === 'qwen2') attentionBias = true; // Qwen2Attention always has q/k/v biases (o_proj none)
  else if (defaults.attentionBiasKey) attentionBias = c.attention_bias === true;
  const maxPositions = int('max_position_embeddings', defaults.maxPositions);
  const layers = readLayerPattern(c, arch, numLayers, file);
  const gemma = arch === 'gemma3_text' ? readGemma3(c, hiddenSize, dtype, file) : {};
  let rope: HfRope, slidingRope: HfRope | undefined;
  if (arch === 'gemma3_text') ({ full: rope, sliding: slidingRope } = readGemma3Rope(c, headDim, maxPositions, file));
  else rope = readHfRope(c, modelType, headDim, maxPositions, defaults.ropeTheta, file, arch === 'phi3' ? PHI3_ROPE : undefined);
  // These attention classes rotate whole heads (apply_rotary_pos_emb on head_dim): a partial rotary factor is
  // not theirs to honour (Phi-3 splits the head: its rotary_dim is int(head_dim * partial_rotary_factor)).
  if (rope.rotaryDim !== undefined && arch !== 'phi3') {
    throw new UnsupportedArchitecture(modelType, `partial_rotary_factor ${rope.rotaryDim / headDim} (${arch} rotates whole heads)`);
  }

  const spec: ModelSpec = {
    architecture: arch,
    hiddenSize,
    intermediateSize,
    numLayers,
    numHeads,
    numKvHeads,
    headDim,
    vocabSize,
    maxPositions,
    rmsNormEps: num('rms_norm_eps', defaults.rmsNormEps),
    ropeTheta: rope.ropeTheta,
    ...(rope.ropeScaling ? { ropeScaling: rope.ropeScaling } : {}),
    ...(rope.rotaryDim ? { rotaryDim: rope.rotaryDim } : {}),
    ...layers,
    ...(slidingRope && layers.slidingLayers ? { slidingRope: { theta: slidingRope.ropeTheta, ...(slidingRope.ropeScaling ? { scaling: slidingRope.ropeScaling } : {}) } } : {}),
    ...impliedTraits(arch),
    ...gemma,
    tieWordEmbeddings: typeof c.tie_word_embeddings === 'boolean' ? c.tie_word_embeddings : defaults.tied,
    attentionBias,
    ...(defaults.attentionBiasKey && attentionBias ? { oProjBias: true } : {}),
    ...(defaults.mlpBiasKey && c.mlp_bias === true ? { mlpBias: true } : {}),
    bosTokenId: tokenId(c.bos_token_id),
    eosTokenId: tokenId(c.eos_token_id),
  };
  // A Prunelab compact export with per-layer widths (prunelab-layers-config.ts).
  if (c.prunelab != null) spec.layerWidths = parseLayerWidths(c.prunelab, spec, file);
  return spec;
}

/**
 * Which layers rotate (SmolLM3's no_rope_layers) and which attend through a sliding window (layer_types, or what
 * each config class derives when it is absent: Qwen2/Qwen3 from use_sliding_window and max_window_layers,
 * Mistral from sliding_window alone, SmolLM3 from use_sliding_window on its NoPE layers).
 */
function readLayerPattern(c: Record<string, unknown>, arch: Arch, numLayers: number, file: string):
  Pick<ModelSpec, 'noRopeLayers' | 'slidingWindow' | 'slidingLayers'> {
  const out: Pick<ModelSpec, 'noRopeLayers' | 'slidingWindow' | 'slidingLayers'> = {};
  let usesRope = Array.from({ length: numLayers }, () => true);
  if (arch === 'smollm3') {
    if (c.no_rope_layers != null) {
      const v = c.no_rope_layers;
      if (!Array.isArray(v) || v.length < numLayers || !v.every((x) => x === 0 || x === 1)) {
        throw new BadModelFile(file, `"no_rope_layers" must be a list of at least ${numLayers} zeros and ones, got ${quoteConfigValue(v)}`);
      }
      usesRope = usesRope.map((_, i) => v[i] === 1);
    } else {
      const interval = c.no_rope_layer_interval ?? 4;
      if (!Number.isSafeInteger(interval) || (interval as number) < 1) throw new BadModelFile(file, `"no_rope_layer_interval" must be an integer >= 1, got ${quoteConfigValue(interval)}`);
      usesRope = usesRope.map((_, i) => (i + 1) % (interval as number) !== 0);
    }
    const noRope = usesRope.flatMap((r, i) => (r ? [] : [i]));
    if (noRope.length) out.noRopeLayers = noRope;
  } else {
    for (const key of ['no_rope_layers', 'no_rope_layer_interval']) {
      if (c[key] != null) throw new UnsupportedArchitecture(arch, `config key "${key}" is not part of ${arch}`);
    }
  }
  if (c.use_sliding_window != null && typeof c.use_sliding_window !== 'boolean') {
    throw new BadModelFile(file, `"use_sliding_window" must be true or false, got ${quoteConfigValue(c.use_sliding_window)}`);
  }
  // The window the sliding layers use, as the config class computes it (null: no layer slides).
  // Mistral and Gemma 3 slide by default (4096); Phi-3 when sliding_window is set; the others only with use_sliding_window.
  const rawWindow = arch === 'mistral' || arch === 'gemma3_text' ? (c.sliding_window === undefined ? 4096 : c.sliding_window)
    : arch === 'phi3' ? c.sliding_window ?? null
    : arch === 'llama' ? null : c.use_sliding_window === true ? c.sliding_window ?? null : null;
  if (rawWindow != null && (!Number.isSafeInteger(rawWindow) || (rawWindow as number) < 1)) {
    throw new BadModelFile(file, `"sliding_window" must be an integer >= 1 or null, got ${quoteConfigValue(rawWindow)}`);
  }
  const window = rawWindow as number | null;
  let sliding: boolean[];
  if (c.layer_types != null) {
    const v = c.layer_types;
    if (!Array.isArray(v) || v.length !== numLayers) {
      throw new BadModelFile(file, `"layer_types" must list one type per layer (${numLayers}), got ${quoteConfigValue(v)}`);
    }
    const bad = v.findIndex((t) => t !== 'full_attention' && t !== 'sliding_attention');
    if (bad >= 0) throw new UnsupportedArchitecture(arch, `layer_types[${bad}] ${quoteConfigValue(v[bad])} (implemented: "full_attention", "sliding_attention")`);
    sliding = v.map((t) => t === 'sliding_attention');
    if (sliding.some(Boolean) && arch === 'llama') throw new UnsupportedArchitecture(arch, 'layer_types "sliding_attention" is not part of llama');
  } else if (arch === 'mistral' || arch === 'phi3') {
    sliding = usesRope.map(() => window != null);
  } else if (arch === 'gemma3_text') {
    // Gemma3TextConfig: layer i slides unless (i + 1) is a multiple of the pattern (5 sliding : 1 global).
    const pattern = c.sliding_window_pattern ?? c._sliding_window_pattern ?? 6;
    if (!Number.isSafeInteger(pattern) || (pattern as number) < 1) {
      throw new BadModelFile(file, `"sliding_window_pattern" must be an integer >= 1, got ${quoteConfigValue(pattern)}`);
    }
    sliding = usesRope.map((_, i) => window != null && (i + 1) % (pattern as number) !== 0);
  } else if (arch === 'qwen2' || arch === 'qwen3') {
    const maxWindowLayers = c.max_window_layers ?? 28;
    if (!Number.isSafeInteger(maxWindowLayers) || (maxWindowLayers as number) < 0) {
      throw new BadModelFile(file, `"max_window_layers" must be an integer >= 0, got ${quoteConfigValue(maxWindowLayers)}`);
    }
    sliding = usesRope.map((_, i) => window != null && i >= (maxWindowLayers as number));
  } else {
    sliding = usesRope.map((r) => window != null && !r);
  }
  const slidingLayers = sliding.flatMap((x, i) => (x ? [i] : []));
  if (window != null && slidingLayers.length) {
    out.slidingWindow = window;
    out.slidingLayers = slidingLayers;
  }
  return out;
}

/** The gated MLP's activation: hidden_act (silu) for the llama family and Phi-3; Gemma 3 reads hidden_activation. */
function readActivation(c: Record<string, unknown>, arch: Arch, file: string): MlpActivation {
  if (arch === 'gemma3_text') {
    // Gemma3MLP uses config.hidden_activation only; a lone hidden_act that says otherwise is ambiguous, not a default.
    if (c.hidden_activation == null && c.hidden_act != null && !GELU_TANH.includes(c.hidden_act as string)) {
      throw new BadModelFile(file, `"hidden_act" is ${quoteConfigValue(c.hidden_act)} but Gemma 3 reads "hidden_activation" ` +
        '(default gelu_pytorch_tanh): set hidden_activation to say which');
    }
    const act = c.hidden_activation ?? 'gelu_pytorch_tanh';
    if (!GELU_TANH.includes(act as string)) {
      throw new UnsupportedArchitecture(arch, `hidden_activation ${quoteConfigValue(act)} (implemented: ${GELU_TANH.join(', ')})`);
    }
    return 'gelu_tanh';
  }
  const act = c.hidden_act ?? 'silu';
  if (act !== 'silu' && act !== 'swish') {
    throw new UnsupportedArchitecture(arch, `hidden_act ${quoteConfigValue(act)} (only silu / SwiGLU MLPs are implemented for ${arch})`);
  }
  return 'silu';
}
/** transformers' names for the tanh-approximated gelu (NewGELUActivation / PytorchGELUTanh: the same function). */
const GELU_TANH = ['gelu_pytorch_tanh', 'gelu_new'];

/** Gemma 3's scalars: query_pre_attn_scalar, the embedding scale, the final logit soft-cap. */
function readGemma3(c: Record<string, unknown>, hiddenSize: number, dtype: string | undefined, file: string):
  Pick<ModelSpec, 'attentionScale' | 'embedScale' | 'finalLogitSoftcap'> {
  const positive = (key: string, v: unknown): number => {
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw new BadModelFile(file, `"${key}" must be a positive number, got ${quoteConfigValue(v)}`);
    return v;
  };
  if (c.attn_logit_softcapping != null) {
    throw new UnsupportedArchitecture('gemma3_text', `attn_logit_softcapping ${quoteConfigValue(c.attn_logit_softcapping)} (attention-score soft-capping is not implemented)`);
  }
  if (c.use_bidirectional_attention === true) {
    throw new UnsupportedArchitecture('gemma3_text', 'use_bidirectional_attention true (an encoder such as EmbeddingGemma, not a causal LM)');
  }
  const scalar = positive('query_pre_attn_scalar', c.query_pre_attn_scalar ?? 256);
  const cap = c.final_logit_softcapping == null ? undefined : positive('final_logit_softcapping', c.final_logit_softcapping);
  // Gemma3TextScaledWordEmbedding multiplies by embed_scale cast to the weights' dtype: sqrt(hidden) as that dtype rounds it.
  const root = Math.sqrt(hiddenSize);
  const embedScale = dtype === 'bfloat16' ? bf16BitsToF32(f32ToBf16Bits(root)) : dtype === 'float16' ? f16BitsToF32(f32ToF16Bits(root)) : Math.fround(root);
  return { attentionScale: 1 / Math.sqrt(scalar), embedScale, ...(cap !== undefined ? { finalLogitSoftcap: cap } : {}) };
}

/** Gemma 3's two RoPEs: the global layers' (rope_theta + rope_scaling, or rope_parameters.full_attention) and the
 * sliding layers' (rope_local_base_freq, or rope_parameters.sliding_attention). */
function readGemma3Rope(c: Record<string, unknown>, headDim: number, maxPositions: number, file: string): { full: HfRope; sliding: HfRope } {
  const params = c.rope_parameters;
  const perType = typeof params === 'object' && params !== null && !Array.isArray(params) &&
    ('full_attention' in params || 'sliding_attention' in params);
  if (c.rope_local_base_freq != null && (typeof c.rope_local_base_freq !== 'number' || !(c.rope_local_base_freq > 0))) {
    throw new BadModelFile(file, `"rope_local_base_freq" must be a positive number, got ${quoteConfigValue(c.rope_local_base_freq)}`);
  }
  const local = { rope_theta: c.rope_local_base_freq } as Record<string, unknown>;
  if (!perType) {
    return { full: readHfRope(c, 'gemma3_text', headDim, maxPositions, 1_000_000, file),
      sliding: readHfRope(local, 'gemma3_text', headDim, maxPositions, 10_000, file) };
  }
  const p = params as Record<string, unknown>;
  const other = Object.keys(p).find((k) => k !== 'full_attention' && k !== 'sliding_attention');
  if (other) throw new UnsupportedArchitecture('gemma3_text', `rope_parameters key "${other}" beside the per-layer-type entries`);
  return {
    full: readHfRope({ ...c, rope_parameters: p.full_attention ?? null }, 'gemma3_text', headDim, maxPositions, 1_000_000, file),
    sliding: readHfRope({ ...local, rope_parameters: p.sliding_attention ?? null }, 'gemma3_text', headDim, maxPositions, 10_000, file),
  };
}

/** Phi3Config reads the legacy rope types "su" and "yarn" as longrope, and its original context defaults to 4096. */
const PHI3_ROPE = { typeAliases: { su: 'longrope', yarn: 'longrope' }, defaultOriginalMax: 4096 } as const;

export type HfConfigLayout = 'transformers4' | 'transformers5';

/** The config.json Prunelab writes for a spec (random test models, exports): transformers 4's keys (rope_theta,
 *  rope_scaling, torch_dtype), which 4 and 5 both read, or transformers 5's (rope_parameters, dtype). */
export function specToHfConfig(spec: ModelSpec, layout: HfConfigLayout = 'transformers4'): Record<string, unknown> {
  if (spec.architecture === 'gpt2' || spec.architecture === 'opt') return specToLearnedPositionConfig(spec, spec.architecture, layout);
  const arch = spec.architecture;
  const defaults = ARCH[arch];
  if (spec.attentionBias !== (arch === 'qwen2') && !defaults.attentionBiasKey) {
    throw new UnsupportedArchitecture(arch, `attentionBias ${spec.attentionBias} cannot be expressed in a ${arch} config`);
  }
  // attention_bias gives q, k, v and o biases together; MLP biases exist only where the config has mlp_bias.
  const oMismatch = defaults.attentionBiasKey ? spec.attentionBias !== !!spec.oProjBias : !!spec.oProjBias;
  if (oMismatch || (spec.mlpBias && !defaults.mlpBiasKey)) {
    throw new UnsupportedArchitecture(arch, `q/k/v biases ${spec.attentionBias}, o_proj bias ${!!spec.oProjBias}, MLP biases ` +
      `${!!spec.mlpBias} cannot be expressed in a ${arch} config`);
  }
  const traits = impliedTraits(arch);
  const traitKeys = ['qkNorm', 'normUnitOffset', 'sandwichNorms', 'mlpActivation'] as const;
  const off = traitKeys.find((k) => (spec[k] ?? (k === 'mlpActivation' ? 'silu' : false)) !== (traits[k] ?? (k === 'mlpActivation' ? 'silu' : false)));
  if (off) throw new UnsupportedArchitecture(arch, `${off} ${String(spec[off] ?? false)} cannot be expressed in a ${arch} config`);
  const gemma = arch === 'gemma3_text';
  if (!gemma && (spec.embedScale !== undefined || spec.attentionScale !== undefined || spec.finalLogitSoftcap !== undefined || spec.slidingRope)) {
    throw new UnsupportedArchitecture(arch, `an embedding scale, attention scale, logit soft-cap or sliding-layer RoPE cannot be expressed in a ${arch} config`);
  }
  if (spec.rotaryDim !== undefined && arch !== 'phi3') throw new UnsupportedArchitecture(arch, `partial rotary cannot be expressed in a ${arch} config`);
  if (spec.noRopeLayers?.length && arch !== 'smollm3') throw new UnsupportedArchitecture(arch, `layers without RoPE cannot be expressed in a ${arch} config`);
  const sliding = new Set(spec.slidingLayers ?? []);
  const layerTypes = Array.from({ length: spec.numLayers }, (_, i) => (sliding.has(i) ? 'sliding_attention' : 'full_attention'));
  if (sliding.size && arch === 'llama') throw new UnsupportedArchitecture(arch, 'sliding-window layers cannot be expressed in a llama config');
  const allOrNone = (key: string) => (sliding.size === 0 || sliding.size === spec.numLayers
    ? { [key]: sliding.size ? spec.slidingWindow : null }
    : (() => { throw new UnsupportedArchitecture(arch, `a sliding window on some layers only cannot be expressed in a ${arch} config`); })());
  const slidingKeys = arch === 'llama' ? {}
    : arch === 'mistral' || arch === 'phi3' ? allOrNone('sliding_window')
    : gemma ? { sliding_window: spec.slidingWindow ?? null, layer_types: layerTypes }
    : { use_sliding_window: sliding.size > 0, sliding_window: spec.slidingWindow ?? null, layer_types: layerTypes };
  const noRope = new Set(spec.noRopeLayers ?? []);
  const dtypeKey = layout === 'transformers5' ? 'dtype' : 'torch_dtype';
  return {
    architectures: [defaults.className],
    model_type: arch,
    hidden_size: spec.hiddenSize,
    intermediate_size: spec.intermediateSize,
    num_hidden_layers: spec.numLayers,
    num_attention_heads: spec.numHeads,
    num_key_value_heads: spec.numKvHeads,
    head_dim: spec.headDim,
    vocab_size: spec.vocabSize,
    max_position_embeddings: spec.maxPositions,
    rms_norm_eps: spec.rmsNormEps,
    ...(gemma ? gemma3RopeKeys(spec, layout) : hfRopeKeys(spec, spec.headDim, layout)),
    // Phi3Config reads the original context from the top level (its default, 4096, would otherwise win).
    ...(arch === 'phi3' && spec.ropeScaling && 'originalMaxPositions' in spec.ropeScaling
      ? { original_max_position_embeddings: spec.ropeScaling.originalMaxPositions } : {}),
    ...(gemma ? { hidden_activation: 'gelu_pytorch_tanh', query_pre_attn_scalar: queryPreAttnScalar(spec),
      final_logit_softcapping: spec.finalLogitSoftcap ?? null, attn_logit_softcapping: null } : { hidden_act: 'silu' }),
    tie_word_embeddings: spec.tieWordEmbeddings,
    ...(defaults.attentionBiasKey ? { attention_bias: spec.attentionBias } : {}),
    ...(defaults.mlpBiasKey ? { mlp_bias: !!spec.mlpBias } : {}),
    ...slidingKeys,
    ...(arch === 'smollm3' ? { no_rope_layers: Array.from({ length: spec.numLayers }, (_, i) => (noRope.has(i) ? 0 : 1)) } : {}),
    bos_token_id: spec.bosTokenId,
    eos_token_id: spec.eosTokenId,
    [dtypeKey]: 'float32',
    ...(spec.layerWidths ? { prunelab: layerWidthsToConfig(spec.layerWidths) } : {}),
  };
}

/** query_pre_attn_scalar back from the attention scale (an integer in every Gemma config: rounded when it is one). */
function queryPreAttnScalar(spec: ModelSpec): number {
  const v = 1 / (spec.attentionScale ?? 1 / Math.sqrt(spec.headDim)) ** 2;
  return Math.abs(v - Math.round(v)) < 1e-9 * v ? Math.round(v) : v;
}

/** Gemma 3's two RoPEs: rope_theta / rope_scaling / rope_local_base_freq (transformers 4), or rope_parameters per
 *  layer type (transformers 5). */
function gemma3RopeKeys(spec: ModelSpec, layout: HfConfigLayout): Record<string, unknown> {
  const full = hfRopeKeys(spec, spec.headDim, layout);
  const local = spec.slidingRope ?? { theta: 10_000 };
  if (local.scaling && local.scaling.type !== 'default') throw new UnsupportedArchitecture('gemma3_text', 'a scaled RoPE on the sliding layers cannot be expressed in a transformers 4 gemma3_text config');
  if (layout === 'transformers4') return { ...full, rope_local_base_freq: local.theta };
  return { rope_parameters: { full_attention: full.rope_parameters, sliding_attention: { rope_type: 'default', rope_theta: local.theta } } };
}

/** The config keys that carry RoPE or the dtype, under any of their names (an export keeps the source's own). */
export const ROPE_AND_DTYPE_KEYS = ['rope_parameters', 'rope_theta', 'rope_scaling', 'rope_local_base_freq', 'partial_rotary_factor', 'dtype', 'torch_dtype'];
