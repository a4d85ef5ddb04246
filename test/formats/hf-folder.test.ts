// HF folders: single file and sharded weights, tensor checks against the config, the tied-head fallback,
// tokenizer settings, and the errors for incomplete folders and unknown file sets.
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type ByteSource, bytesSource } from '../../src/core/formats/byte-source.ts';
import { loadModel } from '../../src/core/formats/load-model.ts';
import { concatBytes, encodeSafetensors, readSafetensorsHeader, type SafetensorsInput } from '../../src/core/formats/safetensors.ts';
import { randomHfModel } from '../../src/core/model/random-model.ts';
import { type ModelSpec, tensorNames } from '../../src/core/model/spec.ts';
import { BadModelFile } from '../../src/core/errors.ts';
import { STORIES_HF } from './fixtures.ts';

const spec: ModelSpec = {
  architecture: 'llama', hiddenSize: 16, intermediateSize: 24, numLayers: 2, numHeads: 4, numKvHeads: 2, headDim: 4,
  vocabSize: 40, maxPositions: 64, rmsNormEps: 1e-5, ropeTheta: 10000, tieWordEmbeddings: false, attentionBias: false,
  bosTokenId: 1, eosTokenId: 2,
};
const text = (s: string, name: string) => bytesSource(new TextEncoder().encode(s), name);

/** The random model's tensors as writer inputs, so tests can drop / reshape / shard them. */
async function tensorsOf(s: ModelSpec): Promise<{ configJson: string; tensors: SafetensorsInput[] }> {
  const m = randomHfModel(s, { seed: 3, dtype: 'F32' });
  const h = await readSafetensorsHeader(bytesSource(m.safetensors, 'x'));
  const tensors = [...h.tensors.values()].map((t) => ({ name: t.name, dtype: t.dtype, shape: t.shape, data: m.safetensors.slice(t.byteOffset, t.byteOffset + t.byteLength) }));
  return { configJson: m.configJson, tensors };
}

function folder(configJson: string, tensors: SafetensorsInput[], extra: ByteSource[] = []): ByteSource[] {
  return [text(configJson, 'config.json'), bytesSource(concatBytes(encodeSafetensors(tensors)), 'model.safetensors'), ...extra];
}

const noTok = { requireTokenizer: false };

