// Hugging Face config.json -> ModelSpec for the decoder-only architectures Prunelab has adapters for.
// Defaults follow transformers' LlamaConfig / MistralConfig / Qwen2Config so a sparse config means what HF means.
import { BadModelFile, UnsupportedArchitecture } from '../errors.ts';
import type { ModelSpec } from '../model/spec.ts';
import { layerWidthsToConfig, parseLayerWidths } from './prunelab-layers-config.ts';

type Arch = ModelSpec['architecture'];
const DEFAULT_MAX_POSITIONS: Record<Arch, number> = { llama: 2048, mistral: 4096 * 32, qwen2: 32768 };

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
  if (modelType !== 'llama' && modelType !== 'mistral' && modelType !== 'qwen2') throw new UnsupportedArchitecture(modelType);
  const arch: Arch = modelType;

  const int = (key: string, fallback?: number, min = 1): number => {
    const v = c[key] ?? fallback;
    if (v === undefined) throw new BadModelFile(file, `missing required key "${key}"`);
    if (!Number.isSafeInteger(v) || (v as number) < min) throw new BadModelFile(file, `"${key}" must be an integer >= ${min}, got ${JSON.stringify(v)}`);
    return v as number;
  };
  const num = (key: string, fallback: number): number => {
    const v = c[key] ?? fallback;
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw new BadModelFile(file, `"${key}" must be a positive number, got ${JSON.stringify(v)}`);
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
    throw new UnsupportedArchitecture(modelType, `hidden_act "${String(act)}" (only silu / SwiGLU MLPs are implemented)`);
  }
  if (c.rope_scaling != null) {
    const r = c.rope_scaling as Record<string, unknown>;
    const kind = r.rope_type ?? r.type ?? JSON.stringify(r);
    // transformers' rope_type "default" is plain RoPE; every real scaling scheme (linear, dynamic, yarn, llama3, ...)
    // changes the rotary frequencies, which the kernels do not implement.
    if (kind !== 'default') throw new UnsupportedArchitecture(modelType, `rope_scaling "${String(kind)}" is not implemented (only plain RoPE, rope_scaling null)`);
  }
  // LlamaMLP has gate/up/down biases with mlp_bias; Mistral's and Qwen2's MLPs never do.
  if (c.mlp_bias === true && arch !== 'llama') throw new UnsupportedArchitecture(modelType, 'mlp_bias true (MLP biases) is only implemented for llama');
  // Sliding-window attention (mistral sliding_window, qwen2 use_sliding_window) is ignored: it only changes
  // results for contexts longer than the window, far beyond the evaluation windows Prunelab uses.

  let attentionBias = false;
  if (arch === 'qwen2') attentionBias = true; // Qwen2Attention always has q/k/v biases (o_proj none)
  else if (arch === 'llama') attentionBias = c.attention_bias === true; // LlamaAttention: q, k, v AND o biases

  const spec: ModelSpec = {
    architecture: arch,
    hiddenSize,
    intermediateSize,
    numLayers,
    numHeads,
    numKvHeads,
    headDim,
    vocabSize,
    maxPositions: int('max_position_embeddings', DEFAULT_MAX_POSITIONS[arch]),
    rmsNormEps: num('rms_norm_eps', 1e-6),
    ropeTheta: num('rope_theta', 10000),
    // LlamaConfig / MistralConfig / Qwen2Config all default to untied (PretrainedConfig's True is overridden).
    tieWordEmbeddings: c.tie_word_embeddings === true,
    attentionBias,
    ...(arch === 'llama' && attentionBias ? { oProjBias: true } : {}),
    ...(arch === 'llama' && c.mlp_bias === true ? { mlpBias: true } : {}),
    bosTokenId: tokenId(c.bos_token_id),
    eosTokenId: tokenId(c.eos_token_id),
  };
  // A Prunelab compact export with per-layer widths (prunelab-layers-config.ts).
  if (c.prunelab != null) spec.layerWidths = parseLayerWidths(c.prunelab, spec, file);
  return spec;
}

/** bos/eos ids may be null, a number, or (newer models) a list whose first entry is the primary one. */
function tokenId(v: unknown): number | null {
  if (Array.isArray(v)) v = v[0];
  return Number.isSafeInteger(v) && (v as number) >= 0 ? (v as number) : null;
}

/** The config.json Prunelab writes for a spec (random test models, exports). */
export function specToHfConfig(spec: ModelSpec): Record<string, unknown> {
  const arch = spec.architecture;
  if (spec.attentionBias !== (arch === 'qwen2') && arch !== 'llama') {
    throw new UnsupportedArchitecture(arch, `attentionBias ${spec.attentionBias} cannot be expressed in a ${arch} config`);
  }
  // HF's attention_bias gives q, k, v and o biases together; o / MLP biases exist only in LlamaConfig.
  if (arch === 'llama' ? spec.attentionBias !== !!spec.oProjBias : spec.oProjBias || spec.mlpBias) {
    throw new UnsupportedArchitecture(arch, `q/k/v biases ${spec.attentionBias}, o_proj bias ${!!spec.oProjBias}, MLP biases ` +
      `${!!spec.mlpBias} cannot be expressed in a ${arch} config`);
  }
  const archName = { llama: 'LlamaForCausalLM', mistral: 'MistralForCausalLM', qwen2: 'Qwen2ForCausalLM' }[arch];
  return {
    architectures: [archName],
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
    rope_theta: spec.ropeTheta,
    rope_scaling: null,
    hidden_act: 'silu',
    tie_word_embeddings: spec.tieWordEmbeddings,
    ...(arch === 'llama' ? { attention_bias: spec.attentionBias, mlp_bias: !!spec.mlpBias } : {}),
    bos_token_id: spec.bosTokenId,
    eos_token_id: spec.eosTokenId,
    torch_dtype: 'float32',
    ...(spec.layerWidths ? { prunelab: layerWidthsToConfig(spec.layerWidths) } : {}),
  };
}
