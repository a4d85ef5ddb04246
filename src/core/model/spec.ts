// ModelSpec: the architecture-independent description every layer below the formats works with.
// Tensor names are canonical Hugging Face names whatever the source format (see tensorNames).
import type { RopeScaling } from './rope.ts';

export type Dtype = 'F32' | 'F16' | 'BF16' | 'Q8_0';
export type ModelFormat = 'hf-safetensors' | 'llama2c-legacy' | 'llama2c-v1' | 'gguf';

export type Architecture = 'llama' | 'mistral' | 'qwen2' | 'qwen3' | 'smollm3' | 'gemma3_text' | 'phi3' | 'gpt2' | 'opt';

/** The MLP's activation: SwiGLU's silu, the tanh-approximated gelu (GeGLU's gelu_pytorch_tanh, GPT-2's gelu_new),
 * or OPT's relu. */
export type MlpActivation = 'silu' | 'gelu_tanh' | 'relu';

export interface ModelSpec {
  /** config.json model_type, or 'llama' for llama2.c / GGUF llama. */
  architecture: Architecture;
  hiddenSize: number;
  intermediateSize: number;
  numLayers: number;
  numHeads: number;
  numKvHeads: number;
  /** From config head_dim when present; need not equal hiddenSize / numHeads. */
  headDim: number;
  vocabSize: number;
  maxPositions: number;
  rmsNormEps: number;
  /** Base of the rotary frequencies (rope_theta). */
  ropeTheta: number;
  /** A RoPE scheme other than the plain one (llama3, yarn, ...; see model/rope.ts). Absent = plain RoPE. */
  ropeScaling?: RopeScaling;
  /** Rotated leading dimensions of each head when only part of it is rotated (partial_rotary_factor < 1). */
  rotaryDim?: number;
  /** Layers that use no RoPE at all (SmolLM3's no_rope_layers zeros). */
  noRopeLayers?: number[];
  /** q and k of every head pass an RMSNorm over head_dim before RoPE (Qwen3's q_norm / k_norm, weights [headDim]). */
  qkNorm?: boolean;
  /** Keys a query of a sliding-window layer sees: itself and the slidingWindow - 1 before it. */
  slidingWindow?: number;
  /** The sliding-window layers (layer_types "sliding_attention"); the others attend to the whole context. */
  slidingLayers?: number[];
  /** The RoPE of the sliding-window layers when it differs from the others' (Gemma 3's rope_local_base_freq). */
  slidingRope?: { theta: number; scaling?: RopeScaling };
  /** Every RMSNorm scales by (1 + w): the stored weights are offsets from one (Gemma). */
  normUnitOffset?: boolean;
  /** Gemma 2/3's norm placement: the attention and MLP outputs pass their own RMSNorm before the residual add
   * (post_attention_layernorm, post_feedforward_layernorm) and the MLP's input norm is pre_feedforward_layernorm. */
  sandwichNorms?: boolean;
  /** The MLP's activation; absent = silu. */
  mlpActivation?: MlpActivation;
  /** The MLP is down(act(up x)) with no gate (GPT-2's c_fc / c_proj, OPT's fc1 / fc2 map to up / down). */
  plainMlp?: boolean;
  /** Every norm is a LayerNorm (mean removed, weight and bias; GPT-2, OPT) instead of an RMSNorm; rmsNormEps is
   * its eps. */
  layerNorm?: boolean;
  /** Positions are a learned table added to the embeddings (GPT-2's wpe, OPT's embed_positions) instead of RoPE:
   * token t reads row t + offset (OPT's offset 2) of a [maxPositions + offset, d] table. */
  learnedPositions?: { offset: number };
  /** The prefix of the Hub checkpoint's tensor names where a model has more than one (GPT-2: '' or 'transformer.';
   * OPT: 'model.decoder.' or 'decoder.'); exports write the same. */
  hubPrefix?: string;
  /** Embeddings are multiplied by this (Gemma: sqrt(hidden_size) rounded to the embedding's dtype). */
  embedScale?: number;
  /** Attention scores are q.k times this; absent = 1 / sqrt(headDim) (Gemma: query_pre_attn_scalar ** -0.5). */
  attentionScale?: number;
  /** Logits become tanh(logits / c) * c (Gemma's final_logit_softcapping). */
  finalLogitSoftcap?: number;
  tieWordEmbeddings: boolean;
  /** q/k/v projections carry biases (qwen2; llama with attention_bias). */
  attentionBias: boolean;
  /** o_proj carries a bias [d] (llama attention_bias: HF adds it with the q/k/v ones; FLAP's compensation). */
  oProjBias?: boolean;
  /** gate/up ([f]) and down ([d]) projections carry biases (llama mlp_bias; FLAP's compensation). */
  mlpBias?: boolean;
  bosTokenId: number | null;
  eosTokenId: number | null;
  /**
   * Per-layer widths of a structurally compacted model (a Prunelab compact export whose layers differ, read from
   * config.json's "prunelab" field). Absent for every ordinary model. numHeads / intermediateSize above then
   * stay the dense widths (the largest any layer may have); layer l's q/o/gate/up/down have these widths instead.
   */
  layerWidths?: LayerWidths[];
}

