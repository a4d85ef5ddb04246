// An independent float64 forward of GPT-2 and OPT, written from transformers' modeling code (like ./models.ts it
// reads the raw config.json and the Hub-named tensors and shares nothing with the product).
//
// Followed (transformers, src/transformers/models/gpt2/modeling_gpt2.py, models/opt/modeling_opt.py and their configs):
// - GPT2Model: hidden = wte(input_ids) + wpe(position_ids), positions 0..T-1. GPT2Block: h + attn(ln_1(h)), then
//   h + mlp(ln_2(h)); ln_f at the end. Conv1D: y = x @ W + b with W [nx (in), nf (out)]. GPT2Attention: q, k, v =
//   c_attn(h).split(embed_dim, dim=2), heads of head_dim = embed_dim // num_heads, scores q.k / sqrt(head_dim) when
//   scale_attn_weights (else unscaled), causal mask, softmax, merge heads, c_proj. GPT2MLP: c_proj(act(c_fc(h))),
//   act = ACT2FN[activation_function] (gelu_new: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))). nn.LayerNorm with
//   eps = layer_norm_epsilon. GPT2LMHeadModel ties lm_head to wte unless tie_word_embeddings is false. Checkpoint
//   names with or without "transformer.".
// - OPTDecoder: embed_tokens(input_ids) + embed_positions(...), OPTLearnedPositionalEmbedding: positions =
//   cumsum(attention_mask) * attention_mask - 1 (0..T-1 without padding), looked up at positions + 2.
//   OPTDecoderLayer (do_layer_norm_before): h + out_proj(attn(self_attn_layer_norm(h))), then
//   h + fc2(act(fc1(final_layer_norm(h)))), act = relu by default; decoder.final_layer_norm at the end. OPTAttention
//   scaling = head_dim ** -0.5, biases = enable_bias. nn.LayerNorm's default eps 1e-5. lm_head tied to embed_tokens.
import type { HubTensor } from './models.ts';

type Cfg = Record<string, unknown>;

const geluNew = (x: number) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));
const ACT2FN: Record<string, (x: number) => number> = { gelu_new: geluNew, gelu_pytorch_tanh: geluNew, relu: (x) => Math.max(0, x) };

const pick = (c: Cfg, keys: string[], d: number): number => {
  for (const k of keys) if (typeof c[k] === 'number') return c[k] as number;
  return d;
};

function tensor(ts: Map<string, HubTensor>, name: string): HubTensor {
  const t = ts.get(name);
  if (!t) throw new Error(`gpt2/opt reference: missing tensor ${name}`);
  return t;
}

/** nn.LayerNorm over one row. */
function layerNorm(x: Float64Array, w: Float64Array, b: Float64Array, eps: number): Float64Array {
  const n = x.length;
  const mean = x.reduce((s, v) => s + v, 0) / n;
  const variance = x.reduce((s, v) => s + (v - mean) ** 2, 0) / n;
  return x.map((v, i) => ((v - mean) / Math.sqrt(variance + eps)) * w[i] + b[i]);
}

/** Conv1D: y[j] = sum_i x[i] W[i, j] + b[j], W [nx, nf]. */
function conv1d(W: HubTensor, b: HubTensor | undefined, x: Float64Array): Float64Array {
  const [nx, nf] = W.shape;
  const y = new Float64Array(nf);
  for (let j = 0; j < nf; j++) {
    let s = b ? b.data[j] : 0;
    for (let i = 0; i < nx; i++) s += x[i] * W.data[i * nf + j];
    y[j] = s;
  }
  return y;
}

/** nn.Linear: y = W x + b, W [out, in]. */
function nnLinear(W: HubTensor, b: HubTensor | undefined, x: Float64Array): Float64Array {
  const [out, inp] = W.shape;
  const y = new Float64Array(out);
  for (let o = 0; o < out; o++) {
    let s = b ? b.data[o] : 0;
    for (let i = 0; i < inp; i++) s += W.data[o * inp + i] * x[i];
    y[o] = s;
  }
  return y;
}

/** Causal softmax attention of one layer: q, k, v [T][H] split into heads of D. */
function causalAttention(q: Float64Array[], k: Float64Array[], v: Float64Array[], heads: number, D: number, scaling: number): Float64Array[] {
  return q.map((qi, i) => {
    const ctx = new Float64Array(heads * D);
    for (let h = 0; h < heads; h++) {
      const s: number[] = [];
      for (let j = 0; j <= i; j++) {
        let dot = 0;
        for (let d = 0; d < D; d++) dot += qi[h * D + d] * k[j][h * D + d];
        s.push(dot * scaling);
      }
      const m = Math.max(...s), e = s.map((x) => Math.exp(x - m)), z = e.reduce((a, b) => a + b, 0);
      for (let j = 0; j <= i; j++) for (let d = 0; d < D; d++) ctx[h * D + d] += (e[j] / z) * v[j][h * D + d];
    }
    return ctx;
  });
}

