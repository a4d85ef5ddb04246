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
    [{ model_type: 'qwen3' }, /"qwen3"/],
    [{ rope_scaling: { type: 'linear', factor: 2 } }, /rope_scaling "linear" is not implemented/],
    [{ rope_scaling: { rope_type: 'llama3', factor: 8 } }, /rope_scaling "llama3"/],
    [{ hidden_act: 'gelu' }, /hidden_act "gelu"/],
    [{ model_type: 'qwen2', mlp_bias: true }, /mlp_bias true \(MLP biases\) is only implemented for llama/],
  ])('rejects %j with UnsupportedArchitecture', (extra, message) => {
    expect(() => parse(extra)).toThrow(UnsupportedArchitecture);
    expect(() => parse(extra)).toThrow(message);
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
