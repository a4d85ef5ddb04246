// Gemma 3 and Phi-3 config.json as the Hub ships them (values of google/gemma-3-270m, microsoft/Phi-3-mini-4k-instruct,
// Phi-3-mini-128k-instruct and Phi-4-mini-instruct, written by transformers 4 and re-saved by 5): read to the spec
// transformers builds, the class defaults used only for absent keys, and typed errors where a key is ambiguous.
import { describe, expect, it } from 'vitest';
import { parseHfConfig, specToHfConfig } from '../../src/core/formats/hf-config.ts';
import { BadModelFile, UnsupportedArchitecture } from '../../src/core/errors.ts';
import { layerRope } from '../../src/core/model/rope.ts';
import { describeLayerPattern } from '../../src/core/model/describe-architecture.ts';

const layerTypes = (n: number, every: number) => Array.from({ length: n }, (_, i) => ((i + 1) % every ? 'sliding_attention' : 'full_attention'));
const gemma270m = {
  architectures: ['Gemma3ForCausalLM'], attention_bias: false, attn_logit_softcapping: null, bos_token_id: 2, eos_token_id: 1,
  final_logit_softcapping: null, head_dim: 256, hidden_activation: 'gelu_pytorch_tanh', hidden_size: 640, intermediate_size: 2048,
  layer_types: layerTypes(18, 6), max_position_embeddings: 32768, model_type: 'gemma3_text', num_attention_heads: 4, num_hidden_layers: 18,
  num_key_value_heads: 1, pad_token_id: 0, query_pre_attn_scalar: 256, rms_norm_eps: 1e-6, rope_local_base_freq: 10000.0, rope_scaling: null,
  rope_theta: 1000000.0, sliding_window: 512, torch_dtype: 'bfloat16', use_bidirectional_attention: false, vocab_size: 262144,
};
const gemmaV5 = (() => {
  const { rope_local_base_freq: _l, rope_scaling: _s, rope_theta: _t, torch_dtype: _d, ...rest } = gemma270m;
  return { ...rest, dtype: 'bfloat16', rope_parameters: { full_attention: { rope_type: 'default', rope_theta: 1e6 },
    sliding_attention: { rope_type: 'default', rope_theta: 10000 } } };
})();
const parse = (c: object) => parseHfConfig(JSON.stringify(c));

