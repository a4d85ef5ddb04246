// Invalid export requests, corrupt sources and malformed per-layer configs fail with typed errors that say what
// is wrong; the per-layer config round-trips through config.json. CPU only.
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BadModelFile, BadRequest } from '../../src/core/errors.ts';
import { bytesSource, type ByteSource } from '../../src/core/formats/byte-source.ts';
import { parseHfConfig, specToHfConfig } from '../../src/core/formats/hf-config.ts';
import { loadModel } from '../../src/core/formats/load-model.ts';
import { MemoryTarget } from '../../src/core/export/byte-sink.ts';
import { compactLayout } from '../../src/core/export/compact-layout.ts';
import { exportPrunedModel, parseExportFormat } from '../../src/core/export/export-model.ts';
import { structuredKeepMasks, zeroPruned } from '../../src/core/export/keep-masks.ts';
import { prepareOutputFolder } from '../../src/core/export/node-folder-target.ts';
import { SafetensorsStreamWriter } from '../../src/core/export/safetensors-stream.ts';
import { randomModelSources } from '../../src/core/model/random-model.ts';
import { expectedShapes, type ModelSpec } from '../../src/core/model/spec.ts';

const spec: ModelSpec = {
  architecture: 'llama', hiddenSize: 32, intermediateSize: 48, numLayers: 2, numHeads: 4, numKvHeads: 2, headDim: 8,
  vocabSize: 64, maxPositions: 64, rmsNormEps: 1e-5, ropeTheta: 10000, tieWordEmbeddings: true, attentionBias: false,
  bosTokenId: 1, eosTokenId: 2,
};
const noTok = { requireTokenizer: false };
const tmp = mkdtempSync(join(tmpdir(), 'prunelab-export-errors-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('export requests', () => {
  it('onnx takes structured and unstructured prunes, compact needs structured pruning (SparseGPT included), SparseGPT exports masked or onnx, unknown formats are named', () => {
    const structured = { structured: 'wanda-sp', metric: 'wanda' }, wanda = { metric: 'wanda' };
    expect(parseExportFormat('onnx', structured)).toBe('onnx');
    expect(parseExportFormat('onnx', wanda)).toBe('onnx');
    expect(parseExportFormat('onnx', { metric: 'sparsegpt' })).toBe('onnx');
    expect(() => parseExportFormat('compact', { metric: 'sparsegpt' })).toThrow(/--format compact needs structured pruning/);
    expect(() => parseExportFormat('compact', wanda)).toThrow(/--format compact needs structured pruning/);
    expect(() => parseExportFormat('gguf', wanda)).toThrow(new BadRequest('unknown export format "gguf" (expected masked, compact or onnx)'));
    expect(parseExportFormat('masked', { metric: 'sparsegpt' })).toBe('masked');
    expect(parseExportFormat('compact', structured)).toBe('compact');
    expect(parseExportFormat('masked', structured)).toBe('masked');
    expect(parseExportFormat('masked', wanda)).toBe('masked');
  });

  it('compaction refuses kept lists that are unsorted, out of range, empty or for the wrong layer count', () => {
    const ok = { heads: [0, 2], channels: [1, 2] };
    expect(() => compactLayout(spec, [ok])).toThrow(/kept units for 1 layers, the model has 2/);
    expect(() => compactLayout(spec, [ok, { heads: [2, 0], channels: [1] }])).toThrow(/layer 1: kept heads \/ kv heads \/ channels must be ascending indices below 4 \/ 2 \/ 48/);
    expect(() => compactLayout(spec, [ok, { heads: [0, 1], kvHeads: [0, 0], channels: [1] }])).toThrow(/layer 1: kept heads \/ kv heads/);
    expect(() => compactLayout(spec, [ok, { heads: [0, 2], kvHeads: [1], channels: [1] }])).toThrow(/layer 1 keeps a query head whose kv head it removed/);
    expect(() => compactLayout(spec, [ok, { heads: [0, 4], channels: [1] }])).toThrow(/ascending indices below 4/);
    expect(() => compactLayout(spec, [ok, { heads: [0], channels: [] }])).toThrow(/layer 1 keeps no heads or no MLP channels/);
  });

  it('chooses the standard config only for equal widths and equal heads per kv-group', () => {
    const layout = (k: Array<{ heads: number[]; channels: number[]; kvHeads?: number[] }>) => compactLayout(spec, k);
    const c = (n: number) => Array.from({ length: n }, (_, i) => i);
    expect(layout([{ heads: [1, 2], channels: c(8) }, { heads: [0, 3], channels: c(8) }])).toMatchObject({ hfCompatible: true, spec: { numHeads: 2, intermediateSize: 8 } });
    expect(layout([{ heads: [0, 1], channels: c(8) }, { heads: [0, 3], channels: c(8) }]).reason).toBe('layer 0 keeps 2, 0 query heads per kv head; a Hugging Face config needs the same number for every kv head');
    expect(layout([{ heads: [0, 2], channels: c(8) }, { heads: [0, 1, 2, 3], channels: c(8) }]).reason).toBe('layers keep different numbers of attention heads (2, 4)');
    expect(layout([{ heads: [0, 2], channels: c(8) }, { heads: [0, 2], channels: c(4) }]).reason).toBe('layers keep different MLP widths (8, 4)');
    expect(layout([{ heads: [0, 1, 2], channels: c(8) }, { heads: [0, 2], channels: c(8) }]).spec.layerWidths)
      .toEqual([{ numHeads: 3, kvHeadOf: [0, 0, 1], intermediateSize: 8 }, { numHeads: 2, kvHeadOf: [0, 1], intermediateSize: 8 }]);
    // Whole kv-groups removed: the same count everywhere is a standard config with fewer kv heads; else per layer.
    expect(layout([{ heads: [2, 3], kvHeads: [1], channels: c(8) }, { heads: [0, 1], kvHeads: [0], channels: c(8) }]))
      .toMatchObject({ hfCompatible: true, spec: { numHeads: 2, numKvHeads: 1, intermediateSize: 8 } });
    const uneven = layout([{ heads: [2, 3], kvHeads: [1], channels: c(8) }, { heads: [0, 1, 2, 3], channels: c(8) }]);
    expect(uneven.reason).toBe('layers keep different numbers of attention heads (2, 4)');
    expect(uneven.spec.layerWidths![0]).toEqual({ numHeads: 2, numKvHeads: 1, kvHeadOf: [0, 0], intermediateSize: 8 });
    expect(layout([{ heads: [0, 2], kvHeads: [0, 1], channels: c(8) }, { heads: [0, 1], kvHeads: [0], channels: c(8) }]).reason)
      .toBe('layers keep different numbers of kv heads (2, 1)');
  });

  it('a masked export without masks, or a compact one without kept units, is a BadRequest', async () => {
    const model = await loadModel(randomModelSources(spec, { seed: 1, dtype: 'F32' }), noTok);
    await expect(exportPrunedModel({ model, format: 'masked', sources: [], target: new MemoryTarget() })).rejects.toThrow(/masked export needs the pruning masks/);
    await expect(exportPrunedModel({ model, format: 'compact', sources: [], target: new MemoryTarget() })).rejects.toThrow(/compact export needs the kept heads/);
    expect(() => structuredKeepMasks(spec, [])).toThrow(/kept units for 0 layers, the model has 2/);
  });

  it('a source that ends early is a BadModelFile naming the tensor and file', async () => {
    const model = await loadModel(randomModelSources(spec, { seed: 1, dtype: 'F32' }), noTok);
    const entry = model.tensors.get('model.layers.1.mlp.down_proj.weight')!;
    const short: ByteSource = { ...entry.source, read: async (o, l) => (await entry.source.read(o, l)).subarray(0, l - 4) };
    model.tensors.set(entry.name, { ...entry, source: short });
    const masks = structuredKeepMasks(spec, [{ heads: [0, 1, 2, 3], channels: [0] }, { heads: [0, 1, 2, 3], channels: [0] }]);
    const err = await exportPrunedModel({ model, format: 'masked', masks, sources: [], target: new MemoryTarget() }).catch((e) => e);
    expect(err).toBeInstanceOf(BadModelFile);
    expect(err.message).toMatch(/^model\.safetensors: tensor model\.layers\.1\.mlp\.down_proj\.weight: file ended after 6140 of 6144 bytes \(at byte \d+\)$/);
  });

  it('the streaming writer refuses out-of-order, oversized and incomplete tensors', async () => {
    const target = new MemoryTarget();
    const w = new SafetensorsStreamWriter(await target.create('x'), [{ name: 'a', dtype: 'F32', shape: [2] }, { name: 'b', dtype: 'BF16', shape: [0] }, { name: 'c', dtype: 'F16', shape: [3] }], {});
    await expect(w.write('a', new Uint8Array(8))).rejects.toThrow(/write\(\) before begin\(\)/);
    await w.begin();
    await expect(w.write('c', new Uint8Array(2))).rejects.toThrow(/got bytes for c but a is due/);
    await expect(w.write('a', new Uint8Array(12))).rejects.toThrow(/a F32\[2\] needs 8 bytes, got 12/);
    await w.write('a', new Uint8Array(8));          // the empty b is complete at once
    await w.write('c', new Uint8Array(4));
    await expect(w.finish()).rejects.toThrow(/c got 4 of 6 bytes before finish\(\)/);
    expect(() => zeroPruned(new Uint8Array(8), 4, 1, 2, new Uint32Array(2))).toThrow(/mask has 2 words, \[1, 2\] needs 1/);
  });

  it('the output folder: created when missing, a non-empty one refused without force, a file refused', async () => {
    const fresh = join(tmp, 'a', 'b');
    await prepareOutputFolder(fresh, false);
    await prepareOutputFolder(fresh, false);          // empty: fine again
    writeFileSync(join(fresh, 'old.txt'), 'x');
    await expect(prepareOutputFolder(fresh, false)).rejects.toThrow(/is not empty \(1 entries: old.txt\); choose an empty folder or pass --force/);
    await prepareOutputFolder(fresh, true);
    mkdirSync(join(tmp, 'c'));
    writeFileSync(join(tmp, 'c', 'file'), 'x');
    await expect(prepareOutputFolder(join(tmp, 'c', 'file'), true)).rejects.toThrow(/exists and is not a folder/);
  });
});

