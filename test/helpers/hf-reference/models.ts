// An independent float64 forward pass of the causal LMs Prunelab reads, written from transformers' modeling code,
// not from the product (it must not import src/core/engine, spec.ts, hf-config.ts or hf-rope-config.ts: it checks
// them). Input: the raw config.json object and the Hub-named tensors; output: logits per position, and the window's
// next-token NLL as ForCausalLMLoss computes it (shift by one, cross-entropy per position, summed here).
//
// Followed (transformers, src/transformers/models/*/modeling_*.py and configuration_*.py):
// - LlamaForCausalLM / LlamaModel / LlamaDecoderLayer / LlamaAttention / LlamaMLP / LlamaRMSNorm: pre-norm residual
//   blocks, q/k/v/o bias = config.attention_bias, MLP bias = config.mlp_bias, head_dim = config.head_dim or
//   hidden // heads, scaling head_dim**-0.5, repeat_kv (GQA), eager_attention_forward, rotate_half /
//   apply_rotary_pos_emb with cos/sin = emb.cos() * attention_scaling (the RotaryEmbedding forward).
// - MistralModel / Phi3Model: create_sliding_window_causal_mask on every layer when config.sliding_window is set.
// - masking_utils.sliding_window_overlay: kv_idx > q_idx - sliding_window (key j visible to query i iff i - j < w),
//   and-ed with causal_mask_function (kv_idx <= q_idx).
// - Qwen2Config / Qwen3Config: sliding_window = sliding_window if use_sliding_window else None; layer_types default
//   "sliding_attention" iff sliding_window is not None and i >= max_window_layers. Qwen2Attention: q/k/v bias True,
//   o_proj no bias. Qwen3Attention: q_norm/k_norm (Qwen3RMSNorm over head_dim) per head before RoPE.
// - SmolLM3Config / SmolLM3Attention: use_rope = no_rope_layers[layer_idx] (1 = RoPE, 0 = NoPE), default
//   int((i + 1) % no_rope_layer_interval != 0); sliding only on layer_types "sliding_attention" with use_sliding_window.
// - Gemma3TextScaledWordEmbedding (embed * tensor(hidden**0.5).to(weight dtype)), Gemma3RMSNorm (x * (1 + w)),
//   Gemma3DecoderLayer (input / post_attention / pre_feedforward / post_feedforward norms), Gemma3Attention
//   (q_norm/k_norm before RoPE, scaling query_pre_attn_scalar**-0.5, attn_logit_softcapping), Gemma3MLP (GeGLU with
//   hidden_activation, gelu_pytorch_tanh), Gemma3RotaryEmbedding per layer type, Gemma3TextConfig layer_types default
//   "sliding_attention" iff (i + 1) % sliding_window_pattern, Gemma3ForCausalLM final_logit_softcapping.
// - Phi3Attention (qkv_proj rows [q; k; v]), Phi3MLP (gate_up_proj.chunk(2): [gate; up]), apply_rotary_pos_emb of
//   phi3 (partial rotary: rotary_dim = cos.shape[-1], the rest passes through).
// RoPE frequencies / attention_scaling per layer come from ./rope-utils.ts (ropeFor); the rotation is done here.
import { ropeFor, type RopeAtLength } from './rope-utils.ts';
import { gpt2OptLogits } from './gpt2-opt.ts';

export interface HubTensor { shape: number[]; data: Float64Array }
type Cfg = Record<string, unknown>;
type LayerType = 'full_attention' | 'sliding_attention';

/** Minimal safetensors reader: u64 header length, JSON header, little-endian F32 / BF16 / F16 data. */
export function readHubTensors(bytes: Uint8Array): Map<string, HubTensor> {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = Number(dv.getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))) as
    Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
  const base = 8 + n, out = new Map<string, HubTensor>();
  for (const [name, t] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const count = t.shape.reduce((a, b) => a * b, 1), at = base + t.data_offsets[0], data = new Float64Array(count);
    const width = { F32: 4, BF16: 2, F16: 2 }[t.dtype];
    if (!width) throw new Error(`${name}: dtype ${t.dtype} not supported`);
    if (t.data_offsets[1] - t.data_offsets[0] !== count * width) throw new Error(`${name}: byte length mismatch`);
    for (let i = 0; i < count; i++) {
      if (t.dtype === 'F32') data[i] = dv.getFloat32(at + 4 * i, true);
      else if (t.dtype === 'BF16') data[i] = new Float32Array(new Uint32Array([dv.getUint16(at + 2 * i, true) << 16]).buffer)[0];
      else data[i] = f16(dv.getUint16(at + 2 * i, true));
    }
    out.set(name, { shape: t.shape, data });
  }
  return out;
}

