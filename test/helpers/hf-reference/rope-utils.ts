// RoPE inverse frequencies and attention scaling in float64, written from Hugging Face transformers' own code, NOT
// from the product's src/core/formats/hf-config.ts / hf-rope-config.ts (which this reference exists to check): it
// imports nothing from src/. Input: the raw config.json object.
//
// Followed (transformers 5, src/transformers/modeling_rope_utils.py unless named otherwise):
// - RotaryEmbeddingConfigMixin.convert_rope_params_to_dict / standardize_rope_params: `rope_scaling or
//   rope_parameters`, rope_theta set by default from the top level, rope_type from `rope_type` or legacy `type`;
//   for llama3 / yarn / longrope a top-level original_max_position_embeddings wins over the dict's own (the dict's,
//   else max_position_embeddings, otherwise); a top-level partial_rotary_factor is copied in.
// - the models' compute_default_rope_parameters and _compute_linear_scaling_rope_parameters,
//   _compute_dynamic_ntk_parameters, _compute_llama3_parameters, _compute_yarn_parameters (get_mscale,
//   find_correction_dim / find_correction_range with `truncate`, linear_ramp_factor), _compute_longrope_parameters.
// - dynamic_rope_update on a freshly built model: dynamic_frequency_update recomputes only when
//   seq_len = max(position_ids) + 1 > max_position_embeddings (max_seq_len_cached at init); longrope_frequency_update
//   takes the long factors when seq_len > original_max_position_embeddings, the short ones otherwise.
// - Gemma3TextConfig.convert_rope_params_to_dict: rope_parameters per layer type; a legacy rope_scaling is merged
//   into full_attention's {"rope_type": "default"}; rope_theta (default 1e6) for full_attention,
//   rope_local_base_freq (default 1e4) for sliding_attention.
// - Phi3Config: legacy rope types "su" / "yarn" become "longrope"; only "default" / "longrope" validate;
//   original_max_position_embeddings is a config field (default 4096). Phi3's apply_rotary_pos_emb is the only
//   partial rotary here (rotary_dim = cos.shape[-1]); the other families rotate the whole head, so a
//   partial_rotary_factor other than 1 elsewhere is refused.
// - apply_rotary_pos_emb / rotate_half and RotaryEmbedding.forward (cos/sin = emb.cos() / emb.sin() times
//   attention_scaling).
// For a transformers 4 config layout (no rope_parameters) the same numbers are also computed as transformers 4.57
// reads that layout (rope_scaling only; longrope: original = top-level original_max_position_embeddings and factor =
// max_position_embeddings / original, else original = max_position_embeddings; yarn: rope_scaling's original or
// max_position_embeddings; Gemma3RotaryEmbedding: rope_scaling's `rope_type` or `type`, rope_local_base_freq on
// sliding layers with the default RoPE). Where 4.57 and 5 disagree ropeFor throws instead of choosing one.

type Cfg = Record<string, unknown>;
export type LayerType = 'full_attention' | 'sliding_attention';

export interface RopeAtLength { invFreq: Float64Array; attentionScaling: number; rotaryDim: number }

/** A RoPE as one transformers version resolves it from the config, ready for its init function. */
interface Resolved {
  type: string;
  p: Cfg;              // the layer's parameter dict (factor, low_freq_factor, short_factor, mscale, ...)
  theta: number;
  dim: number;         // int(head_dim * partial_rotary_factor)
  maxPos: number;      // config.max_position_embeddings
  original: number;    // pretraining context for llama3 / yarn / longrope
  factor?: number;     // yarn / longrope factor after that version's fallbacks
  truncate: boolean;   // yarn
}

const isObj = (v: unknown): v is Cfg => typeof v === 'object' && v !== null && !Array.isArray(v);
/** Python truthiness of a dict (`rope_scaling or rope_parameters`). */
const nonEmpty = (v: unknown): v is Cfg => isObj(v) && Object.keys(v).length > 0;
const num = (v: unknown, what: string): number => {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`rope reference: ${what} is ${JSON.stringify(v)}, not a number`);
  return v;
};
const has = (o: Cfg, k: string) => Object.prototype.hasOwnProperty.call(o, k);
const typeOf = (p: Cfg) => String(p.rope_type ?? p.type ?? 'default');

function headDim(c: Cfg): number {
  // getattr(config, "head_dim", None) or hidden_size // num_attention_heads
  if (typeof c.head_dim === 'number' && c.head_dim) return c.head_dim;
  return Math.floor(num(c.hidden_size, 'hidden_size') / num(c.num_attention_heads, 'num_attention_heads'));
}