describe('per-layer widths in config.json ("prunelab" field)', () => {
  const perLayer: ModelSpec = { ...spec, layerWidths: [
    { numHeads: 3, kvHeadOf: [0, 1, 1], intermediateSize: 40 }, { numHeads: 1, kvHeadOf: [1], intermediateSize: 48 }] };
  const config = () => JSON.parse(JSON.stringify(specToHfConfig(perLayer)));

  it('round-trips, and the expected shapes follow each layer', () => {
    expect(config().prunelab).toEqual({ version: 1, layers: [
      { num_attention_heads: 3, kv_head_of: [0, 1, 1], intermediate_size: 40 }, { num_attention_heads: 1, kv_head_of: [1], intermediate_size: 48 }] });
    expect(parseHfConfig(JSON.stringify(config()))).toEqual(perLayer);
    const shapes = expectedShapes(perLayer);
    expect(shapes.get('model.layers.0.self_attn.q_proj.weight')).toEqual([24, 32]);
    expect(shapes.get('model.layers.0.self_attn.o_proj.weight')).toEqual([32, 24]);
    expect(shapes.get('model.layers.0.mlp.down_proj.weight')).toEqual([32, 40]);
    expect(shapes.get('model.layers.1.self_attn.q_proj.weight')).toEqual([8, 32]);
    expect(shapes.get('model.layers.1.self_attn.k_proj.weight')).toEqual([16, 32]);
    expect(parseHfConfig(JSON.stringify({ ...config(), prunelab: undefined })).layerWidths).toBeUndefined();
  });

  it.each([
    [{ version: 2, layers: [] }, /"prunelab.version" is 2; this Prunelab reads version 1/],
    [{ version: 1, layers: [{}] }, /"prunelab.layers" must list one entry per layer \(2\), got 1/],
    [{ version: 1, layers: [{ num_attention_heads: 5, kv_head_of: [0, 0, 0, 0, 0], intermediate_size: 8 }, {}] }, /"prunelab.layers\[0\].num_attention_heads" must be an integer in \[1, 4\], got 5/],
    [{ version: 1, layers: [{ num_attention_heads: 2, kv_head_of: [0, 2], intermediate_size: 8 }, {}] }, /"prunelab.layers\[0\].kv_head_of\[1\]" must be a kv head in \[0, 2\), got 2/],
    [{ version: 1, layers: [{ num_attention_heads: 2, num_key_value_heads: 3, kv_head_of: [0, 1], intermediate_size: 8 }, {}] }, /"prunelab.layers\[0\].num_key_value_heads" must be an integer in \[1, 2\], got 3/],
    [{ version: 1, layers: [{ num_attention_heads: 2, num_key_value_heads: 1, kv_head_of: [0, 1], intermediate_size: 8 }, {}] }, /"prunelab.layers\[0\].kv_head_of\[1\]" must be a kv head in \[0, 1\), got 1/],
    [{ version: 1, layers: [{ num_attention_heads: 2, kv_head_of: [0], intermediate_size: 8 }, {}] }, /"prunelab.layers\[0\].kv_head_of" must list the kv head of each of the layer's 2 query heads/],
    [{ version: 1, layers: [{ num_attention_heads: 2, kv_head_of: [0, 1], intermediate_size: 49 }, {}] }, /"prunelab.layers\[0\].intermediate_size" must be an integer in \[1, 48\], got 49/],
    ['yes', /"prunelab" is not an object/],
  ])('refuses %j', (prunelab, message) => {
    const err = (() => { try { parseHfConfig(JSON.stringify({ ...config(), prunelab })); } catch (e) { return e; } })();
    expect(err).toBeInstanceOf(BadModelFile);
    expect((err as Error).message).toMatch(message);
  });

  it('a folder whose tensors do not match its per-layer widths names the tensor', async () => {
    const [cfg, weights] = randomModelSources(spec, { seed: 2, dtype: 'F32' });
    void cfg;
    const text = JSON.stringify(config());
    await expect(loadModel([bytesSource(new TextEncoder().encode(text), 'config.json'), weights], noTok))
      .rejects.toThrow(/tensor "model.layers.0.self_attn.q_proj.weight" has shape \[32, 32\], expected \[24, 32\] from the model config/);
  });
});