function f16(h: number): number {
  const s = h & 0x8000 ? -1 : 1, e = (h >> 10) & 0x1f, m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

/** The architecture features of one config, as data. */
interface Arch {
  hidden: number; heads: number; kvHeads: number; headDim: number; eps: number; vocab: number; layers: number;
  unitOffsetNorm: boolean; sandwich: boolean; qkNorm: boolean; embedScale: number; scaling: number;
  attnSoftcap: number | null; finalSoftcap: number | null; act: (x: number) => number;
  qkvBias: boolean; oBias: boolean; mlpBias: boolean; fused: boolean; tied: boolean;
  layerTypes: LayerType[]; window: (number | null)[]; useRope: boolean[]; ropeKey: (l: number) => LayerType;
}

const num = (v: unknown, d?: number): number => {
  if (typeof v === 'number') return v;
  if (d === undefined) throw new Error(`config value missing`);
  return d;
};
const silu = (x: number) => x / (1 + Math.exp(-x));
const geluTanh = (x: number) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));
const ACT: Record<string, (x: number) => number> = { silu, swish: silu, gelu_pytorch_tanh: geluTanh, gelu_new: geluTanh };

/** Rounds to the embedding dtype as `torch.tensor(x).to(weight.dtype)` does (float32 tensor first). */
function toDtype(x: number, dtype: unknown): number {
  const f = Math.fround(x);
  if (dtype === 'bfloat16') { // round-to-nearest-even on the top 16 bits
    const u = new Uint32Array(new Float32Array([f]).buffer)[0];
    const r = (u + 0x7fff + ((u >> 16) & 1)) & 0xffff0000;
    return new Float32Array(new Uint32Array([r >>> 0]).buffer)[0];
  }
  if (dtype === 'float16') { // via a float16 round trip
    const e = Math.floor(Math.log2(Math.abs(f))), q = 2 ** (e - 10);
    return Math.round(f / q) * q;
  }
  return f;
}

export function archOf(c: Cfg): Arch {
  const type = c.model_type as string;
  const known = ['llama', 'mistral', 'qwen2', 'qwen3', 'smollm3', 'gemma3_text', 'phi3'];
  if (!known.includes(type)) throw new Error(`model_type ${type} not in the reference`);
  const gemma = type === 'gemma3_text';
  const hidden = num(c.hidden_size), heads = num(c.num_attention_heads), layers = num(c.num_hidden_layers);
  const headDim = typeof c.head_dim === 'number' && c.head_dim ? c.head_dim : Math.floor(hidden / heads);
  const kvHeads = num(c.num_key_value_heads, heads);
  // Sliding windows, per layer, as each family's config / model builds its masks.
  let layerTypes: LayerType[], win: number | null = (c.sliding_window as number | null | undefined) ?? null;
  const useRope = Array.from({ length: layers }, () => true);
  const given = c.layer_types as LayerType[] | undefined;
  if (type === 'mistral' || type === 'phi3') {
    layerTypes = Array(layers).fill(win != null ? 'sliding_attention' : 'full_attention');
  } else if (type === 'qwen2' || type === 'qwen3') {
    if (!c.use_sliding_window) win = null;
    const mwl = num(c.max_window_layers, 28);
    layerTypes = given ?? Array.from({ length: layers }, (_, i) => (win != null && i >= mwl ? 'sliding_attention' : 'full_attention'));
  } else if (type === 'smollm3') {
    const interval = num(c.no_rope_layer_interval, 4);
    const nrl = (c.no_rope_layers as number[] | undefined) ?? Array.from({ length: layers }, (_, i) => Number((i + 1) % interval !== 0));
    nrl.slice(0, layers).forEach((v, i) => { useRope[i] = !!v; });
    if (!c.use_sliding_window) win = null;
    layerTypes = given ?? nrl.slice(0, layers).map((r) => (win != null && !r ? 'sliding_attention' : 'full_attention'));
  } else if (gemma) {
    win = num(c.sliding_window, 4096);
    const pattern = num(c.sliding_window_pattern, 6);
    layerTypes = given ?? Array.from({ length: layers }, (_, i) => ((i + 1) % pattern ? 'sliding_attention' : 'full_attention'));
  } else {
    layerTypes = Array(layers).fill('full_attention');
  }
  const window = layerTypes.map((t) => (t === 'sliding_attention' ? win : null));
  const actName = ((gemma ? c.hidden_activation ?? 'gelu_pytorch_tanh' : c.hidden_act ?? 'silu') as string);
  const act = ACT[actName];
  if (!act) throw new Error(`activation ${actName} not in the reference`);
  const attnBias = !!c.attention_bias && type !== 'mistral' && type !== 'phi3' && type !== 'qwen2';
  return {
    hidden, heads, kvHeads, headDim, layers, vocab: num(c.vocab_size), eps: num(c.rms_norm_eps, type === 'phi3' ? 1e-5 : 1e-6),
    unitOffsetNorm: gemma, sandwich: gemma, qkNorm: gemma || type === 'qwen3',
    embedScale: gemma ? toDtype(Math.sqrt(hidden), c.torch_dtype ?? c.dtype) : 1,
    scaling: gemma ? num(c.query_pre_attn_scalar, 256) ** -0.5 : headDim ** -0.5,
    attnSoftcap: gemma ? (c.attn_logit_softcapping as number | null) ?? null : null,
    finalSoftcap: gemma ? (c.final_logit_softcapping as number | null) ?? null : null,
    act, qkvBias: type === 'qwen2' || attnBias, oBias: attnBias, mlpBias: !!c.mlp_bias && (type === 'llama' || type === 'smollm3'),
    fused: type === 'phi3', tied: (c.tie_word_embeddings as boolean | undefined) ?? (gemma || type === 'smollm3'),
    layerTypes, window, useRope, ropeKey: (l) => (gemma ? layerTypes[l] : 'full_attention'),
  };
}