describe('gemma3_text config', () => {
  it('reads gemma-3-270m as transformers builds it: 5 sliding : 1 global, two RoPE bases, (1 + w) sandwich norms, GeGLU, scales', () => {
    const s = parse(gemma270m);
    expect(s).toMatchObject({ architecture: 'gemma3_text', hiddenSize: 640, numLayers: 18, numHeads: 4, numKvHeads: 1, headDim: 256,
      ropeTheta: 1e6, slidingWindow: 512, slidingRope: { theta: 10000 }, qkNorm: true, normUnitOffset: true, sandwichNorms: true,
      mlpActivation: 'gelu_tanh', attentionScale: 1 / 16, tieWordEmbeddings: true, bosTokenId: 2, eosTokenId: 1, rmsNormEps: 1e-6 });
    expect(s.slidingLayers).toEqual([0, 1, 2, 3, 4, 6, 7, 8, 9, 10, 12, 13, 14, 15, 16]);
    expect(s.ropeScaling).toBeUndefined();
    expect(s.finalLogitSoftcap).toBeUndefined();
    // sqrt(640) = 25.298... as bfloat16 (7 mantissa bits): 25.25; Gemma3TextScaledWordEmbedding casts it to the weights' dtype.
    expect(s.embedScale).toBe(25.25);
    expect(parse({ ...gemma270m, torch_dtype: 'float32' }).embedScale).toBe(Math.fround(Math.sqrt(640)));
    expect(layerRope(s, 0)!.theta).toBe(10000);
    expect(layerRope(s, 5)!.theta).toBe(1e6);
    expect(describeLayerPattern(s)).toMatch(/0-4 RoPE \+ sliding window 512 · 5 RoPE \+ full attention.*pre \+ post norms.*\(1 \+ w\) norms.*GeGLU/);
  });

  it('reads the transformers 5 layout (rope_parameters per layer type, dtype) to the same spec', () => {
    expect(parse(gemmaV5)).toEqual(parse(gemma270m));
  });

  it('derives layer_types from sliding_window_pattern when absent, and scales only the global layers\' RoPE', () => {
    const { layer_types: _, ...noTypes } = gemma270m;
    expect(parse(noTypes).slidingLayers).toEqual(parse(gemma270m).slidingLayers);
    expect(parse({ ...noTypes, sliding_window_pattern: 2 }).slidingLayers).toEqual([0, 2, 4, 6, 8, 10, 12, 14, 16]);
    const s = parse({ ...gemma270m, rope_scaling: { rope_type: 'linear', factor: 8 } }); // Gemma 3 4B and up
    expect(layerRope(s, 5)!.scaling).toEqual({ type: 'linear', factor: 8 });
    expect(layerRope(s, 0)!.scaling).toEqual({ type: 'default' });
    expect(parse({ ...gemma270m, final_logit_softcapping: 30 }).finalLogitSoftcap).toBe(30);
  });

  it('uses Gemma3TextConfig\'s defaults for absent keys (head_dim 256, query_pre_attn_scalar 256, theta 1e6, local 10000, window 4096)', () => {
    const s = parse({ model_type: 'gemma3_text', hidden_size: 64, intermediate_size: 96, num_hidden_layers: 6, num_attention_heads: 2, vocab_size: 50 });
    expect(s).toMatchObject({ headDim: 256, attentionScale: 1 / 16, ropeTheta: 1e6, slidingRope: { theta: 10000 }, slidingWindow: 4096,
      slidingLayers: [0, 1, 2, 3, 4], maxPositions: 131072, tieWordEmbeddings: true, numKvHeads: 2 });
  });

  it('refuses what it cannot run or cannot tell apart, naming the key', () => {
    expect(() => parse({ ...gemmaV5, rope_local_base_freq: 20000 })).toThrow(BadModelFile);
    expect(() => parse({ ...gemmaV5, rope_local_base_freq: 20000 })).toThrow(/rope_theta is given twice/);
    const { hidden_activation: _, ...noAct } = gemma270m;
    expect(() => parse({ ...noAct, hidden_act: 'silu' })).toThrow(/"hidden_act" is "silu" but Gemma 3 reads "hidden_activation"/);
    expect(parse({ ...noAct, hidden_act: 'gelu_pytorch_tanh' }).mlpActivation).toBe('gelu_tanh');
    expect(() => parse({ ...gemma270m, hidden_activation: 'gelu' })).toThrow(UnsupportedArchitecture);
    expect(() => parse({ ...gemma270m, attn_logit_softcapping: 50 })).toThrow(/attn_logit_softcapping 50/);
    expect(() => parse({ ...gemma270m, use_bidirectional_attention: true })).toThrow(/use_bidirectional_attention/);
    expect(() => parse({ ...gemmaV5, rope_parameters: { ...gemmaV5.rope_parameters, chunked_attention: {} } })).toThrow(/"chunked_attention"/);
    expect(() => parse({ ...gemma270m, query_pre_attn_scalar: 0 })).toThrow(/query_pre_attn_scalar/);
  });

  it('writes configs that read back to the same spec, in both layouts', () => {
    for (const c of [gemma270m, { ...gemma270m, rope_scaling: { rope_type: 'linear', factor: 8 }, final_logit_softcapping: 30 }]) {
      const s = parse(c);
      for (const layout of ['transformers4', 'transformers5'] as const) {
        const written = specToHfConfig(s, layout);
        expect(parse({ ...written, [layout === 'transformers5' ? 'dtype' : 'torch_dtype']: 'bfloat16' })).toEqual(s);
      }
    }
    expect(() => specToHfConfig({ ...parse(gemma270m), sandwichNorms: false })).toThrow(/sandwichNorms false cannot be expressed/);
  });
});

