// Phi-3's stacked Hub tensors: qkv_proj = [q; k; v] and gate_up_proj = [gate; up] split on load into the engine's maps
// (byte ranges of the same file) and merged back into one header entry on write.
import { describe, expect, it } from 'vitest';
import { bytesSource } from '../../src/core/formats/byte-source.ts';
import { loadModel } from '../../src/core/formats/load-model.ts';
import { readSafetensorsHeader, encodeSafetensors, concatBytes } from '../../src/core/formats/safetensors.ts';
import { readTensorF32 } from '../../src/core/formats/decode-tensor.ts';
import { randomHfModel } from '../../src/core/model/random-model.ts';
import { fuseTensorList, fusedTensors } from '../../src/core/model/fused-tensors.ts';
import { tensorNames, type ModelSpec } from '../../src/core/model/spec.ts';
import { BadModelFile } from '../../src/core/errors.ts';

const phi3: ModelSpec = {
  architecture: 'phi3', hiddenSize: 16, intermediateSize: 24, numLayers: 2, numHeads: 4, numKvHeads: 2, headDim: 4, vocabSize: 11,
  maxPositions: 64, rmsNormEps: 1e-5, ropeTheta: 10000, tieWordEmbeddings: false, attentionBias: false, bosTokenId: 1, eosTokenId: 2,
};
const sources = (config: string, st: Uint8Array) => [bytesSource(new TextEncoder().encode(config), 'config.json'), bytesSource(st, 'model.safetensors')];

describe('fused Hub tensors (phi3)', () => {
  it('writes qkv_proj / gate_up_proj, and loads q, k, v, gate, up as their row ranges', async () => {
    const { configJson, safetensors } = randomHfModel(phi3, { seed: 3, dtype: 'BF16' });
    const header = await readSafetensorsHeader(bytesSource(safetensors, 'model.safetensors'));
    const names = [...header.tensors.keys()];
    expect(names).toContain('model.layers.1.self_attn.qkv_proj.weight');
    expect(names).toContain('model.layers.1.mlp.gate_up_proj.weight');
    expect(names.some((n) => /\.(q|k|v|gate|up)_proj\./.test(n))).toBe(false);
    expect(header.tensors.get('model.layers.0.self_attn.qkv_proj.weight')!.shape).toEqual([(4 + 2 * 2) * 4, 16]);
    expect(header.tensors.get('model.layers.0.mlp.gate_up_proj.weight')!.shape).toEqual([48, 16]);

    const model = await loadModel(sources(configJson, safetensors), { requireTokenizer: false });
    const n = tensorNames.layer(0);
    const fusedEntry = header.tensors.get('model.layers.0.self_attn.qkv_proj.weight')!;
    const qkv = await readTensorF32({ ...fusedEntry, source: bytesSource(safetensors, 'model.safetensors') }); // [32, 16]
    const [q, k, v] = await Promise.all([n.q, n.k, n.v].map((name) => readTensorF32(model.tensors.get(name)!)));
    expect(model.tensors.get(n.k)!.shape).toEqual([8, 16]);
    expect([...q, ...k, ...v]).toEqual([...qkv]);
    const gateUp = await readTensorF32({ ...header.tensors.get('model.layers.0.mlp.gate_up_proj.weight')!, source: bytesSource(safetensors, 'model.safetensors') });
    const gate = await readTensorF32(model.tensors.get(n.gate)!);
    expect([...gate]).toEqual([...gateUp.subarray(0, 24 * 16)]); // gate first: Phi3MLP's chunk(2) order
  });

  it('refuses a stacked tensor with the wrong rows or a missing one, naming it', async () => {
    const { configJson, safetensors } = randomHfModel(phi3, { seed: 3, dtype: 'F32' });
    const header = await readSafetensorsHeader(bytesSource(safetensors, 'model.safetensors'));
    const rebuilt = (edit: (name: string, shape: number[]) => number[] | null) => concatBytes(encodeSafetensors([...header.tensors.values()]
      .flatMap((t) => { const shape = edit(t.name, t.shape); return shape ? [{ name: t.name, dtype: 'F32' as const, shape, data: new Uint8Array(4 * shape.reduce((a, b) => a * b, 1)) }] : []; })));
    const shortQkv = rebuilt((name, shape) => (name.endsWith('0.self_attn.qkv_proj.weight') ? [shape[0] - 4, shape[1]] : shape));
    await expect(loadModel(sources(configJson, shortQkv), { requireTokenizer: false })).rejects.toThrow(BadModelFile);
    await expect(loadModel(sources(configJson, shortQkv), { requireTokenizer: false }))
      .rejects.toThrow(/"model.layers.0.self_attn.qkv_proj.weight" has shape \[28, 16\], expected \[32, 16\]/);
    const noGateUp = rebuilt((name, shape) => (name.endsWith('1.mlp.gate_up_proj.weight') ? null : shape));
    await expect(loadModel(sources(configJson, noGateUp), { requireTokenizer: false }))
      .rejects.toThrow(/missing tensor "model.layers.1.mlp.gate_up_proj.weight" \(expected shape \[48, 16\]/);
  });

  it('merges only consecutive parts of one dtype', () => {
    const f = fusedTensors(phi3)[0];
    const t = (name: string, rows: number, dtype = 'F32') => ({ name, dtype, shape: [rows, 16] });
    expect(fuseTensorList([t('a', 1), t(f.parts[0], 16), t(f.parts[1], 8), t(f.parts[2], 8), t('b', 2)], [f]))
      .toEqual([t('a', 1), t(f.name, 32), t('b', 2)]);
    expect(() => fuseTensorList([t(f.parts[0], 16), t(f.parts[1], 8, 'BF16'), t(f.parts[2], 8)], [f])).toThrow(/not consecutive with one dtype/);
    expect(fusedTensors({ ...phi3, architecture: 'llama' })).toEqual([]);
  });
});