function rotaryDim(c: Cfg, partial: number): number {
  if (partial !== 1 && c.model_type !== 'phi3') {
    throw new Error(`rope reference: partial_rotary_factor ${partial} on ${String(c.model_type)} (only Phi3 rotates part of the head here)`);
  }
  const dim = Math.trunc(headDim(c) * partial);
  if (dim < 2 || dim % 2) throw new Error(`rope reference: rotary dim ${dim} is not a positive even number`);
  return dim;
}

/** Phi3Config's aliases and validation; other models keep the type. */
function modelRopeType(c: Cfg, type: string): string {
  if (c.model_type !== 'phi3') return type;
  const t = type === 'su' || type === 'yarn' ? 'longrope' : type;
  if (t !== 'default' && t !== 'longrope') throw new Error(`rope reference: Phi3Config refuses rope type ${type}`);
  return t;
}

/** config.original_max_position_embeddings as an attribute: Phi3Config always has it (default 4096). */
function topLevelOriginal(c: Cfg): number | undefined {
  if (has(c, 'original_max_position_embeddings')) return num(c.original_max_position_embeddings, 'original_max_position_embeddings');
  return c.model_type === 'phi3' ? 4096 : undefined;
}

const SCALED_WITH_ORIGINAL = ['llama3', 'yarn', 'longrope'];

/** transformers 5: the config as convert_rope_params_to_dict + standardize_rope_params leave it, then what each
 *  init function reads from it. */
function resolveV5(c: Cfg, layerType: LayerType): Resolved {
  const maxPos = num(c.max_position_embeddings, 'max_position_embeddings');
  let p: Cfg, truncateFrom: Cfg, perLayer: boolean;
  if (c.model_type === 'gemma3_text') {
    const given = isObj(c.rope_parameters) ? c.rope_parameters : {};
    const full: Cfg = { ...(isObj(given.full_attention) ? given.full_attention : { rope_type: 'default' }) };
    if (isObj(c.rope_scaling)) Object.assign(full, c.rope_scaling); // .update(rope_scaling): a legacy `type` alone leaves rope_type "default"
    if (!has(full, 'rope_theta')) full.rope_theta = c.rope_theta ?? 1_000_000;
    const sliding: Cfg = { ...(isObj(given.sliding_attention) ? given.sliding_attention : { rope_type: 'default' }) };
    if (!has(sliding, 'rope_theta')) sliding.rope_theta = c.rope_local_base_freq ?? 10_000;
    p = layerType === 'full_attention' ? full : sliding;
    truncateFrom = given; perLayer = true; // yarn reads config.rope_parameters.get("truncate"): the outer dict here
  } else {
    const src = nonEmpty(c.rope_scaling) ? c.rope_scaling : isObj(c.rope_parameters) ? c.rope_parameters : {};
    if (Object.keys(src).length && Object.keys(src).every((k) => k === 'full_attention' || k === 'sliding_attention')) {
      throw new Error(`rope reference: rope_parameters per layer type on ${String(c.model_type)} (its RotaryEmbedding takes one dict)`);
    }
    p = { ...src };
    if (!has(p, 'rope_theta')) {
      // Each config class has its own default_theta; every real config states it.
      if (c.rope_theta === undefined) throw new Error('rope reference: rope_theta missing');
      p.rope_theta = c.rope_theta;
    }
    truncateFrom = p; perLayer = false;
  }
  const type = modelRopeType(c, typeOf(p));
  // partial_rotary_factor: standardize_rope_params copies the top-level attribute over the dict's value, while a
  // default-type compute_default_rope_parameters reads the dict as convert_rope_params_to_dict filled it (the dict's
  // own value first). They only disagree when both are given and differ.
  const top = c.partial_rotary_factor, own = p.partial_rotary_factor;
  if (top !== undefined && own !== undefined && top !== own) {
    throw new Error(`rope reference: partial_rotary_factor ${String(top)} at the top level but ${String(own)} in the RoPE parameters`);
  }
  const dim = rotaryDim(c, num(top ?? own ?? 1, 'partial_rotary_factor'));
  let original = maxPos;
  if (SCALED_WITH_ORIGINAL.includes(type)) {
    const topOrig = perLayer ? undefined : topLevelOriginal(c); // Case 2 (per layer type) only setdefaults
    original = topOrig ?? (p.original_max_position_embeddings === undefined ? maxPos : num(p.original_max_position_embeddings, 'original_max_position_embeddings'));
  }
  let factor: number | undefined;
  if (type === 'yarn') {
    if (!has(p, 'factor')) throw new Error('rope reference: yarn needs factor'); // rope_parameters_dict["factor"]
    factor = p.factor === null ? maxPos / original : num(p.factor, 'factor');
  } else if (type === 'longrope') {
    factor = p.factor == null ? maxPos / original : num(p.factor, 'factor');
  }
  const truncate = has(truncateFrom, 'truncate') ? !!truncateFrom.truncate : true;
  return { type, p, theta: num(p.rope_theta, 'rope_theta'), dim, maxPos, original, factor, truncate };
}