/** One layer's own widths: its query heads, its kv heads, the kv head each query head reads, its MLP width. */
export interface LayerWidths {
  numHeads: number;
  /** This layer's kv heads (rows of k_proj / v_proj: numKvHeads * headDim); absent = the model's numKvHeads.
   * Fewer when whole kv-groups were removed. */
  numKvHeads?: number;
  /** [numHeads]: kv head read by each query head (entries in [0, this layer's kv heads)). */
  kvHeadOf: number[];
  intermediateSize: number;
}

/** Query heads, kv heads and MLP width of layer l (per-layer widths when the spec has them, else the model's). */
export function layerShape(spec: ModelSpec, l: number): { numHeads: number; numKvHeads: number; intermediateSize: number } {
  const w = spec.layerWidths?.[l];
  return w ? { numHeads: w.numHeads, numKvHeads: w.numKvHeads ?? spec.numKvHeads, intermediateSize: w.intermediateSize }
    : { numHeads: spec.numHeads, numKvHeads: spec.numKvHeads, intermediateSize: spec.intermediateSize };
}

/** Canonical (HF) tensor names. q/k rows are always in HF rotate_half RoPE order once decoded. Fused Hub tensors
 * (Phi-3's qkv_proj, gate_up_proj) are split into these on load and fused again on export (fused-tensors.ts).
 * `sandwich`: Gemma's norm names (spec.sandwichNorms): the MLP's input norm is pre_feedforward_layernorm, and
 * post_attention_layernorm / post_feedforward_layernorm normalise the attention and MLP outputs. */
export const tensorNames = {
  embed: 'model.embed_tokens.weight',
  positions: 'model.embed_positions.weight',
  finalNorm: 'model.norm.weight',
  finalNormBias: 'model.norm.bias',
  lmHead: 'lm_head.weight',
  layer(i: number, sandwich = false) {
    const p = `model.layers.${i}`;
    return {
      attnNorm: `${p}.input_layernorm.weight`,
      attnNormBias: `${p}.input_layernorm.bias`,
      mlpNormBias: `${p}.post_attention_layernorm.bias`,
      attnOutNorm: `${p}.post_attention_layernorm.weight`,
      mlpOutNorm: `${p}.post_feedforward_layernorm.weight`,
      q: `${p}.self_attn.q_proj.weight`,
      k: `${p}.self_attn.k_proj.weight`,
      v: `${p}.self_attn.v_proj.weight`,
      o: `${p}.self_attn.o_proj.weight`,
      qNorm: `${p}.self_attn.q_norm.weight`,
      kNorm: `${p}.self_attn.k_norm.weight`,
      qBias: `${p}.self_attn.q_proj.bias`,
      kBias: `${p}.self_attn.k_proj.bias`,
      vBias: `${p}.self_attn.v_proj.bias`,
      oBias: `${p}.self_attn.o_proj.bias`,
      gateBias: `${p}.mlp.gate_proj.bias`,
      upBias: `${p}.mlp.up_proj.bias`,
      downBias: `${p}.mlp.down_proj.bias`,
      mlpNorm: sandwich ? `${p}.pre_feedforward_layernorm.weight` : `${p}.post_attention_layernorm.weight`,
      gate: `${p}.mlp.gate_proj.weight`,
      up: `${p}.mlp.up_proj.weight`,
      down: `${p}.mlp.down_proj.weight`,
    };
  },
};

/** Layers 0..n-1 with at least one tensor each among `names` (canonical names; the count up to the first absent index). */
export function layersPresent(names: Iterable<string>): number {
  const seen = new Set<number>();
  for (const name of names) {
    const m = /^model\.layers\.(\d+)\./.exec(name);
    if (m) seen.add(Number(m[1]));
  }
  let n = 0;
  while (seen.has(n)) n++;
  return n;
}

