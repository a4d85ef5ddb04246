// config.json -> ModelSpec: defaults as transformers applies them, typed errors for what Prunelab cannot run.
import { describe, expect, it } from 'vitest';
import { parseHfConfig, specToHfConfig } from '../../src/core/formats/hf-config.ts';
import { BadModelFile, UnsupportedArchitecture } from '../../src/core/errors.ts';

const base = { model_type: 'llama', hidden_size: 64, intermediate_size: 172, num_hidden_layers: 2, num_attention_heads: 8, vocab_size: 512 };
const parse = (extra: Record<string, unknown> = {}) => parseHfConfig(JSON.stringify({ ...base, ...extra }));

describe('parseHfConfig', () => {
  it('fills llama defaults like transformers', () => {
    expect(parse()).toEqual({
      architecture: 'llama', hiddenSize: 64, intermediateSize: 172, numLayers: 2, numHeads: 8, numKvHeads: 8, headDim: 8,
      vocabSize: 512, maxPositions: 2048, rmsNormEps: 1e-6, ropeTheta: 10000, tieWordEmbeddings: false, attentionBias: false,
      bosTokenId: null, eosTokenId: null,
    });
  });

  it('reads explicit values, GQA, head_dim != hidden/heads, llama attention_bias and list-valued eos', () => {
    const s = parse({ num_key_value_heads: 2, head_dim: 32, rope_theta: 500000, rms_norm_eps: 1e-5, max_position_embeddings: 8192,
      tie_word_embeddings: true, attention_bias: true, bos_token_id: 128000, eos_token_id: [128001, 128009] });
    expect(s).toMatchObject({ numKvHeads: 2, headDim: 32, ropeTheta: 500000, rmsNormEps: 1e-5, maxPositions: 8192,
      tieWordEmbeddings: true, attentionBias: true, oProjBias: true, bosTokenId: 128000, eosTokenId: 128001 });
    expect(s.mlpBias).toBeUndefined();
  });

  it('llama mlp_bias gives gate/up/down biases; attention_bias and mlp_bias are written back as read', () => {
    const s = parse({ attention_bias: true, mlp_bias: true });
    expect(s).toMatchObject({ attentionBias: true, oProjBias: true, mlpBias: true });
    expect(parseHfConfig(JSON.stringify(specToHfConfig(s)))).toEqual(s);
    expect(specToHfConfig(s)).toMatchObject({ attention_bias: true, mlp_bias: true });
    // An o_proj bias without q/k/v ones, or MLP biases in a qwen2 config, cannot be expressed.
    expect(() => specToHfConfig({ ...s, attentionBias: false })).toThrow(UnsupportedArchitecture);
    expect(() => specToHfConfig({ ...parse({ model_type: 'qwen2' }), mlpBias: true })).toThrow(/MLP biases true cannot be expressed in a qwen2 config/);
  });

  it('qwen2 always has q/k/v biases; mistral never; both default to untied', () => {
    expect(parse({ model_type: 'qwen2' })).toMatchObject({ architecture: 'qwen2', attentionBias: true, tieWordEmbeddings: false, maxPositions: 32768 });
    expect(parse({ model_type: 'qwen2', tie_word_embeddings: true }).tieWordEmbeddings).toBe(true);
    expect(parse({ model_type: 'mistral', attention_bias: true })).toMatchObject({ architecture: 'mistral', attentionBias: false });
  });

  it('accepts rope_scaling null / absent / rope_type "default", and hidden_act swish (= silu)', () => {
    expect(() => parse({ rope_scaling: null })).not.toThrow();
    expect(() => parse({ rope_scaling: { rope_type: 'default' } })).not.toThrow();
    expect(() => parse({ hidden_act: 'swish' })).not.toThrow();
  });

  it.each([
    [{ model_type: 'gpt_neox' }, /Unsupported architecture "gpt_neox"/],
    [{ rope_scaling: { type: 'ntk-by-parts', factor: 2 } }, /rope_scaling.type "ntk-by-parts" is not implemented \(implemented: default, linear/],
    [{ rope_parameters: { rope_type: 'mrope', rope_theta: 1e6 } }, /rope_parameters.rope_type "mrope"/],
    [{ rope_scaling: { rope_type: 'linear', factor: 2, mrope_section: [1, 2] } }, /rope key "mrope_section" of rope type "linear"/],
    [{ rope_parameters: { full_attention: { rope_type: 'default' }, sliding_attention: { rope_type: 'default' } } }, /rope_parameters per layer type/],
    [{ layer_types: ['full_attention', 'chunked_attention'] }, /layer_types\[1\] "chunked_attention"/],
    [{ layer_types: ['full_attention', 'sliding_attention'] }, /"sliding_attention" is not part of llama/],
    [{ partial_rotary_factor: 0.5 }, /partial_rotary_factor 0.5 \(llama rotates whole heads\)/],
    [{ hidden_act: 'gelu' }, /hidden_act "gelu"/],
    [{ dtype: 'float8_e4m3fn' }, /dtype "float8_e4m3fn"/],
    [{ model_type: 'qwen2', mlp_bias: true }, /mlp_bias true \(MLP biases\) is not part of qwen2/],
    [{ no_rope_layers: [1, 0] }, /config key "no_rope_layers" is not part of llama/],
  ])('rejects %j with UnsupportedArchitecture', (extra, message) => {
    expect(() => parse(extra)).toThrow(UnsupportedArchitecture);
    expect(() => parse(extra)).toThrow(message);
  });

  it('reads RoPE from transformers 5 rope_parameters and from transformers 4 rope_theta / rope_scaling alike', () => {
    const llama3 = { factor: 32, low_freq_factor: 1, high_freq_factor: 4, original_max_position_embeddings: 8192 };
    const v5 = parse({ rope_parameters: { rope_type: 'llama3', rope_theta: 500000, ...llama3 }, dtype: 'bfloat16' });
    const v4 = parse({ rope_theta: 500000, rope_scaling: { rope_type: 'llama3', ...llama3 }, torch_dtype: 'bfloat16' });
    const older = parse({ rope_theta: 500000, rope_scaling: { type: 'llama3', ...llama3 } });
    expect(v5).toEqual(v4);
    expect(older).toEqual(v4);
    expect(v5).toMatchObject({ ropeTheta: 500000, ropeScaling: { type: 'llama3', factor: 32, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositions: 8192 } });
    // rope_theta only under rope_parameters is never replaced by the default (the Qwen2 bug).
    expect(parse({ model_type: 'qwen2', rope_parameters: { rope_type: 'default', rope_theta: 1e6 } }).ropeTheta).toBe(1e6);
    expect(parse({ rope_parameters: { rope_type: 'default', rope_theta: 1e6 }, rope_theta: 1e6 }).ropeTheta).toBe(1e6);
    // yarn / longrope defaults as transformers fills them; Phi-3's top-level original_max_position_embeddings.
    expect(parse({ max_position_embeddings: 131072, rope_parameters: { rope_type: 'yarn', rope_theta: 1e6, factor: 4, original_max_position_embeddings: 32768 } }).ropeScaling)
      .toEqual({ type: 'yarn', factor: 4, originalMaxPositions: 32768, betaFast: 32, betaSlow: 1, truncate: true });
    expect(parse({ head_dim: 8, max_position_embeddings: 4096, original_max_position_embeddings: 1024,
      rope_scaling: { type: 'longrope', short_factor: [1, 1, 1, 1], long_factor: [2, 2, 2, 2] } }).ropeScaling)
      .toEqual({ type: 'longrope', shortFactor: [1, 1, 1, 1], longFactor: [2, 2, 2, 2], factor: 4, originalMaxPositions: 1024 });
  });

  it('refuses RoPE and dtype values given twice with different values, and malformed RoPE parameters', () => {
    expect(() => parse({ rope_theta: 10000, rope_parameters: { rope_type: 'default', rope_theta: 1e6 } }))
      .toThrow('rope_theta is given twice with different values: rope_parameters.rope_theta = 1000000 but rope_theta = 10000');
    expect(() => parse({ dtype: 'bfloat16', torch_dtype: 'float32' })).toThrow(/"dtype" "bfloat16" and "torch_dtype" "float32" disagree/);
    expect(() => parse({ rope_parameters: { rope_type: 'llama3', rope_theta: 5e5, factor: 8, original_max_position_embeddings: 8192 } })).toThrow(/rope type "llama3" needs rope_parameters.low_freq_factor/);
    expect(() => parse({ rope_scaling: { type: 'linear' } })).toThrow(/rope type "linear" needs rope_scaling.factor/);
    expect(() => parse({ rope_scaling: { type: 'longrope', short_factor: [1], long_factor: [1, 1, 1, 1] } }))
      .toThrow(/rope_scaling.short_factor must be 4 positive numbers/);
    expect(() => parse({ rope_scaling: 'linear' })).toThrow(BadModelFile);
  });

  it('reads qwen3, smollm3 and the sliding-window layers each config class derives', () => {
    expect(parse({ model_type: 'qwen3', head_dim: 16 })).toMatchObject({ architecture: 'qwen3', qkNorm: true, headDim: 16, attentionBias: false, tieWordEmbeddings: false });
    expect(parse({ model_type: 'qwen3', attention_bias: true })).toMatchObject({ attentionBias: true, oProjBias: true });
    // SmolLM3: NoPE every 4th layer by default (no_rope_layer_interval 4), tied, rope_theta 2e6 by default.
    const smol = parse({ model_type: 'smollm3', num_hidden_layers: 8 });
    expect(smol).toMatchObject({ noRopeLayers: [3, 7], tieWordEmbeddings: true, ropeTheta: 2e6 });
    expect(parse({ model_type: 'smollm3', no_rope_layers: [0, 1] }).noRopeLayers).toEqual([0]);
    // Qwen2: layers from max_window_layers slide only with use_sliding_window; mistral: every layer, 4096 by default.
    expect(parse({ model_type: 'qwen2', sliding_window: 16, max_window_layers: 1 }).slidingLayers).toBeUndefined();
    expect(parse({ model_type: 'qwen2', use_sliding_window: true, sliding_window: 16, max_window_layers: 1 }))
      .toMatchObject({ slidingWindow: 16, slidingLayers: [1] });
    expect(parse({ model_type: 'qwen3', use_sliding_window: true, sliding_window: 16, layer_types: ['sliding_attention', 'full_attention'] }))
      .toMatchObject({ slidingWindow: 16, slidingLayers: [0] });
    expect(parse({ model_type: 'mistral' })).toMatchObject({ slidingWindow: 4096, slidingLayers: [0, 1] });
    expect(parse({ model_type: 'mistral', sliding_window: null }).slidingLayers).toBeUndefined();
    for (const spec of [smol, parse({ model_type: 'mistral' }), parse({ model_type: 'qwen3', use_sliding_window: true, sliding_window: 16, max_window_layers: 1 })]) {
      for (const layout of ['transformers4', 'transformers5'] as const) expect(parseHfConfig(JSON.stringify(specToHfConfig(spec, layout)))).toEqual(spec);
    }
  });

  it.each(['model_type', 'hidden_size', 'intermediate_size', 'num_hidden_layers', 'num_attention_heads', 'vocab_size'])(
    'names the missing required key %s', (key) => {
      const c: Record<string, unknown> = { ...base };
      delete c[key];
      expect(() => parseHfConfig(JSON.stringify(c))).toThrow(BadModelFile);
      expect(() => parseHfConfig(JSON.stringify(c))).toThrow(`config.json: missing required key "${key}"`);
    });

  it.each([
    [{ hidden_size: '64' }, /"hidden_size" must be an integer >= 1, got "64"/],
    [{ num_hidden_layers: 0 }, /"num_hidden_layers" must be an integer >= 1/],
    [{ num_key_value_heads: 3 }, /not a multiple of num_key_value_heads 3/],
    [{ hidden_size: 60 }, /not divisible by num_attention_heads 8 and no head_dim/],
    [{ head_dim: 7 }, /head_dim 7 must be even/],
    [{ rms_norm_eps: -1 }, /"rms_norm_eps" must be a positive number/],
  ])('rejects bad values %j with BadModelFile', (extra, message) => {
    expect(() => parse(extra)).toThrow(BadModelFile);
    expect(() => parse(extra)).toThrow(message);
  });

  it('rejects text that is not JSON, or not an object', () => {
    expect(() => parseHfConfig('{"model_type": llama')).toThrow(/^config.json: not valid JSON/);
    expect(() => parseHfConfig('{"model_type": llama')).toThrow(BadModelFile);
    expect(() => parseHfConfig('[1]')).toThrow(/top level is not a JSON object/);
  });

  it('specToHfConfig round-trips through parseHfConfig', () => {
    for (const arch of ['llama', 'mistral', 'qwen2'] as const) {
      const spec = { ...parse({ num_key_value_heads: 2, head_dim: 16, tie_word_embeddings: true, bos_token_id: 1, eos_token_id: 2 }), architecture: arch, attentionBias: arch === 'qwen2' };
      expect(parseHfConfig(JSON.stringify(specToHfConfig(spec)))).toEqual(spec);
    }
  });
});
