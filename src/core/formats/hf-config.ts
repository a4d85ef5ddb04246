// Hugging Face config.json -> ModelSpec for the decoder-only architectures Prunelab has adapters for.
// Defaults follow transformers' LlamaConfig / MistralConfig / Qwen2Config so a sparse config means what HF means.
import { BadModelFile, UnsupportedArchitecture } from '../errors.ts';
import type { Architecture, ModelSpec } from '../model/spec.ts';
import { layerWidthsToConfig, parseLayerWidths } from './prunelab-layers-config.ts';
import { hfRopeKeys, quoteConfigValue, readHfRope } from './hf-rope-config.ts';

type Arch = Architecture;
const ARCHITECTURES: readonly Arch[] = ['llama', 'mistral', 'qwen2', 'qwen3', 'smollm3'];
const ARCH_CLASS: Record<Arch, string> = { llama: 'LlamaForCausalLM', mistral: 'MistralForCausalLM', qwen2: 'Qwen2ForCausalLM',
  qwen3: 'Qwen3ForCausalLM', smollm3: 'SmolLM3ForCausalLM' };
// transformers' config class defaults, used only when the key is absent under every name it has.
const DEFAULT_MAX_POSITIONS: Record<Arch, number> = { llama: 2048, mistral: 4096 * 32, qwen2: 32768, qwen3: 32768, smollm3: 32768 };
const DEFAULT_ROPE_THETA: Record<Arch, number> = { llama: 10000, mistral: 10000, qwen2: 10000, qwen3: 10000, smollm3: 2_000_000 };
const DEFAULT_TIED: Record<Arch, boolean> = { llama: false, mistral: false, qwen2: false, qwen3: false, smollm3: true };
// Architectures whose attention_bias switches q, k, v AND o biases (LlamaAttention, Qwen3Attention, SmolLM3Attention).
const HAS_ATTENTION_BIAS_KEY: ReadonlySet<Arch> = new Set(['llama', 'qwen3', 'smollm3']);
const HAS_MLP_BIAS_KEY: ReadonlySet<Arch> = new Set(['llama', 'smollm3']);
const TORCH_DTYPES = ['float32', 'float16', 'bfloat16'];

