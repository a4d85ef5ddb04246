// Hand-checkable cases for the float64 RoPE reference (rope-utils.ts), which follows transformers'
// modeling_rope_utils.py: compute_default_rope_parameters, _compute_linear_scaling_rope_parameters,
// _compute_dynamic_ntk_parameters, _compute_llama3_parameters, _compute_yarn_parameters, _compute_longrope_parameters,
// dynamic_rope_update, standardize_rope_params, and Gemma3TextConfig / Phi3Config's convert_rope_params_to_dict.
// The expected numbers come from the formulas by hand, not from the product, so a wrong reference cannot
// agree with a wrong engine here.
import { describe, expect, it } from 'vitest';
import { applyRope, ropeFor } from './rope-utils.ts';

// head_dim 8 (hidden 32 / 4 heads), theta 10000: the default frequencies are 10000^(-2i/8) = 1, 0.1, 0.01, 0.001.
const llama = (extra: Record<string, unknown>) => ({
  model_type: 'llama', hidden_size: 32, num_attention_heads: 4, max_position_embeddings: 64, rope_theta: 10000, ...extra,
});
const close = (got: Float64Array, want: number[]) => want.forEach((w, i) => expect(got[i]).toBeCloseTo(w, 12));

describe('rope reference (transformers modeling_rope_utils, float64)', () => {
  it('default RoPE: 1 / theta^(2i/d), no attention scaling, the whole head rotates', () => {
    const r = ropeFor(llama({}), 'full_attention', 10);
    close(r.invFreq, [1, 0.1, 0.01, 0.001]);
    expect([r.attentionScaling, r.rotaryDim]).toEqual([1, 8]);
  });

  it('linear divides every frequency by the factor (v4 rope_scaling and v5 rope_parameters alike)', () => {
    const v4 = ropeFor(llama({ rope_scaling: { type: 'linear', factor: 2.5 } }), 'full_attention', 10);
    const v5 = ropeFor(llama({ rope_theta: undefined, rope_parameters: { rope_type: 'linear', factor: 2.5, rope_theta: 10000 } }), 'full_attention', 10);
    close(v4.invFreq, [0.4, 0.04, 0.004, 0.0004]);
    expect(v5.invFreq).toEqual(v4.invFreq);
  });

  it('dynamic NTK keeps the default frequencies up to max_position_embeddings, then rescales the base', () => {
    const c = llama({ max_position_embeddings: 16, rope_scaling: { rope_type: 'dynamic', factor: 2 } });
    close(ropeFor(c, 'full_attention', 16).invFreq, [1, 0.1, 0.01, 0.001]);
    // 32 positions: base * (2 * 32 / 16 - 1)^(8 / 6) = 10000 * 3^(4/3); frequency i is base^(-i/4).
    const base = 10000 * 3 ** (4 / 3);
    close(ropeFor(c, 'full_attention', 32).invFreq, [0, 1, 2, 3].map((i) => base ** (-i / 4)));
  });

  it('llama3: high frequencies kept, low ones divided by factor, the middle one smoothed', () => {
    const c = llama({ rope_scaling: { rope_type: 'llama3', factor: 8, low_freq_factor: 1, high_freq_factor: 4, original_max_position_embeddings: 1024 } });
    // Wavelengths 2π·(1, 10, 100, 1000) against 1024 / 4 = 256 and 1024 / 1 = 1024: keep, keep, smooth, divide.
    // smooth = (1024 / (200π) - 1) / (4 - 1) = 0.2099155; (1 - smooth) · 0.01 / 8 + smooth · 0.01 = 0.0030867610.
    close(ropeFor(c, 'full_attention', 10).invFreq, [1, 0.1, 0.0030867609670113, 0.000125]);
  });

  it('yarn: ramp from find_correction_range, attention 0.1 ln(factor) + 1, mscale / mscale_all_dim ratio', () => {
    const scaling = { rope_type: 'yarn', factor: 4, original_max_position_embeddings: 16 };
    // Correction dims 8 ln(16 / (2π β)) / (2 ln 10000): -1.10 for β 32 (floor, clamp: 0), 0.41 for β 1 (ceil: 1),
    // so dimension 0 keeps its frequency and the others take frequency / 4.
    const r = ropeFor(llama({ rope_scaling: scaling }), 'full_attention', 10);
    close(r.invFreq, [1, 0.025, 0.0025, 0.00025]);
    expect(r.attentionScaling).toBeCloseTo(1 + 0.1 * Math.log(4), 14);
    const m = ropeFor(llama({ rope_scaling: { ...scaling, mscale: 1, mscale_all_dim: 0.5 } }), 'full_attention', 10);
    expect(m.attentionScaling).toBeCloseTo((0.1 * Math.log(4) + 1) / (0.05 * Math.log(4) + 1), 14);
  });

  it('longrope switches from short to long factors past original_max_position_embeddings', () => {
    // head_dim 4, theta 100: default frequencies 1, 0.1. Factor 64 / 16 = 4: attention sqrt(1 + ln 4 / ln 16) = sqrt(1.5).
    const c = { model_type: 'llama', hidden_size: 8, num_attention_heads: 2, max_position_embeddings: 64,
      rope_parameters: { rope_type: 'longrope', rope_theta: 100, short_factor: [1, 2], long_factor: [4, 8], original_max_position_embeddings: 16 } };
    const short = ropeFor(c, 'full_attention', 16), long = ropeFor(c, 'full_attention', 17);
    close(short.invFreq, [1, 0.05]);
    close(long.invFreq, [0.25, 0.0125]);
    expect([short.attentionScaling, long.attentionScaling]).toEqual([Math.sqrt(1.5), Math.sqrt(1.5)]);
  });

  it("Phi-3: legacy 'su' is longrope, the top-level original context (default 4096) decides, partial rotary", () => {
    const phi3 = { model_type: 'phi3', hidden_size: 32, num_attention_heads: 4, max_position_embeddings: 64, rope_theta: 10000,
      partial_rotary_factor: 0.5, original_max_position_embeddings: 16, rope_scaling: { type: 'su', short_factor: [1, 1], long_factor: [2, 4] } };
    const r = ropeFor(phi3, 'full_attention', 17);
    close(r.invFreq, [0.5, 0.0025]); // rotary dim 4: frequencies 1, 0.01, over the long factors
    expect(r.rotaryDim).toBe(4);
    // Without the top-level key Phi3Config's default 4096 is the original context: 17 positions stay short.
    const { original_max_position_embeddings: _, ...noOriginal } = phi3;
    close(ropeFor(noOriginal, 'full_attention', 17).invFreq, [1, 0.01]);
  });

  it('gemma3_text: the transformers 4 and 5 layouts give the same global (linear) and sliding (local base) RoPE', () => {
    const common = { model_type: 'gemma3_text', hidden_size: 32, num_attention_heads: 4, head_dim: 16, max_position_embeddings: 64 };
    const v4 = { ...common, rope_theta: 1e6, rope_scaling: { rope_type: 'linear', factor: 8 }, rope_local_base_freq: 10000 };
    const v5 = { ...common, rope_parameters: { full_attention: { rope_type: 'linear', factor: 8, rope_theta: 1e6 },
      sliding_attention: { rope_type: 'default', rope_theta: 10000 } } };
    for (const layer of ['full_attention', 'sliding_attention'] as const) expect(ropeFor(v5, layer, 24)).toEqual(ropeFor(v4, layer, 24));
    close(ropeFor(v4, 'sliding_attention', 24).invFreq, [1, 10 ** -0.5]); // 10000^(-2/16)
    close(ropeFor(v4, 'full_attention', 24).invFreq, [1 / 8, 1e6 ** (-1 / 8) / 8]);
  });

  it('refuses configs transformers 4.57 and 5 read differently', () => {
    // Gemma 3, legacy `type` only: 4.x reads linear, 5 merges it into {"rope_type": "default"}.
    expect(() => ropeFor({ model_type: 'gemma3_text', hidden_size: 32, num_attention_heads: 4, head_dim: 16, max_position_embeddings: 64,
      rope_theta: 1e6, rope_scaling: { type: 'linear', factor: 8 } }, 'full_attention', 8)).toThrow(/4\.57 and 5/);
    // longrope without a top-level original context: 4.x ignores rope_scaling's, 5 uses it.
    expect(() => ropeFor(llama({ rope_scaling: { rope_type: 'longrope', short_factor: [1, 1, 1, 1], long_factor: [2, 2, 2, 2],
      factor: 4, original_max_position_embeddings: 16 } }), 'full_attention', 8)).toThrow(/4\.57 and 5/);
  });

  it('applyRope rotates the pairs (d, d + rotaryDim / 2) of the first rotaryDim dims and leaves the rest', () => {
    const rope = { invFreq: new Float64Array([1, 0.01]), attentionScaling: 2, rotaryDim: 4 };
    const v = new Float64Array([1, 0, 0, 0, 5, 6, 7, 8]);
    applyRope(v, 1, rope);
    // x0' = (x0 cos 1 - x2 sin 1)·2, x2' = (x2 cos 1 + x0 sin 1)·2; dims 1 and 3 are zero; 4..7 pass through.
    close(v, [2 * Math.cos(1), 0, 2 * Math.sin(1), 0, 5, 6, 7, 8]);
  });
});