/** transformers 4.57 on a transformers 4 layout: config.rope_theta / rope_scaling / partial_rotary_factor read
 *  directly by the init functions, each with its own idea of the original context. */
function resolveV4(c: Cfg, layerType: LayerType): Resolved {
  const maxPos = num(c.max_position_embeddings, 'max_position_embeddings');
  const rs: Cfg = isObj(c.rope_scaling) ? c.rope_scaling : {};
  let p: Cfg = rs, theta: unknown = c.rope_theta, type: string;
  if (c.model_type === 'gemma3_text') {
    if (layerType === 'sliding_attention') { p = {}; theta = c.rope_local_base_freq ?? 10_000; type = 'default'; }
    else { theta = c.rope_theta ?? 1_000_000; type = typeOf(rs); }
  } else {
    type = modelRopeType(c, typeOf(rs));
  }
  const dim = rotaryDim(c, num(c.partial_rotary_factor ?? 1, 'partial_rotary_factor'));
  let original = maxPos, factor: number | undefined;
  if (type === 'llama3') original = num(p.original_max_position_embeddings, 'original_max_position_embeddings');
  if (type === 'yarn') {
    original = p.original_max_position_embeddings ? num(p.original_max_position_embeddings, 'original_max_position_embeddings') : maxPos;
    factor = num(p.factor, 'factor');
  }
  if (type === 'longrope') {
    const top = topLevelOriginal(c);
    if (top) { original = top; factor = maxPos / top; } else factor = num(p.factor, 'factor');
  }
  const truncate = has(p, 'truncate') ? !!p.truncate : true;
  return { type, p, theta: num(theta, 'rope_theta'), dim, maxPos, original, factor, truncate };
}

/** 1 / base ** (arange(0, dim, 2) / dim) */
function frequencies(base: number, dim: number): Float64Array {
  const f = new Float64Array(dim / 2);
  for (let i = 0; i < f.length; i++) f[i] = 1 / base ** ((2 * i) / dim);
  return f;
}

/** get_mscale */
const mscaleOf = (scale: number, m = 1) => (scale <= 1 ? 1 : 0.1 * m * Math.log(scale) + 1);