function get(t: Map<string, HubTensor>, name: string): Float64Array {
  const x = t.get(name);
  if (!x) throw new Error(`tensor ${name} missing`);
  return x.data;
}

/** y[o] = sum_i W[row0 + o, i] x[i] (+ b[o]) for `rows` rows of a [*, x.length] weight. */
function linear(W: Float64Array, x: Float64Array, rows: number, row0 = 0, b?: Float64Array): Float64Array {
  const n = x.length, y = new Float64Array(rows);
  for (let o = 0; o < rows; o++) {
    let s = b ? b[o] : 0;
    const off = (row0 + o) * n;
    for (let i = 0; i < n; i++) s += W[off + i] * x[i];
    y[o] = s;
  }
  return y;
}

function rmsNorm(x: Float64Array, w: Float64Array, eps: number, unitOffset: boolean, at = 0, n = x.length): void {
  let ss = 0;
  for (let i = 0; i < n; i++) ss += x[at + i] ** 2;
  const r = 1 / Math.sqrt(ss / n + eps);
  for (let i = 0; i < n; i++) x[at + i] = x[at + i] * r * (unitOffset ? 1 + w[i] : w[i]);
}

/** apply_rotary_pos_emb on one head: (x * cos + rotate_half(x) * sin) over rotary_dim dims, cos/sin times attention_scaling. */
function rotate(v: Float64Array, at: number, pos: number, rope: RopeAtLength): void {
  const half = rope.invFreq.length;
  if (rope.rotaryDim !== 2 * half) throw new Error(`rotaryDim ${rope.rotaryDim} != 2 * ${half} frequencies`);
  for (let d = 0; d < half; d++) {
    const a = pos * rope.invFreq[d], c = Math.cos(a) * rope.attentionScaling, s = Math.sin(a) * rope.attentionScaling;
    const x1 = v[at + d], x2 = v[at + d + half];
    v[at + d] = x1 * c - x2 * s;
    v[at + d + half] = x2 * c + x1 * s;
  }
}