export function parseHfConfig(text: string, file = 'config.json'): ModelSpec {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new BadModelFile(file, `not valid JSON (${(e as Error).message})`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new BadModelFile(file, 'top level is not a JSON object');
  return hfConfigToSpec(raw as Record<string, unknown>, file);
}

export function hfConfigToSpec(c: Record<string, unknown>, file = 'config.json'): ModelSpec {
  const modelType = c.model_type;
  if (typeof modelType !== 'string') throw new BadModelFile(file, 'missing required key "model_type"');
  if (!ARCHITECTURES.includes(modelType as Arch)) throw new UnsupportedArchitecture(modelType);
  const arch = modelType as Arch;

  const int = (key: string, fallback?: number, min = 1): number => {
    const v = c[key] ?? fallback;
    if (v === undefined) throw new BadModelFile(file, `missing required key "${key}"`);
    if (!Number.isSafeInteger(v) || (v as number) < min) throw new BadModelFile(file, `"${key}" must be an integer >= ${min}, got ${quoteConfigValue(v)}`);
    return v as number;
  };
  const num = (key: string, fallback: number): number => {
    const v = c[key] ?? fallback;
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw new BadModelFile(file, `"${key}" must be a positive number, got ${quoteConfigValue(v)}`);
    return v;
  };

  const hiddenSize = int('hidden_size');
  const intermediateSize = int('intermediate_size');
  const numLayers = int('num_hidden_layers');
  const numHeads = int('num_attention_heads');
  const vocabSize = int('vocab_size');
  const numKvHeads = int('num_key_value_heads', numHeads);
  if (numHeads % numKvHeads !== 0) {
    throw new BadModelFile(file, `num_attention_heads ${numHeads} is not a multiple of num_key_value_heads ${numKvHeads}`);
  }
  // head_dim may differ from hidden/heads (e.g. some Qwen/Mistral variants); HF computes it when absent.
  if (c.head_dim == null && hiddenSize % numHeads !== 0) {
    throw new BadModelFile(file, `hidden_size ${hiddenSize} is not divisible by num_attention_heads ${numHeads} and no head_dim is given`);
  }
  const headDim = int('head_dim', c.head_dim == null ? hiddenSize / numHeads : undefined);
  if (headDim % 2 !== 0) throw new BadModelFile(file, `head_dim ${headDim} must be even for rotary embeddings`);

  const act = c.hidden_act ?? 'silu';
  if (act !== 'silu' && act !== 'swish') {
    throw new UnsupportedArchitecture(modelType, `hidden_act ${quoteConfigValue(act)} (only silu / SwiGLU MLPs are implemented)`);
  }
  const dtype = c.dtype ?? c.torch_dtype;
  if (c.dtype != null && c.torch_dtype != null && c.dtype !== c.torch_dtype) {
    throw new BadModelFile(file, `"dtype" ${quoteConfigValue(c.dtype)} and "torch_dtype" ${quoteConfigValue(c.torch_dtype)} disagree`);
  }
  if (dtype != null && !TORCH_DTYPES.includes(dtype as string)) {
    throw new UnsupportedArchitecture(modelType, `dtype ${quoteConfigValue(dtype)} (implemented: ${TORCH_DTYPES.join(', ')})`);
  }
  // MLP biases exist only where the config class has mlp_bias; q/k/v (and o) biases per the attention class.
  if (c.mlp_bias === true && !HAS_MLP_BIAS_KEY.has(arch)) throw new UnsupportedArchitecture(modelType, `mlp_bias true (MLP biases) is not part of ${arch}`);
  let attentionBias = false;
  if (arch === 'qwen2') attentionBias = true; // Qwen2Attention always has q/k/v biases (o_proj none)
  else if (HAS_ATTENTION_BIAS_KEY.has(arch)) attentionBias = c.attention_bias === true;
  const maxPositions = int('max_position_embeddings', DEFAULT_MAX_POSITIONS[arch]);
  const rope = readHfRope(c, modelType, headDim, maxPositions, DEFAULT_ROPE_THETA[arch], file);
  // These attention classes rotate whole heads (apply_rotary_pos_emb on head_dim): a partial rotary factor is
  // not theirs to honour (Phi-3 and GPT-NeoX split the head; they are separate architectures).
  if (rope.rotaryDim !== undefined) throw new UnsupportedArchitecture(modelType, `partial_rotary_factor ${rope.rotaryDim / headDim} (${arch} rotates whole heads)`);
  const layers = readLayerPattern(c, arch, numLayers, file);

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
    rmsNormEps: num('rms_norm_eps', 1e-6),
    ropeTheta: rope.ropeTheta,
    ...(rope.ropeScaling ? { ropeScaling: rope.ropeScaling } : {}),
    ...(rope.rotaryDim ? { rotaryDim: rope.rotaryDim } : {}),
    ...layers,
    ...(arch === 'qwen3' ? { qkNorm: true } : {}),
    tieWordEmbeddings: typeof c.tie_word_embeddings === 'boolean' ? c.tie_word_embeddings : DEFAULT_TIED[arch],
    attentionBias,
    ...(HAS_ATTENTION_BIAS_KEY.has(arch) && attentionBias ? { oProjBias: true } : {}),
    ...(HAS_MLP_BIAS_KEY.has(arch) && c.mlp_bias === true ? { mlpBias: true } : {}),
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
  const rawWindow = arch === 'mistral' ? (c.sliding_window === undefined ? 4096 : c.sliding_window)
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
  } else if (arch === 'mistral') {
    sliding = usesRope.map(() => window != null);
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

/** bos/eos ids may be null, a number, or (newer models) a list whose first entry is the primary one. */
function tokenId(v: unknown): number | null {
  if (Array.isArray(v)) v = v[0];
  return Number.isSafeInteger(v) && (v as number) >= 0 ? (v as number) : null;
}

export type HfConfigLayout = 'transformers4' | 'transformers5';

/** The config.json Prunelab writes for a spec (random test models, exports): transformers 4's keys (rope_theta,
 *  rope_scaling, torch_dtype), which 4 and 5 both read, or transformers 5's (rope_parameters, dtype). */
export function specToHfConfig(spec: ModelSpec, layout: HfConfigLayout = 'transformers4'): Record<string, unknown> {
  const arch = spec.architecture;
  if (spec.attentionBias !== (arch === 'qwen2') && !HAS_ATTENTION_BIAS_KEY.has(arch)) {
    throw new UnsupportedArchitecture(arch, `attentionBias ${spec.attentionBias} cannot be expressed in a ${arch} config`);
  }
  // attention_bias gives q, k, v and o biases together; MLP biases exist only where the config has mlp_bias.
  const oMismatch = HAS_ATTENTION_BIAS_KEY.has(arch) ? spec.attentionBias !== !!spec.oProjBias : !!spec.oProjBias;
  if (oMismatch || (spec.mlpBias && !HAS_MLP_BIAS_KEY.has(arch))) {
    throw new UnsupportedArchitecture(arch, `q/k/v biases ${spec.attentionBias}, o_proj bias ${!!spec.oProjBias}, MLP biases ` +
      `${!!spec.mlpBias} cannot be expressed in a ${arch} config`);
  }
  if (!!spec.qkNorm !== (arch === 'qwen3')) throw new UnsupportedArchitecture(arch, `q/k norms ${!!spec.qkNorm} cannot be expressed in a ${arch} config`);
  if (spec.noRopeLayers?.length && arch !== 'smollm3') throw new UnsupportedArchitecture(arch, `layers without RoPE cannot be expressed in a ${arch} config`);
  const sliding = new Set(spec.slidingLayers ?? []);
  const layerTypes = Array.from({ length: spec.numLayers }, (_, i) => (sliding.has(i) ? 'sliding_attention' : 'full_attention'));
  if (sliding.size && arch === 'llama') throw new UnsupportedArchitecture(arch, 'sliding-window layers cannot be expressed in a llama config');
  const slidingKeys = arch === 'llama' ? {}
    : arch === 'mistral' ? (sliding.size === 0 || sliding.size === spec.numLayers
      ? { sliding_window: sliding.size ? spec.slidingWindow : null }
      : (() => { throw new UnsupportedArchitecture(arch, 'a sliding window on some layers only cannot be expressed in a mistral config'); })())
    : { use_sliding_window: sliding.size > 0, sliding_window: spec.slidingWindow ?? null, layer_types: layerTypes };
  const noRope = new Set(spec.noRopeLayers ?? []);
  const dtypeKey = layout === 'transformers5' ? 'dtype' : 'torch_dtype';
  return {
    architectures: [ARCH_CLASS[arch]],
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
    ...hfRopeKeys(spec, spec.headDim, layout),
    hidden_act: 'silu',
    tie_word_embeddings: spec.tieWordEmbeddings,
    ...(HAS_ATTENTION_BIAS_KEY.has(arch) ? { attention_bias: spec.attentionBias } : {}),
    ...(HAS_MLP_BIAS_KEY.has(arch) ? { mlp_bias: !!spec.mlpBias } : {}),
    ...slidingKeys,
    ...(arch === 'smollm3' ? { no_rope_layers: Array.from({ length: spec.numLayers }, (_, i) => (noRope.has(i) ? 0 : 1)) } : {}),
    bos_token_id: spec.bosTokenId,
    eos_token_id: spec.eosTokenId,
    [dtypeKey]: 'float32',
    ...(spec.layerWidths ? { prunelab: layerWidthsToConfig(spec.layerWidths) } : {}),
  };
}

/** The config keys that carry RoPE or the dtype, under any of their names (an export keeps the source's own). */
export const ROPE_AND_DTYPE_KEYS = ['rope_parameters', 'rope_theta', 'rope_scaling', 'partial_rotary_factor', 'dtype', 'torch_dtype'];
