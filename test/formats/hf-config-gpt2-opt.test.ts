// GPT-2 and OPT configs as the Hub ships them (gpt2, distilgpt2, facebook/opt-125m, opt-350m), the names
// GPT2Config accepts for each value, what the engine refuses by name, and Hub checkpoints that lie about shapes.
import { describe, expect, it } from 'vitest';
import { parseHfConfig, specToHfConfig } from '../../src/core/formats/hf-config.ts';
import { BadModelFile, UnsupportedArchitecture } from '../../src/core/errors.ts';
import { bytesSource } from '../../src/core/formats/byte-source.ts';
import { loadModel } from '../../src/core/formats/load-model.ts';
import { concatBytes, encodeSafetensors, readSafetensorsHeader } from '../../src/core/formats/safetensors.ts';
import { randomHfModel } from '../../src/core/model/random-model.ts';
import { tinyGpt2, tinyOpt } from '../helpers/architecture-cases.ts';

// config.json of openai-community/gpt2 (keys as published).
const GPT2 = {
  activation_function: 'gelu_new', architectures: ['GPT2LMHeadModel'], attn_pdrop: 0.1, bos_token_id: 50256, embd_pdrop: 0.1,
  eos_token_id: 50256, initializer_range: 0.02, layer_norm_epsilon: 1e-5, model_type: 'gpt2', n_ctx: 1024, n_embd: 768,
  n_head: 12, n_layer: 12, n_positions: 1024, resid_pdrop: 0.1, summary_activation: null, summary_first_dropout: 0.1,
  summary_proj_to_labels: true, summary_type: 'cls_index', summary_use_proj: true, task_specific_params: { 'text-generation': { do_sample: true, max_length: 50 } },
  vocab_size: 50257,
};
// config.json of facebook/opt-125m.
const OPT125 = {
  _name_or_path: 'facebook/opt-125m', activation_dropout: 0.0, activation_function: 'relu', architectures: ['OPTForCausalLM'],
  attention_dropout: 0.0, bos_token_id: 2, do_layer_norm_before: true, dropout: 0.1, eos_token_id: 2, ffn_dim: 3072,
  hidden_size: 768, init_std: 0.02, layerdrop: 0.0, max_position_embeddings: 2048, model_type: 'opt', num_attention_heads: 12,
  num_hidden_layers: 12, pad_token_id: 1, prefix: '</s>', torch_dtype: 'float16', transformers_version: '4.21.0.dev0',
  use_cache: true, vocab_size: 50272, word_embed_proj_dim: 768,
};
const parse = (c: object) => parseHfConfig(JSON.stringify(c));

