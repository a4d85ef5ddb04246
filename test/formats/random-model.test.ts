// The seeded random-model generator round-trips through loadModel (Qwen2-shaped BF16: biases, untied head,
// GQA, head_dim != hidden/heads, rope_theta 1e6) and is deterministic per seed.
import { describe, expect, it } from 'vitest';
import { bytesSource } from '../../src/core/formats/byte-source.ts';
import { readTensorF32 } from '../../src/core/formats/decode-tensor.ts';
import { bf16BitsToF32, f16BitsToF32, f32ToBf16Bits, f32ToF16Bits } from '../../src/core/formats/float-codec.ts';
import { loadModel } from '../../src/core/formats/load-model.ts';
import { randomHfModel, randomModelSources } from '../../src/core/model/random-model.ts';
import { expectedShapes, type ModelSpec, tensorNames } from '../../src/core/model/spec.ts';

const qwen: ModelSpec = {
  architecture: 'qwen2', hiddenSize: 96, intermediateSize: 160, numLayers: 2, numHeads: 4, numKvHeads: 2, headDim: 32,
  vocabSize: 300, maxPositions: 512, rmsNormEps: 1e-6, ropeTheta: 1e6, tieWordEmbeddings: false, attentionBias: true,
  bosTokenId: null, eosTokenId: null,
};

describe('randomHfModel', () => {
  it('round-trips a Qwen2-shaped BF16 model through loadModel', async () => {
    const m = await loadModel(randomModelSources(qwen, { seed: 7, dtype: 'BF16' }), { requireTokenizer: false });
    expect(m.format).toBe('hf-safetensors');
    expect(m.spec).toEqual(qwen);
    expect(m.dtype).toBe('BF16');
    expect([...m.tensors.keys()]).toEqual([...expectedShapes(qwen).keys()]);
    expect(m.tensors.has(tensorNames.lmHead)).toBe(true);
    expect(m.tensors.get(tensorNames.layer(1).kBias)!.shape).toEqual([64]);
    expect(m.tensors.get(tensorNames.layer(0).q)!.shape).toEqual([128, 96]);
    const norm = await readTensorF32(m.tensors.get(tensorNames.finalNorm)!);
    expect(norm.every((v) => v >= 0.89 && v <= 1.11)).toBe(true);
    const bias = await readTensorF32(m.tensors.get(tensorNames.layer(0).qBias)!);
    expect(bias.every((v) => Math.abs(v) <= 0.1 && v !== 0)).toBe(true);
    const q = await readTensorF32(m.tensors.get(tensorNames.layer(0).q)!);
    const a = Math.sqrt(3 / 96);
    expect(q.every((v) => Math.abs(v) <= a * 1.01)).toBe(true);
    const std = Math.sqrt(q.reduce((s, v) => s + v * v, 0) / q.length);
    expect(std).toBeGreaterThan(0.8 / Math.sqrt(96));
    expect(std).toBeLessThan(1.2 / Math.sqrt(96));
  });

  it('is deterministic per seed, and the same seed gives the same values in every dtype (then rounded)', async () => {
    const a = randomHfModel(qwen, { seed: 11, dtype: 'BF16' });
    expect(randomHfModel(qwen, { seed: 11, dtype: 'BF16' }).safetensors).toEqual(a.safetensors);
    expect(randomHfModel(qwen, { seed: 12, dtype: 'BF16' }).safetensors).not.toEqual(a.safetensors);
    const load = (dtype: 'F32' | 'F16' | 'BF16') => loadModel(randomModelSources(qwen, { seed: 11, dtype }), { requireTokenizer: false });
    const [f32, f16, bf16] = await Promise.all([load('F32'), load('F16'), load('BF16')]);
    expect(f16.fingerprint).toBe(f32.fingerprint); // dtype is not part of the architecture
    for (const name of [tensorNames.embed, tensorNames.layer(1).down, tensorNames.layer(0).vBias]) {
      const ref = await readTensorF32(f32.tensors.get(name)!);
      expect(await readTensorF32(bf16.tensors.get(name)!)).toEqual(ref.map((v) => bf16BitsToF32(f32ToBf16Bits(v))));
      expect(await readTensorF32(f16.tensors.get(name)!)).toEqual(ref.map((v) => f16BitsToF32(f32ToF16Bits(v))));
    }
  });

  it('writes a config.json transformers would read the same way', () => {
    const c = JSON.parse(randomHfModel({ ...qwen, numLayers: 1 }, { seed: 1, dtype: 'F16' }).configJson);
    expect(c).toMatchObject({ model_type: 'qwen2', architectures: ['Qwen2ForCausalLM'], head_dim: 32, num_key_value_heads: 2,
      rope_theta: 1e6, tie_word_embeddings: false, torch_dtype: 'float16', hidden_act: 'silu' });
  });

  it('a tied llama model has no lm_head and loads via raw bytesSource too', async () => {
    const tied = { ...qwen, architecture: 'llama' as const, attentionBias: false, tieWordEmbeddings: true };
    const { configJson, safetensors } = randomHfModel(tied, { seed: 5, dtype: 'F32', scale: 0.5 });
    const m = await loadModel([bytesSource(new TextEncoder().encode(configJson), 'config.json'), bytesSource(safetensors, 'model.safetensors')], { requireTokenizer: false });
    expect(m.spec).toEqual(tied);
    expect(m.tensors.has(tensorNames.lmHead)).toBe(false);
    expect(m.tensors.has(tensorNames.layer(0).qBias)).toBe(false);
  });
});