const phi3mini4k = {
  architectures: ['Phi3ForCausalLM'], attention_dropout: 0.0, bos_token_id: 1, embd_pdrop: 0.0, eos_token_id: 32000, hidden_act: 'silu',
  hidden_size: 3072, initializer_range: 0.02, intermediate_size: 8192, max_position_embeddings: 4096, model_type: 'phi3',
  num_attention_heads: 32, num_hidden_layers: 32, num_key_value_heads: 32, original_max_position_embeddings: 4096, pad_token_id: 32000,
  resid_pdrop: 0.0, rms_norm_eps: 1e-5, rope_scaling: null, rope_theta: 10000.0, sliding_window: 2047, tie_word_embeddings: false,
  torch_dtype: 'bfloat16', vocab_size: 32064,
};
const factors = (n: number, v: number) => Array.from({ length: n }, (_, i) => v + i / 10);

describe('phi3 config', () => {
  it('reads Phi-3-mini-4k: every layer slides (sliding_window 2047), eps 1e-5, untied, whole-head RoPE', () => {
    const s = parse(phi3mini4k);
    expect(s).toMatchObject({ architecture: 'phi3', headDim: 96, rmsNormEps: 1e-5, slidingWindow: 2047, tieWordEmbeddings: false, ropeTheta: 10000 });
    expect(s.slidingLayers).toHaveLength(32);
    expect(s.rotaryDim).toBeUndefined();
    expect(s.qkNorm).toBeUndefined();
  });

  it('reads Phi-3-mini-128k\'s longrope (legacy type "su" too) with the top-level original context, factor = max / original', () => {
    const c = { ...phi3mini4k, max_position_embeddings: 131072, sliding_window: 262144,
      rope_scaling: { type: 'su', long_factor: factors(48, 1), short_factor: factors(48, 1.5) } };
    const s = parse(c);
    expect(s.ropeScaling).toMatchObject({ type: 'longrope', originalMaxPositions: 4096, factor: 32 });
    expect(parse({ ...c, rope_scaling: { ...c.rope_scaling, type: 'longrope' } })).toEqual(s);
    // Phi3Config's own default for the original context is 4096, not max_position_embeddings.
    const { original_max_position_embeddings: _, ...noOrig } = c;
    expect(parse(noOrig).ropeScaling).toMatchObject({ originalMaxPositions: 4096, factor: 32 });
  });

  it('reads Phi-4-mini\'s partial rotary (0.75 of head_dim 128 = 96 dims, 48 factors each) and its tied embeddings', () => {
    const s = parse({ ...phi3mini4k, hidden_size: 3072, num_attention_heads: 24, num_key_value_heads: 8, partial_rotary_factor: 0.75,
      max_position_embeddings: 131072, sliding_window: 262144, tie_word_embeddings: true, vocab_size: 200064,
      rope_scaling: { type: 'longrope', long_factor: factors(48, 1), short_factor: factors(48, 1) } });
    expect(s).toMatchObject({ headDim: 128, rotaryDim: 96, numKvHeads: 8, tieWordEmbeddings: true });
    // head_dim 96 x 0.75 = 72 rotated dimensions: 36 factors, not 48.
    expect(() => parse({ ...phi3mini4k, partial_rotary_factor: 0.75, rope_scaling: { type: 'longrope', long_factor: factors(36, 1),
      short_factor: factors(48, 1) } })).toThrow(/short_factor must be 36 positive numbers/);
  });

  it('writes configs that read back to the same spec, in both layouts', () => {
    const s = parse({ ...phi3mini4k, partial_rotary_factor: 0.5, max_position_embeddings: 8192,
      rope_scaling: { type: 'longrope', long_factor: factors(24, 1), short_factor: factors(24, 2) } });
    for (const layout of ['transformers4', 'transformers5'] as const) {
      const written = specToHfConfig(s, layout);
      expect(written.original_max_position_embeddings).toBe(4096);
      expect(parse({ ...written, torch_dtype: undefined, dtype: undefined, [layout === 'transformers5' ? 'dtype' : 'torch_dtype']: 'bfloat16' })).toEqual(s);
    }
    expect(() => parse({ ...phi3mini4k, hidden_act: 'gelu' })).toThrow(UnsupportedArchitecture);
  });
});