export function gpt2OptLogits(config: Cfg, ts: Map<string, HubTensor>, tokens: number[]): Float64Array[] {
  const gpt2 = config.model_type === 'gpt2';
  const act = ACT2FN[(config.activation_function as string | undefined) ?? (gpt2 ? 'gelu_new' : 'relu')];
  if (!act) throw new Error(`gpt2/opt reference: activation ${String(config.activation_function)}`);
  const E = gpt2 ? pick(config, ['n_embd', 'hidden_size'], 768) : pick(config, ['hidden_size'], 768);
  const heads = gpt2 ? pick(config, ['n_head', 'num_attention_heads'], 12) : pick(config, ['num_attention_heads'], 12);
  const layers = gpt2 ? pick(config, ['n_layer', 'num_hidden_layers'], 12) : pick(config, ['num_hidden_layers'], 12);
  const D = Math.floor(E / heads);
  const eps = gpt2 ? pick(config, ['layer_norm_epsilon'], 1e-5) : 1e-5;
  const tied = config.tie_word_embeddings !== false;
  const p = gpt2 ? (ts.has('transformer.wte.weight') ? 'transformer.' : '') : (ts.has('model.decoder.embed_tokens.weight') ? 'model.decoder.' : 'decoder.');
  const get = (name: string) => tensor(ts, p + name);
  const has = (name: string) => ts.has(p + name);
  const ln = (x: Float64Array, name: string) => layerNorm(x, get(name + '.weight').data, get(name + '.bias').data, eps);

  const wte = get(gpt2 ? 'wte.weight' : 'embed_tokens.weight');
  const wpe = get(gpt2 ? 'wpe.weight' : 'embed_positions.weight');
  const offset = gpt2 ? 0 : 2;
  const x = tokens.map((tok, pos) => Float64Array.from({ length: E }, (_, d) => wte.data[tok * E + d] + wpe.data[(pos + offset) * E + d]));
  for (let l = 0; l < layers; l++) {
    const q: Float64Array[] = [], k: Float64Array[] = [], v: Float64Array[] = [];
    for (const xt of x) {
      if (gpt2) {
        const h = ln(xt, `h.${l}.ln_1`);
        const qkv = conv1d(get(`h.${l}.attn.c_attn.weight`), get(`h.${l}.attn.c_attn.bias`), h);
        q.push(qkv.slice(0, E)); k.push(qkv.slice(E, 2 * E)); v.push(qkv.slice(2 * E, 3 * E));
      } else {
        const h = ln(xt, `layers.${l}.self_attn_layer_norm`);
        const a = `layers.${l}.self_attn.`;
        const bias = (n: string) => (has(a + n + '.bias') ? get(a + n + '.bias') : undefined);
        q.push(nnLinear(get(a + 'q_proj.weight'), bias('q_proj'), h));
        k.push(nnLinear(get(a + 'k_proj.weight'), bias('k_proj'), h));
        v.push(nnLinear(get(a + 'v_proj.weight'), bias('v_proj'), h));
      }
    }
    const scaling = gpt2 && config.scale_attn_weights === false ? 1 : D ** -0.5;
    const ctx = causalAttention(q, k, v, heads, D, scaling);
    x.forEach((xt, t) => {
      const o = gpt2 ? conv1d(get(`h.${l}.attn.c_proj.weight`), get(`h.${l}.attn.c_proj.bias`), ctx[t])
        : nnLinear(get(`layers.${l}.self_attn.out_proj.weight`), has(`layers.${l}.self_attn.out_proj.bias`) ? get(`layers.${l}.self_attn.out_proj.bias`) : undefined, ctx[t]);
      for (let d = 0; d < E; d++) xt[d] += o[d];
      let m: Float64Array;
      if (gpt2) {
        const h = ln(xt, `h.${l}.ln_2`);
        m = conv1d(get(`h.${l}.mlp.c_proj.weight`), get(`h.${l}.mlp.c_proj.bias`), conv1d(get(`h.${l}.mlp.c_fc.weight`), get(`h.${l}.mlp.c_fc.bias`), h).map(act));
      } else {
        const f = `layers.${l}.`;
        const bias = (n: string) => (has(f + n + '.bias') ? get(f + n + '.bias') : undefined);
        const h = ln(xt, f + 'final_layer_norm');
        m = nnLinear(get(f + 'fc2.weight'), bias('fc2'), nnLinear(get(f + 'fc1.weight'), bias('fc1'), h).map(act));
      }
      for (let d = 0; d < E; d++) xt[d] += m[d];
    });
  }
  const head = tied ? wte : tensor(ts, 'lm_head.weight');
  return x.map((xt) => nnLinear(head, undefined, ln(xt, gpt2 ? 'ln_f' : 'final_layer_norm')));
}