describe('GPT-2 and OPT configs', () => {
  it('reads gpt2 and distilgpt2 (n_inner null: 4 x n_embd; tied; learned positions; LayerNorms; gelu_new)', () => {
    const s = parse(GPT2);
    expect(s).toMatchObject({ architecture: 'gpt2', hiddenSize: 768, intermediateSize: 3072, numLayers: 12, numHeads: 12, numKvHeads: 12,
      headDim: 64, vocabSize: 50257, maxPositions: 1024, rmsNormEps: 1e-5, learnedPositions: { offset: 0 }, layerNorm: true,
      plainMlp: true, mlpActivation: 'gelu_tanh', tieWordEmbeddings: true, attentionBias: true, oProjBias: true, mlpBias: true,
      bosTokenId: 50256, eosTokenId: 50256 });
    expect(s.attentionScale).toBeUndefined();
    expect(parse({ ...GPT2, n_layer: 6, n_inner: null }).numLayers).toBe(6);
    expect(parse({ ...GPT2, n_inner: 1000 }).intermediateSize).toBe(1000);
    // GPT2Config's attribute_map names are the same values.
    expect(parse({ model_type: 'gpt2', hidden_size: 64, num_attention_heads: 4, num_hidden_layers: 2, max_position_embeddings: 128 }))
      .toMatchObject({ hiddenSize: 64, numHeads: 4, numLayers: 2, maxPositions: 128, intermediateSize: 256 });
    expect(parse({ ...GPT2, scale_attn_weights: false }).attentionScale).toBe(1);
  });

  it('reads opt-125m (positions offset by 2, relu, every bias, LayerNorm eps 1e-5)', () => {
    expect(parse(OPT125)).toMatchObject({ architecture: 'opt', hiddenSize: 768, intermediateSize: 3072, numLayers: 12, numHeads: 12,
      headDim: 64, vocabSize: 50272, maxPositions: 2048, rmsNormEps: 1e-5, learnedPositions: { offset: 2 }, layerNorm: true,
      plainMlp: true, mlpActivation: 'relu', tieWordEmbeddings: true, attentionBias: true, mlpBias: true, bosTokenId: 2, eosTokenId: 2 });
    const noBias = parse({ ...OPT125, enable_bias: false });
    expect([noBias.attentionBias, noBias.oProjBias, noBias.mlpBias]).toEqual([false, undefined, undefined]);
  });

  it('refuses by name what the engine does not compute: OPT-350m, exact gelu, per-layer attention scaling, cross-attention', () => {
    const opt350 = { ...OPT125, do_layer_norm_before: false, word_embed_proj_dim: 512, hidden_size: 1024, ffn_dim: 4096, num_hidden_layers: 24, num_attention_heads: 16 };
    expect(() => parse(opt350)).toThrow(UnsupportedArchitecture);
    expect(() => parse(opt350)).toThrow(/do_layer_norm_before false .*OPT-350m/);
    expect(() => parse({ ...OPT125, word_embed_proj_dim: 512 })).toThrow(/word_embed_proj_dim 512 != hidden_size 768/);
    expect(() => parse({ ...GPT2, activation_function: 'gelu' })).toThrow(/activation_function "gelu" \(implemented: gelu_new, gelu_pytorch_tanh, relu\)/);
    expect(() => parse({ ...OPT125, activation_function: 'swish' })).toThrow(UnsupportedArchitecture);
    expect(() => parse({ ...GPT2, scale_attn_by_inverse_layer_idx: true })).toThrow(/scale_attn_by_inverse_layer_idx/);
    expect(() => parse({ ...GPT2, add_cross_attention: true })).toThrow(/add_cross_attention/);
    expect(() => parse({ ...OPT125, _remove_final_layer_norm: true })).toThrow(/_remove_final_layer_norm/);
  });

  it('never replaces a value present under another name: n_embd and hidden_size that disagree are refused, naming both', () => {
    expect(() => parse({ ...GPT2, hidden_size: 1024 })).toThrow(BadModelFile);
    expect(() => parse({ ...GPT2, hidden_size: 1024 })).toThrow(/"n_embd" 768 and "hidden_size" 1024 name the same value and disagree/);
    expect(parse({ ...GPT2, hidden_size: 768 }).hiddenSize).toBe(768);
    expect(() => parse({ ...GPT2, n_embd: 770 })).toThrow(/hidden size 770 is not divisible by the 12 attention heads/);
  });

  it('specToHfConfig writes each config class\'s own keys and reads back to the same spec', () => {
    for (const spec of [tinyGpt2, tinyOpt]) {
      const c = specToHfConfig(spec);
      expect(c.model_type).toBe(spec.architecture);
      const back = parseHfConfig(JSON.stringify(c));
      expect({ ...back, hubPrefix: spec.hubPrefix }).toEqual(spec);
    }
    expect(specToHfConfig(tinyGpt2)).toMatchObject({ n_embd: 32, n_head: 4, n_layer: 2, n_inner: 48, n_positions: 64, activation_function: 'gelu_new' });
    expect(specToHfConfig(tinyOpt)).toMatchObject({ hidden_size: 32, ffn_dim: 48, do_layer_norm_before: true, word_embed_proj_dim: 32, enable_bias: true });
    expect(() => specToHfConfig({ ...tinyGpt2, numHeads: 2 })).toThrow(/head_dim 8 != hidden \/ heads/);
  });
});

describe('GPT-2 / OPT checkpoints that do not match their config', () => {
  const rebuilt = async (spec: typeof tinyGpt2, edit: (name: string, shape: number[]) => number[] | null) => {
    const { configJson, safetensors } = randomHfModel(spec, { seed: 1, dtype: 'F32' });
    const header = await readSafetensorsHeader(bytesSource(safetensors, 'model.safetensors'));
    const st = concatBytes(encodeSafetensors([...header.tensors.values()].flatMap((t) => {
      const shape = edit(t.name, t.shape);
      return shape ? [{ name: t.name, dtype: 'F32' as const, shape, data: new Uint8Array(4 * shape.reduce((a, b) => a * b, 1)) }] : [];
    })));
    return loadModel([bytesSource(new TextEncoder().encode(configJson), 'config.json'), bytesSource(st, 'model.safetensors')], { requireTokenizer: false });
  };

  it('a c_attn that is not [hidden, 3 x hidden] names both shapes', async () => {
    const bad = rebuilt(tinyGpt2, (name, shape) => (name === 'h.1.attn.c_attn.weight' ? [32, 90] : shape));
    await expect(bad).rejects.toThrow(BadModelFile);
    await expect(rebuilt(tinyGpt2, (name, shape) => (name === 'h.1.attn.c_attn.weight' ? [32, 90] : shape)))
      .rejects.toThrow(/"h.1.attn.c_attn.weight" has shape \[32, 90\], expected \[32, 96\] from the model config: 3 maps side by side/);
  });

  it('a checkpoint without the architecture\'s embedding under any known prefix, or with a missing layer tensor, is refused by name', async () => {
    await expect(rebuilt(tinyGpt2, (name, shape) => (name === 'wte.weight' ? null : shape)))
      .rejects.toThrow(/missing tensor "wte.weight" or "transformer.wte.weight": not a gpt2 checkpoint/);
    await expect(rebuilt(tinyOpt, (name, shape) => (name === 'model.decoder.layers.1.fc2.bias' ? null : shape)))
      .rejects.toThrow(/missing tensor "model.decoder.layers.1.fc2.bias"/);
  });
});