/** Logits [T][vocab] of the causal LM on `tokens` at positions 0..T-1. */
export function hfLogits(config: Cfg, tensors: Map<string, HubTensor>, tokens: number[]): Float64Array[] {
  if (config.model_type === 'gpt2' || config.model_type === 'opt') return gpt2OptLogits(config, tensors, tokens);
  const a = archOf(config), T = tokens.length, { hidden: H, heads: nH, kvHeads: nKv, headDim: D } = a;
  const embed = get(tensors, 'model.embed_tokens.weight');
  const x = tokens.map((tok) => embed.slice(tok * H, (tok + 1) * H).map((v) => v * a.embedScale));
  const norm = (v: Float64Array, name: string) => { const y = v.slice(); rmsNorm(y, get(tensors, name), a.eps, a.unitOffsetNorm); return y; };
  const opt = (name: string, on: boolean) => (on ? get(tensors, name) : undefined);
  for (let l = 0; l < a.layers; l++) {
    const p = `model.layers.${l}.`, rope = ropeFor(config, a.ropeKey(l), T), win = a.window[l];
    const q: Float64Array[] = [], k: Float64Array[] = [], v: Float64Array[] = [];
    for (let t = 0; t < T; t++) {
      const h = norm(x[t], p + 'input_layernorm.weight');
      let qt: Float64Array, kt: Float64Array, vt: Float64Array;
      if (a.fused) {
        const W = get(tensors, p + 'self_attn.qkv_proj.weight');
        qt = linear(W, h, nH * D); kt = linear(W, h, nKv * D, nH * D); vt = linear(W, h, nKv * D, (nH + nKv) * D);
      } else {
        qt = linear(get(tensors, p + 'self_attn.q_proj.weight'), h, nH * D, 0, opt(p + 'self_attn.q_proj.bias', a.qkvBias));
        kt = linear(get(tensors, p + 'self_attn.k_proj.weight'), h, nKv * D, 0, opt(p + 'self_attn.k_proj.bias', a.qkvBias));
        vt = linear(get(tensors, p + 'self_attn.v_proj.weight'), h, nKv * D, 0, opt(p + 'self_attn.v_proj.bias', a.qkvBias));
      }
      for (const [z, n, w] of [[qt, nH, 'q_norm'], [kt, nKv, 'k_norm']] as const) {
        for (let hd = 0; hd < n; hd++) {
          if (a.qkNorm) rmsNorm(z, get(tensors, p + `self_attn.${w}.weight`), a.eps, a.unitOffsetNorm, hd * D, D);
          if (a.useRope[l]) rotate(z, hd * D, t, rope);
        }
      }
      q.push(qt); k.push(kt); v.push(vt);
    }
    const Wo = get(tensors, p + 'self_attn.o_proj.weight'), bo = opt(p + 'self_attn.o_proj.bias', a.oBias);
    for (let i = 0; i < T; i++) {
      const ctx = new Float64Array(nH * D);
      for (let hd = 0; hd < nH; hd++) {
        const kh = Math.floor(hd / (nH / nKv)); // repeat_kv: query head h reads kv head h // n_rep
        const js: number[] = [], sc: number[] = [];
        for (let j = 0; j <= i; j++) {
          if (win != null && !(i - j < win)) continue;
          let s = 0;
          for (let d = 0; d < D; d++) s += q[i][hd * D + d] * k[j][kh * D + d];
          s *= a.scaling;
          if (a.attnSoftcap != null) s = Math.tanh(s / a.attnSoftcap) * a.attnSoftcap;
          js.push(j); sc.push(s);
        }
        const m = Math.max(...sc), e = sc.map((s) => Math.exp(s - m)), z = e.reduce((u, w) => u + w, 0);
        js.forEach((j, n) => { for (let d = 0; d < D; d++) ctx[hd * D + d] += (e[n] / z) * v[j][kh * D + d]; });
      }
      let o = linear(Wo, ctx, H, 0, bo);
      if (a.sandwich) o = norm(o, p + 'post_attention_layernorm.weight');
      for (let d = 0; d < H; d++) x[i][d] += o[d];
      const h = norm(x[i], p + (a.sandwich ? 'pre_feedforward_layernorm.weight' : 'post_attention_layernorm.weight'));
      const I = num(config.intermediate_size);
      let gate: Float64Array, up: Float64Array;
      if (a.fused) {
        const W = get(tensors, p + 'mlp.gate_up_proj.weight');
        gate = linear(W, h, I); up = linear(W, h, I, I);
      } else {
        gate = linear(get(tensors, p + 'mlp.gate_proj.weight'), h, I, 0, opt(p + 'mlp.gate_proj.bias', a.mlpBias));
        up = linear(get(tensors, p + 'mlp.up_proj.weight'), h, I, 0, opt(p + 'mlp.up_proj.bias', a.mlpBias));
      }
      const act = gate.map((g, n) => a.act(g) * up[n]);
      let m = linear(get(tensors, p + 'mlp.down_proj.weight'), act, H, 0, opt(p + 'mlp.down_proj.bias', a.mlpBias));
      if (a.sandwich) m = norm(m, p + 'post_feedforward_layernorm.weight');
      for (let d = 0; d < H; d++) x[i][d] += m[d];
    }
  }
  const head = a.tied ? embed : get(tensors, 'lm_head.weight');
  return x.map((xt) => {
    const logits = linear(head, norm(xt, 'model.norm.weight'), a.vocab);
    if (a.finalSoftcap != null) for (let n = 0; n < logits.length; n++) logits[n] = Math.tanh(logits[n] / a.finalSoftcap) * a.finalSoftcap;
    return logits;
  });
}

/** Next-token NLL over the window (ForCausalLMLoss: logits[i] predicts tokens[i + 1]), summed, with its count. */
export function hfWindowNll(config: Cfg, tensors: Map<string, HubTensor>, tokens: number[]): { sum: number; count: number } {
  const rows = hfLogits(config, tensors, tokens);
  let sum = 0;
  for (let i = 0; i + 1 < tokens.length; i++) {
    const r = rows[i], m = Math.max(...r);
    let z = 0;
    for (const u of r) z += Math.exp(u - m);
    sum += m + Math.log(z) - r[tokens[i + 1]];
  }
  return { sum, count: tokens.length - 1 };
}
