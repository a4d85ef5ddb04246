// Export round trips of FLAP (compensated o_proj / down_proj biases) and of whole kv-groups removed, on
// stories260K (5 layers, 8 heads over 4 kv heads, MLP 172, no biases of its own): prune on the GPU, export
// (compact / masked), reload the written folder and evaluate it on the same windows: the perplexity must equal
// the in-engine pruned perplexity within 1e-4 relative. Calibration: the first 4 x 128 TinyStories tokens;
// evaluation: the next 4 x 128 (as round-trip.test.ts).
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGpu, type Gpu } from '../../src/core/gpu/device.ts';
import { bytesSource, type ByteSource } from '../../src/core/formats/byte-source.ts';
import { readTensorF32 } from '../../src/core/formats/decode-tensor.ts';
import { loadModel } from '../../src/core/formats/load-model.ts';
import { pathSources } from '../../src/core/formats/node-file-source.ts';
import { Engine } from '../../src/core/engine/engine.ts';
import { evalWindows, tokenizeForEval } from '../../src/core/engine/windows.ts';
import { MemoryTarget } from '../../src/core/export/byte-sink.ts';
import { exportPrunedModel, keepMasksOf, type ExportFormat } from '../../src/core/export/export-model.ts';
import type { LoadedModel } from '../../src/core/model/loaded-model.ts';
import { expectedShapes, tensorNames } from '../../src/core/model/spec.ts';
import { Pruner, type PruneResult } from '../../src/core/prune/pruner.ts';
import { STORIES_HF, TINYSTORIES_TEXT } from '../helpers/fixtures.ts';
import { windowsPerplexity } from '../../src/core/engine/perplexity.ts';

const SEQ = 128, CALIB = 4, EVAL = 4, L = 5;
let gpu: Gpu, model: LoadedModel, engine: Engine, pruner: Pruner, sources: ByteSource[];
let calib: number[][], evalSet: number[][];

const perplexity = (e: Engine) => windowsPerplexity(e, evalSet);

async function exportAndReload(result: PruneResult, format: ExportFormat) {
  const target = new MemoryTarget();
  const summary = await exportPrunedModel({
    model, format, target, sources, kept: result.kept, masks: format === 'masked' ? keepMasksOf(pruner, result) : undefined,
  });
  const reloaded = await loadModel([...target.files.keys()].map((n) => bytesSource(target.bytes(n), n)));
  const e = await Engine.create(gpu, reloaded, { matmulVariant: engine.matmulVariant });
  try {
    return { target, summary, reloaded, config: JSON.parse(target.text('config.json')), ppl: await perplexity(e) };
  } finally { e.destroy(); }
}

const relative = (a: number, b: number) => Math.abs(a / b - 1);

beforeAll(async () => {
  sources = await pathSources(STORIES_HF);
  model = await loadModel(sources);
  const all = evalWindows(tokenizeForEval(model.tokenizer, readFileSync(TINYSTORIES_TEXT, 'utf8').slice(0, 20_000)), SEQ, CALIB + EVAL);
  calib = all.slice(0, CALIB);
  evalSet = all.slice(CALIB);
  gpu = await createGpu();
  engine = await Engine.create(gpu, model);
  pruner = await Pruner.create(engine, calib);
}, 300_000); // model load, matmul autotune and calibration buffers: minutes when other GPU test files share 2 cores
afterAll(() => { pruner?.destroy(); engine?.destroy(); gpu?.destroy(); });

