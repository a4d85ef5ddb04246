// stories260K in all four formats: same spec, and every decoded tensor of the llama2.c legacy, llama2.c v1 and
// GGUF files equals the HF safetensors tensor bit for bit (after the interleaved -> rotate_half q/k transform).
// This is what pins down the tensor orders of each format.
import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readTensorF32 } from '../../src/core/formats/decode-tensor.ts';
import { loadModel } from '../../src/core/formats/load-model.ts';
import { fileSource, pathSources } from '../../src/core/formats/node-file-source.ts';
import type { LoadedModel } from '../../src/core/model/loaded-model.ts';
import { tensorNames } from '../../src/core/model/spec.ts';
import { STORIES_HF, STORIES_L2C } from './fixtures.ts';

let hf: LoadedModel;
beforeAll(async () => { hf = await loadModel(await pathSources(STORIES_HF)); });

function bits(a: Float32Array): Uint32Array {
  return new Uint32Array(a.buffer, a.byteOffset, a.length);
}

describe('stories260K HF folder', () => {
  it('loads with the README shape', () => {
    expect(hf.format).toBe('hf-safetensors');
    expect(hf.spec).toEqual({
      architecture: 'llama', hiddenSize: 64, intermediateSize: 172, numLayers: 5, numHeads: 8, numKvHeads: 4, headDim: 8,
      vocabSize: 512, maxPositions: 512, rmsNormEps: 1e-5, ropeTheta: 10000, tieWordEmbeddings: true, attentionBias: false,
      bosTokenId: 1, eosTokenId: 2,
    });
    expect(hf.tensors.size).toBe(47);
    expect(hf.dtype).toBe('F32');
    expect(hf.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(hf.files).toEqual(['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json']);
    expect(hf.tokenizer.addBos).toBe(true);
    expect(hf.tokenizer.bosId).toBe(1);
    expect(hf.tokenizer.eosId).toBe(2);
    expect(hf.tokenizer.vocabSize).toBe(512);
  });
});

const cases = [
  { label: 'llama2.c legacy', files: ['stories260K.bin', 'tok512.bin'], format: 'llama2c-legacy' },
  { label: 'llama2.c version 1', files: ['stories260K.v1.bin', 'tok512.bin'], format: 'llama2c-v1' },
  { label: 'GGUF', files: ['stories260K.gguf'], format: 'gguf' },
] as const;

describe.each(cases)('stories260K $label', ({ files, format }) => {
  let m: LoadedModel;
  beforeAll(async () => { m = await loadModel(await Promise.all(files.map((f) => fileSource(resolve(STORIES_L2C, f))))); });

  it('has the same spec as the HF copy', () => {
    expect(m.format).toBe(format);
    const { maxPositions, tieWordEmbeddings, ...rest } = m.spec;
    const { maxPositions: hfMax, tieWordEmbeddings: hfTie, ...hfRest } = hf.spec;
    expect(rest).toEqual(hfRest);
    // The GGUF conversion recorded context_length 2048 and stores a separate (identical) output.weight.
    expect(maxPositions).toBe(format === 'gguf' ? 2048 : hfMax);
    expect(tieWordEmbeddings).toBe(format === 'gguf' ? false : hfTie);
    expect(m.files).toEqual([...files]);
  });

  it('decodes every tensor bit-identical to the HF safetensors', async () => {
    for (const [name, entry] of m.tensors) {
      const ref = name === tensorNames.lmHead ? hf.tensors.get(tensorNames.embed)! : hf.tensors.get(name)!;
      expect(entry.shape, name).toEqual(ref.shape);
      const got = await readTensorF32(entry);
      const want = await readTensorF32(ref);
      expect(bits(got), name).toEqual(bits(want));
    }
    const hfNames = [...hf.tensors.keys()].sort();
    const names = [...m.tensors.keys()].filter((n) => n !== tensorNames.lmHead).sort();
    expect(names).toEqual(hfNames);
  });

  it('really needs the q/k transform (stored rows differ from HF order)', async () => {
    const q = m.tensors.get(tensorNames.layer(0).q)!;
    const raw = await readTensorF32({ ...q, transform: undefined });
    expect(bits(raw)).not.toEqual(bits(await readTensorF32(hf.tensors.get(q.name)!)));
  });

  it('marks q/k (and only q/k) with the interleaved -> half transform', () => {
    for (const [name, entry] of m.tensors) {
      const isQ = name.endsWith('q_proj.weight');
      const isK = name.endsWith('k_proj.weight');
      expect(entry.transform, name).toEqual(isQ ? { kind: 'rope-interleaved-to-half', heads: 8 } : isK ? { kind: 'rope-interleaved-to-half', heads: 4 } : undefined);
    }
  });

  it('tokenizer matches the HF one on specials', () => {
    expect(m.tokenizer.bosId).toBe(1);
    expect(m.tokenizer.eosId).toBe(2);
    expect(m.tokenizer.addBos).toBe(true);
    expect(m.tokenizer.vocabSize).toBe(512);
  });
});

describe('fingerprint', () => {
  it('is stable across loads and equal for llama2.c legacy and v1 (same spec, same tensor table)', async () => {
    const again = await loadModel(await pathSources(STORIES_HF));
    expect(again.fingerprint).toBe(hf.fingerprint);
    const legacy = await loadModel(await pathSources(resolve(STORIES_L2C, 'stories260K.bin')));
    const v1 = await loadModel(await pathSources(resolve(STORIES_L2C, 'stories260K.v1.bin')));
    expect(legacy.fingerprint).toBe(v1.fingerprint);
    expect(legacy.fingerprint).toBe(hf.fingerprint); // llama2.c: same spec (max 512, tied) and same tensor table
  });
});

describe('pathSources', () => {
  it('adds the sibling llama2.c tokenizer to a single checkpoint path', async () => {
    const names = (await pathSources(resolve(STORIES_L2C, 'stories260K.bin'))).map((s) => s.name);
    expect(names).toEqual(['stories260K.bin', 'tok512.bin']);
  });
  it('gives a GGUF file alone', async () => {
    expect((await pathSources(resolve(STORIES_L2C, 'stories260K.gguf'))).map((s) => s.name)).toEqual(['stories260K.gguf']);
  });
  it('two llama2.c checkpoints at once are refused, naming both', async () => {
    const srcs = await Promise.all(['stories260K.bin', 'stories260K.v1.bin', 'tok512.bin'].map((f) => fileSource(resolve(STORIES_L2C, f))));
    await expect(loadModel(srcs)).rejects.toThrow(/several llama2.c checkpoints given \(stories260K.bin, stories260K.v1.bin\)/);
  });
  it('a folder holding a .gguf loads the GGUF', async () => {
    expect((await loadModel(await pathSources(STORIES_L2C))).format).toBe('gguf');
  });
});