/** Expected shape of every tensor the engine reads, [out, in] for linear maps. */
export function expectedShapes(spec: ModelSpec): Map<string, number[]> {
  const m = new Map<string, number[]>();
  const { hiddenSize: d, headDim: hd, vocabSize: v } = spec;
  m.set(tensorNames.embed, [v, d]);
  if (spec.learnedPositions) m.set(tensorNames.positions, [spec.maxPositions + spec.learnedPositions.offset, d]);
  m.set(tensorNames.finalNorm, [d]);
  if (spec.layerNorm) m.set(tensorNames.finalNormBias, [d]);
  if (!spec.tieWordEmbeddings) m.set(tensorNames.lmHead, [v, d]);
  for (let i = 0; i < spec.numLayers; i++) {
    const n = tensorNames.layer(i, spec.sandwichNorms);
    const { numHeads: h, numKvHeads: kv, intermediateSize: f } = layerShape(spec, i);
    m.set(n.attnNorm, [d]);
    if (spec.layerNorm) m.set(n.attnNormBias, [d]);
    m.set(n.q, [h * hd, d]);
    m.set(n.k, [kv * hd, d]);
    m.set(n.v, [kv * hd, d]);
    m.set(n.o, [d, h * hd]);
    if (spec.attentionBias) {
      m.set(n.qBias, [h * hd]);
      m.set(n.kBias, [kv * hd]);
      m.set(n.vBias, [kv * hd]);
    }
    if (spec.oProjBias) m.set(n.oBias, [d]);
    if (spec.qkNorm) {
      m.set(n.qNorm, [hd]);
      m.set(n.kNorm, [hd]);
    }
    if (spec.sandwichNorms) m.set(n.attnOutNorm, [d]);
    m.set(n.mlpNorm, [d]);
    if (spec.layerNorm) m.set(n.mlpNormBias, [d]);
    if (!spec.plainMlp) m.set(n.gate, [f, d]);
    m.set(n.up, [f, d]);
    m.set(n.down, [d, f]);
    if (spec.mlpBias) {
      if (!spec.plainMlp) m.set(n.gateBias, [f]);
      m.set(n.upBias, [f]);
      m.set(n.downBias, [d]);
    }
    if (spec.sandwichNorms) m.set(n.mlpOutNorm, [d]);
  }
  return m;
}

/** How many keys back a query of layer l may attend (itself included), or null for the whole context. */
export function layerAttentionWindow(spec: ModelSpec, l: number): number | null {
  return spec.slidingWindow !== undefined && spec.slidingLayers?.includes(l) ? spec.slidingWindow : null;
}

/** Weight matrices an MLP channel spans: gate and up rows and a down column (3), or up row and down column (2) in an
 * ungated MLP. A channel's removable weights are this times hiddenSize. */
export function mlpMatrices(spec: Pick<ModelSpec, 'plainMlp'>): number {
  return spec.plainMlp ? 2 : 3;
}

/** Total parameter count (tied embeddings counted once). */
export function parameterCount(spec: ModelSpec): number {
  let n = 0;
  for (const shape of expectedShapes(spec).values()) n += shape.reduce((a, b) => a * b, 1);
  return n;
}

/** What makes a spec compute something a llama config cannot say (empty: it is llama with other names). */
export function nonLlamaFeatures(spec: ModelSpec): string[] {
  const out: string[] = [];
  if (spec.qkNorm) out.push('q/k norms');
  if (spec.noRopeLayers?.length) out.push('NoPE layers');
  if (spec.slidingLayers?.length) out.push('sliding-window layers');
  if (spec.rotaryDim !== undefined) out.push('partial rotary');
  if (spec.normUnitOffset || spec.sandwichNorms) out.push("Gemma's norms");
  if ((spec.mlpActivation ?? 'silu') !== 'silu') out.push(`${spec.mlpActivation} MLP`);
  if (spec.layerNorm) out.push('LayerNorms');
  if (spec.learnedPositions) out.push('learned positions');
  if (spec.plainMlp) out.push('an ungated MLP');
  if (spec.embedScale !== undefined || spec.attentionScale !== undefined || spec.finalLogitSoftcap !== undefined) out.push('scaled embeddings / attention / logits');
  return out;
}