describe('FLAP 50% with bias compensation (4 heads, one per kv-group; 86 channels)', () => {
  let result: PruneResult, inEngine: number;
  beforeAll(async () => {
    result = await pruner.prune({ metric: 'wanda', structured: 'flap', sparsity: 0.5, allocation: 'uniform' });
    inEngine = await perplexity(engine);
  });

  for (const format of ['compact', 'masked'] as const) {
    it(`${format} export: attention_bias + mlp_bias config, the compensated biases bit-exact, same perplexity after reload`, async () => {
      const { summary, reloaded, config, ppl } = await exportAndReload(result, format);
      expect(config).toMatchObject({ model_type: 'llama', attention_bias: true, mlp_bias: true });
      expect(reloaded.spec).toMatchObject({ attentionBias: true, oProjBias: true, mlpBias: true });
      expect(summary.notes.join(' ')).toMatch(/FLAP bias compensation: o_proj and down_proj biases written/);
      expect(summary.variant).toBe(format === 'compact' ? 'compact-hf' : 'masked');
      const n = tensorNames.layer(3);
      expect(await readTensorF32(reloaded.tensors.get(n.oBias)!)).toEqual(Float32Array.from(result.kept![3].oBias!));
      expect(await readTensorF32(reloaded.tensors.get(n.downBias)!)).toEqual(Float32Array.from(result.kept![3].downBias!));
      // Zeros where the config forces biases the source never had; compacted to the kept widths.
      const heads = format === 'compact' ? 4 : 8, channels = format === 'compact' ? 86 : 172;
      expect(expectedShapes(reloaded.spec).get(n.qBias)).toEqual([heads * 8]);
      expect(expectedShapes(reloaded.spec).get(n.gateBias)).toEqual([channels]);
      for (const name of [n.qBias, n.kBias, n.vBias, n.gateBias, n.upBias]) {
        expect((await readTensorF32(reloaded.tensors.get(name)!)).every((v) => v === 0), name).toBe(true);
      }
      console.log(`flap 50% ${format}: in-engine ${inEngine.toFixed(6)}, reload ${ppl.toFixed(6)}`);
      expect(relative(ppl, inEngine)).toBeLessThan(1e-4);
    });
  }
});

describe('whole kv-groups removed', () => {
  it('uniform 50%: compact export has a standard config with 2 kv heads and 4 query heads, same perplexity after reload', async () => {
    const result = await pruner.prune({ metric: 'wanda', structured: 'wanda-sp', sparsity: 0.5, allocation: 'uniform', kvGroups: true });
    const inEngine = await perplexity(engine);
    const { summary, reloaded, config, ppl } = await exportAndReload(result, 'compact');
    expect(summary.variant).toBe('compact-hf');
    expect(config).toMatchObject({ num_attention_heads: 4, num_key_value_heads: 2, intermediate_size: 86 });
    expect(config.prunelab).toBeUndefined();
    const n = tensorNames.layer(1);
    const k = await readTensorF32(reloaded.tensors.get(n.k)!), denseK = await readTensorF32(model.tensors.get(n.k)!);
    expect(k).toHaveLength(2 * 8 * 64);
    result.kept![1].kvHeads!.forEach((g, i) => expect(k.subarray(i * 512, (i + 1) * 512)).toEqual(denseK.subarray(g * 512, (g + 1) * 512)));
    console.log(`kv-groups 50%: in-engine ${inEngine.toFixed(6)}, compact reload ${ppl.toFixed(6)}`);
    expect(relative(ppl, inEngine)).toBeLessThan(1e-4);
    const masked = await exportAndReload(result, 'masked');
    expect(masked.reloaded.fingerprint).toBe(model.fingerprint);
    expect(relative(masked.ppl, inEngine)).toBeLessThan(1e-4);
  });

  it('per-layer rates with FLAP: per-layer num_key_value_heads in the prunelab config, same perplexity after reload', async () => {
    const rates = [0, 0.25, 0.5, 0.75, 0.5];
    const result = await pruner.prune({ metric: 'wanda', structured: 'flap', sparsity: 0.4, allocation: rates, kvGroups: true });
    const inEngine = await perplexity(engine);
    const { summary, reloaded, config, ppl } = await exportAndReload(result, 'compact');
    expect(summary.variant).toBe('compact-prunelab');
    expect(config.num_key_value_heads).toBe(4);
    expect(config.prunelab.layers.map((e: { num_key_value_heads?: number }) => e.num_key_value_heads ?? 4)).toEqual([4, 3, 2, 1, 2]);
    expect(config.prunelab.layers[3].kv_head_of).toEqual([0, 0]);
    expect(reloaded.spec.layerWidths!.map((w) => w.numHeads)).toEqual([8, 6, 4, 2, 4]);
    expect(expectedShapes(reloaded.spec).get(tensorNames.layer(3).v)).toEqual([8, 64]);
    console.log(`flap kv-groups ${JSON.stringify(rates)}: in-engine ${inEngine.toFixed(6)}, compact reload ${ppl.toFixed(6)}`);
    expect(relative(ppl, inEngine)).toBeLessThan(1e-4);
  });
});
