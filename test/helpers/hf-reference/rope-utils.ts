// RoPE inverse frequencies and attention scaling in float64, written from transformers' modeling_rope_utils.py
// (transformers 5, with the transformers 4 config layouts it still reads), NOT from the product's
// src/core/formats/hf-config.ts / hf-rope-config.ts, which this reference exists to check. Input: the raw
// config.json object.
//
// Followed: PreTrainedConfig.standardize_rope_params (legacy rope_theta + rope_scaling folded into one parameter
// dict; rope_type from `rope_type` or legacy `type`), _compute_default_rope_parameters,
// _compute_linear_scaling_rope_parameters, _compute_dynamic_ntk_parameters (+ dynamic_rope_update: the
// frequencies are recomputed only for sequences longer than max_position_embeddings),
// _compute_yarn_parameters (get_mscale, find_correction_range with `truncate`, linear_ramp_factor),
// _compute_longrope_parameters (+ longrope_frequency_update: long factors beyond the original context),
// _compute_llama3_parameters; Gemma3TextConfig (v5: rope_parameters per layer type; v4: rope_theta / rope_scaling
// for full attention, rope_local_base_freq for sliding layers) and Phi3Config (legacy 'su' / 'yarn' mean longrope,
// original_max_position_embeddings at the top level).

type Cfg = Record<string, unknown>;
export type LayerType = 'full_attention' | 'sliding_attention';

export interface RopeAtLength { invFreq: Float64Array; attentionScaling: number; rotaryDim: number }

const isObj = (v: unknown): v is Cfg => typeof v === 'object' && v !== null && !Array.isArray(v);
const need = (v: unknown, what: string): number => {
  if (typeof v !== 'number') throw new Error(`rope reference: ${what} missing`);
  return v;
};

/** The parameter dict transformers 5 uses for a layer type (standardize_rope_params of the raw config). */
function ropeParameters(c: Cfg, layerType: LayerType): Cfg {
  const rp = c.rope_parameters;
  if (isObj(rp)) {
    // Per-layer-type dicts (Gemma 3 in transformers 5) or one dict for every layer.
    if (isObj(rp.full_attention) || isObj(rp.sliding_attention)) {
      const own = rp[layerType];
      if (!isObj(own)) throw new Error(`rope reference: rope_parameters has no ${layerType}`);
      return own;
    }
    return rp;
  }
  // transformers 4 layouts.
  if (c.model_type === 'gemma3_text' && layerType === 'sliding_attention') {
    return { rope_type: 'default', rope_theta: c.rope_local_base_freq ?? 10000 };
  }
  const scaling = isObj(c.rope_scaling) ? c.rope_scaling : {};
  return { ...scaling, rope_theta: c.rope_theta ?? 10000, rope_type: scaling.rope_type ?? scaling.type ?? 'default' };
}

function frequencies(base: number, dim: number): Float64Array {
  const f = new Float64Array(dim / 2);
  for (let i = 0; i < f.length; i++) f[i] = 1 / base ** ((2 * i) / dim);
  return f;
}