function compute(r: Resolved, seqLen: number): { invFreq: Float64Array; attention: number } {
  const { p, theta, dim, maxPos, original } = r;
  switch (r.type) {
    case 'default':
      return { invFreq: frequencies(theta, dim), attention: 1 };
    case 'linear': {
      const factor = num(p.factor, 'factor');
      return { invFreq: frequencies(theta, dim).map((f) => f / factor), attention: 1 };
    }
    case 'dynamic': {
      // The init frequencies (seq_len = max_position_embeddings: the default ones) serve every forward up to
      // max_position_embeddings; a longer one recomputes with its own length.
      const factor = num(p.factor, 'factor'), L = Math.max(seqLen, maxPos);
      const base = theta * ((factor * L) / maxPos - (factor - 1)) ** (dim / (dim - 2));
      return { invFreq: frequencies(base, dim), attention: 1 };
    }
    case 'llama3': {
      const factor = num(p.factor, 'factor'), low = num(p.low_freq_factor, 'low_freq_factor');
      const high = num(p.high_freq_factor, 'high_freq_factor');
      const lowWavelen = original / low, highWavelen = original / high;
      const invFreq = frequencies(theta, dim).map((f) => {
        const wavelen = (2 * Math.PI) / f;
        if (wavelen < highWavelen) return f;
        if (wavelen > lowWavelen) return f / factor;
        const smooth = (original / wavelen - low) / (high - low);
        return ((1 - smooth) * f) / factor + smooth * f;
      });
      return { invFreq, attention: 1 };
    }
    case 'yarn': {
      const factor = r.factor!;
      const m = p.mscale as number | undefined, mAll = p.mscale_all_dim as number | undefined;
      const attention = p.attention_factor != null ? num(p.attention_factor, 'attention_factor')
        : m && mAll ? mscaleOf(factor, m) / mscaleOf(factor, mAll) : mscaleOf(factor);
      const betaFast = (p.beta_fast as number | undefined) || 32, betaSlow = (p.beta_slow as number | undefined) || 1;
      const correctionDim = (rotations: number) => (dim * Math.log(original / (rotations * 2 * Math.PI))) / (2 * Math.log(theta));
      let low = correctionDim(betaFast), high = correctionDim(betaSlow);
      if (r.truncate) { low = Math.floor(low); high = Math.ceil(high); }
      low = Math.max(low, 0); high = Math.min(high, dim - 1);
      if (low === high) high += 0.001; // linear_ramp_factor's singularity guard
      const invFreq = frequencies(theta, dim).map((f, i) => {
        const ramp = Math.min(1, Math.max(0, (i - low) / (high - low)));
        const extrapolation = 1 - ramp; // inv_freq_extrapolation_factor
        return (f / factor) * (1 - extrapolation) + f * extrapolation;
      });
      return { invFreq, attention };
    }
    case 'longrope': {
      const factor = r.factor!;
      const attention = p.attention_factor != null ? num(p.attention_factor, 'attention_factor')
        : factor <= 1 ? 1 : Math.sqrt(1 + Math.log(factor) / Math.log(original));
      const ext = (seqLen > original ? p.long_factor : p.short_factor) as unknown;
      if (!Array.isArray(ext) || ext.length !== dim / 2) throw new Error(`rope reference: longrope factors must be lists of ${dim / 2} numbers`);
      return { invFreq: frequencies(theta, dim).map((f, i) => f / num(ext[i], 'a longrope factor')), attention };
    }
    default:
      throw new Error(`rope reference: rope type ${r.type} not implemented`);
  }
}

/** The inverse frequencies transformers uses for a layer of the given type, for a forward over `seqLen` positions
 *  (dynamic NTK and longrope depend on it, as in transformers' dynamic_rope_update). For families with one RoPE
 *  (all but gemma3_text) both layer types get that RoPE. */
export function ropeFor(config: Record<string, unknown>, layerType: LayerType, seqLen: number): RopeAtLength {
  if (config.model_type === 'gemma3') throw new Error('rope reference: a gemma3 (multimodal) config; pass its text_config');
  const v5 = resolveV5(config, layerType), out5 = compute(v5, seqLen);
  if (config.rope_parameters == null) {
    const v4 = resolveV4(config, layerType), out4 = compute(v4, seqLen);
    const close = (a: number, b: number) => Math.abs(a - b) <= 1e-12 * Math.max(Math.abs(a), Math.abs(b));
    if (v4.dim !== v5.dim || !close(out4.attention, out5.attention) || out4.invFreq.some((f, i) => !close(f, out5.invFreq[i]))) {
      throw new Error(`rope reference: transformers 4.57 and 5 read this transformers 4 config differently (${layerType}, ` +
        `${seqLen} positions): ${v4.type} / ${v5.type}, attention ${out4.attention} / ${out5.attention}, ` +
        `inv_freq ${Array.from(out4.invFreq).join(',')} / ${Array.from(out5.invFreq).join(',')}`);
    }
  }
  return { invFreq: out5.invFreq, attentionScaling: out5.attention, rotaryDim: v5.dim };
}

/** Applies rotate_half RoPE (transformers' apply_rotary_pos_emb, with partial rotary: only the first rotaryDim dims
 *  rotate) in place to one head vector at position pos: x * cos + rotate_half(x) * sin over those dims, cos / sin
 *  times attentionScaling. Pass a subarray to rotate one head of a larger buffer. */
export function applyRope(vec: Float64Array, pos: number, rope: RopeAtLength): void {
  const half = rope.invFreq.length;
  if (rope.rotaryDim !== 2 * half || vec.length < rope.rotaryDim) {
    throw new Error(`rope reference: rotaryDim ${rope.rotaryDim}, ${half} frequencies, head of ${vec.length}`);
  }
  for (let d = 0; d < half; d++) {
    const a = pos * rope.invFreq[d], c = Math.cos(a) * rope.attentionScaling, s = Math.sin(a) * rope.attentionScaling;
    const x1 = vec[d], x2 = vec[d + half];
    vec[d] = x1 * c - x2 * s;
    vec[d + half] = x2 * c + x1 * s;
  }
}