describe('HF folder loading', () => {
  it('loads sharded weights through model.safetensors.index.json, same fingerprint as one file', async () => {
    const { configJson, tensors } = await tensorsOf(spec);
    const single = await loadModel(folder(configJson, tensors), noTok);
    const a = tensors.slice(0, 10);
    const b = tensors.slice(10);
    const weightMap = Object.fromEntries([...a.map((t) => [t.name, 'model-00001-of-00002.safetensors']), ...b.map((t) => [t.name, 'model-00002-of-00002.safetensors'])]);
    const sources = [
      text(configJson, 'config.json'),
      text(JSON.stringify({ metadata: { total_size: 0 }, weight_map: weightMap }), 'model.safetensors.index.json'),
      bytesSource(concatBytes(encodeSafetensors(a)), 'model-00001-of-00002.safetensors'),
      bytesSource(concatBytes(encodeSafetensors(b)), 'model-00002-of-00002.safetensors'),
    ];
    const sharded = await loadModel(sources, noTok);
    expect(sharded.fingerprint).toBe(single.fingerprint);
    expect(sharded.tensors.get(b[0].name)!.source.name).toBe('model-00002-of-00002.safetensors');
    expect(sharded.files).toEqual(['config.json', 'model.safetensors.index.json', 'model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors']);

    await expect(loadModel(sources.slice(0, 3), noTok)).rejects.toThrow(
      /model.safetensors.index.json: weight_map points at shard "model-00002-of-00002.safetensors" \(\d+ tensors\) but that file was not provided/);
  });

  it('names a missing tensor and a wrongly shaped one', async () => {
    const { configJson, tensors } = await tensorsOf(spec);
    const up = tensorNames.layer(1).up;
    await expect(loadModel(folder(configJson, tensors.filter((t) => t.name !== up)), noTok)).rejects.toThrow(
      `model.safetensors: missing tensor "${up}" (expected shape [24, 16])`);
    const k = tensorNames.layer(0).k;
    const reshaped = tensors.map((t) => (t.name === k ? { ...t, shape: [16, 8] } : t));
    const e = await loadModel(folder(configJson, reshaped), noTok).catch((x) => x);
    expect(e).toBeInstanceOf(BadModelFile);
    expect(e.message).toMatch(`tensor "${k}" has shape [16, 8], expected [8, 16] from the model config`);
  });

  it('treats tie_word_embeddings false without lm_head.weight as tied, and ignores lm_head when tied', async () => {
    const { configJson, tensors } = await tensorsOf(spec);
    const m = await loadModel(folder(configJson, tensors.filter((t) => t.name !== tensorNames.lmHead)), noTok);
    expect(m.spec.tieWordEmbeddings).toBe(true);
    expect(m.tensors.has(tensorNames.lmHead)).toBe(false);
    const tiedConfig = JSON.stringify({ ...JSON.parse(configJson), tie_word_embeddings: true });
    const t = await loadModel(folder(tiedConfig, tensors), noTok);
    expect(t.tensors.has(tensorNames.lmHead)).toBe(false);
    expect(t.fingerprint).toBe(m.fingerprint);
  });

  it('explains a folder without weights (and mentions PyTorch .bin files)', async () => {
    const { configJson } = await tensorsOf(spec);
    await expect(loadModel([text(configJson, 'config.json'), bytesSource(new Uint8Array(10), 'pytorch_model.bin')])).rejects.toThrow(
      /config.json: found a config but no weights: expected model.safetensors or model.safetensors.index.json.*PyTorch .bin\/.pt checkpoints are not supported/);
  });

  it('requires a tokenizer unless asked not to; the stand-in is byte-level', async () => {
    const { configJson, tensors } = await tensorsOf({ ...spec, vocabSize: 300 });
    await expect(loadModel(folder(configJson, tensors))).rejects.toThrow(/tokenizer.json: no tokenizer found/);
    const m = await loadModel(folder(configJson, tensors), noTok);
    expect(m.tokenizer.encode('hé')).toEqual([0x68 + 3, 0xc3 + 3, 0xa9 + 3]);
    expect(m.tokenizer.decode([1, 0x68 + 3, 0xc3 + 3, 0xa9 + 3])).toBe('hé');
    expect(m.tokenizer.addBos).toBe(true);
  });

  it('reads a corrupt config.json / tokenizer.json as BadModelFile naming the file', async () => {
    const { configJson, tensors } = await tensorsOf(spec);
    await expect(loadModel(folder('{nope', tensors))).rejects.toThrow(/^config.json: not valid JSON/);
    await expect(loadModel(folder(configJson, tensors, [text('{"model": 3', 'tokenizer.json')]))).rejects.toThrow(/^tokenizer.json: not valid JSON/);
  });
});

describe('HF tokenizer settings', () => {
  async function storiesWith(tokConfig: string | null) {
    const files = ['config.json', 'model.safetensors', 'tokenizer.json'];
    const sources = await Promise.all(files.map(async (f) => bytesSource(new Uint8Array(await readFile(resolve(STORIES_HF, f))), f)));
    if (tokConfig !== null) sources.push(text(tokConfig, 'tokenizer_config.json'));
    return (await loadModel(sources)).tokenizer;
  }
  it('takes add_bos_token from tokenizer_config.json, else from the post-processor template', async () => {
    expect((await storiesWith('{"add_bos_token": false}')).addBos).toBe(false);
    const t = await storiesWith(null);
    expect(t.addBos).toBe(true);
    expect(t.bosId).toBe(1);
    expect(t.eosId).toBe(2); // from config.json
  });
});

describe('unknown file sets', () => {
  it('lists what was given and what is expected', async () => {
    const e = await loadModel([bytesSource(new Uint8Array(100), 'weights.npz'), bytesSource(new Uint8Array(3), 'notes.txt')]).catch((x) => x);
    expect(e).toBeInstanceOf(BadModelFile);
    expect(e.message).toMatch(/could not recognise a model in: weights.npz, notes.txt. Expected one of: a Hugging Face folder \(config.json/);
    await expect(loadModel([])).rejects.toThrow(/\(no files\)/);
  });
  it('refuses a tokenizer whose vocabulary reaches past the embedding, with both numbers', async () => {
    const { configJson, tensors } = await tensorsOf(spec); // 40 embedding rows
    const tok = [await readFile(resolve(STORIES_HF, 'tokenizer.json')), await readFile(resolve(STORIES_HF, 'tokenizer_config.json'))];
    const files = (config: string) => folder(config, tensors, [bytesSource(tok[0], 'tokenizer.json'), bytesSource(tok[1], 'tokenizer_config.json')]);
    await expect(loadModel(files(configJson))).rejects.toThrow(/the tokenizer's vocabulary has 512 tokens but the model's embedding has 40 rows/);
  });
});