export function ropeFor(config: Cfg, layerType: LayerType, seqLen: number): RopeAtLength {
  const rp = ropeParameters(config, layerType);
  let type = String(rp.rope_type ?? 'default');
  if (config.model_type === 'phi3' && (type === 'su' || type === 'yarn')) type = 'longrope';
  const base = need(rp.rope_theta, 'rope_theta');
  const headDim = typeof config.head_dim === 'number' && config.head_dim
    ? config.head_dim : Math.floor(need(config.hidden_size, 'hidden_size') / need(config.num_attention_heads, 'num_attention_heads'));
  const partial = (rp.partial_rotary_factor ?? config.partial_rotary_factor ?? 1) as number;
  const dim = Math.floor(headDim * partial);
  const maxPos = need(config.max_position_embeddings, 'max_position_embeddings');
  const original = (rp.original_max_position_embeddings ?? config.original_max_position_embeddings ?? maxPos) as number;
  const out = (invFreq: Float64Array, attentionScaling = 1): RopeAtLength => ({ invFreq, attentionScaling, rotaryDim: dim });

  switch (type) {
    case 'default':
      return out(frequencies(base, dim));
    case 'linear':
      return out(frequencies(base, dim).map((f) => f / need(rp.factor, 'factor')));
    case 'dynamic': {
      // dynamic_rope_update: the init frequencies (seq_len = max_position_embeddings, i.e. the default ones) serve
      // every sequence up to max_position_embeddings; longer ones recompute with their length.
      const factor = need(rp.factor, 'factor'), L = Math.max(seqLen, maxPos);
      const b = base * ((factor * L) / maxPos - (factor - 1)) ** (dim / (dim - 2));
      return out(frequencies(b, dim));
    }
    case 'llama3': {
      const factor = need(rp.factor, 'factor'), low = need(rp.low_freq_factor, 'low_freq_factor');
      const high = need(rp.high_freq_factor, 'high_freq_factor'), old = need(rp.original_max_position_embeddings, 'original_max_position_embeddings');
      const lowWave = old / low, highWave = old / high;
      return out(frequencies(base, dim).map((f) => {
        const wave = (2 * Math.PI) / f;
        if (wave < highWave) return f;
        if (wave > lowWave) return f / factor;
        const smooth = (old / wave - low) / (high - low);
        return (1 - smooth) * (f / factor) + smooth * f;
      }));
    }
    case 'yarn': {
      const factor = (rp.factor ?? maxPos / original) as number;
      const mscale = rp.mscale as number | undefined, mscaleAll = rp.mscale_all_dim as number | undefined;
      const getMscale = (s: number, m = 1) => (s <= 1 ? 1 : 0.1 * m * Math.log(s) + 1);
      const attention = (rp.attention_factor as number | undefined)
        ?? (mscale && mscaleAll ? getMscale(factor, mscale) / getMscale(factor, mscaleAll) : getMscale(factor));
      const betaFast = (rp.beta_fast as number | undefined) || 32, betaSlow = (rp.beta_slow as number | undefined) || 1;
      const correctionDim = (rot: number) => (dim * Math.log(original / (rot * 2 * Math.PI))) / (2 * Math.log(base));
      const truncate = rp.truncate === undefined ? true : !!rp.truncate;
      let lo = correctionDim(betaFast), hi = correctionDim(betaSlow);
      if (truncate) { lo = Math.floor(lo); hi = Math.ceil(hi); }
      lo = Math.max(lo, 0); hi = Math.min(hi, dim - 1);
      if (lo === hi) hi += 0.001;
      const extrapolation = frequencies(base, dim);
      return out(extrapolation.map((fe, i) => {
        const ramp = Math.min(1, Math.max(0, (i - lo) / (hi - lo)));
        const keep = 1 - ramp; // the extrapolation factor: 1 keeps the original frequency
        return (fe / factor) * (1 - keep) + fe * keep;
      }), attention);
    }
    case 'longrope': {
      const factor = (rp.factor ?? maxPos / original) as number;
      const attention = (rp.attention_factor as number | undefined)
        ?? (factor <= 1 ? 1 : Math.sqrt(1 + Math.log(factor) / Math.log(original)));
      const ext = (seqLen > original ? rp.long_factor : rp.short_factor) as number[];
      if (!Array.isArray(ext) || ext.length !== dim / 2) throw new Error(`rope reference: longrope factors must have ${dim / 2} entries`);
      return out(frequencies(base, dim).map((f, i) => f / ext[i]), attention);
    }
    default:
      throw new Error(`rope reference: rope type ${type} not implemented`);
  }
}

/** rotate_half RoPE on the first rotaryDim dims of one head vector at `pos` (cos / sin times the attention scaling). */
export function applyRope(vec: Float64Array, pos: number, rope: RopeAtLength, at = 0): void {
  const half = rope.invFreq.length;
  for (let d = 0; d < half; d++) {
    const a = pos * rope.invFreq[d], c = Math.cos(a) * rope.attentionScaling, s = Math.sin(a) * rope.attentionScaling;
    const x1 = vec[at + d], x2 = vec[at + d + half];
    vec[at + d] = x1 * c - x2 * s;
    vec[at + d + half] = x2 * c + x1 * s;
  }
}
