// Export of SparseGPT-pruned stories260K (5 layers, 8 heads over 4 kv heads, MLP 172): SparseGPT updates the
// kept weights in GPU override buffers, and the exports must write those (masked, pruned weights exact zeros),
// not the source tensors. Masked safetensors reloaded by Prunelab give the in-engine pruned perplexity within 1e-4
// relative, model.onnx evaluated by onnxruntime-node within 1e-3; the written linear maps equal the override
// buffers bit for bit and differ from both the dense and the plainly masked dense weights. 50% unstructured and
// 2:4. Evaluation: the first 4 x 128 TinyStories tokens; calibration: the next 4 x 128.
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGpu, type Gpu } from '../../src/core/gpu/device.ts';
import { bytesSource, type ByteSource } from '../../src/core/formats/byte-source.ts';
import { readTensorF32 } from '../../src/core/formats/decode-tensor.ts';
import { loadModel } from '../../src/core/formats/load-model.ts';
import { pathSources } from '../../src/core/formats/node-file-source.ts';
import { readSafetensorsHeader } from '../../src/core/formats/safetensors.ts';
import { Engine } from '../../src/core/engine/engine.ts';
import { evaluatePerplexity } from '../../src/core/engine/perplexity.ts';
import { evalWindows, tokenizeForEval } from '../../src/core/engine/windows.ts';
import { MemoryTarget } from '../../src/core/export/byte-sink.ts';
import { exportPrunedModel, keepMasksOf, weightOverridesOf } from '../../src/core/export/export-model.ts';
import { nodeFolderTarget } from '../../src/core/export/node-folder-target.ts';
import type { LoadedModel } from '../../src/core/model/loaded-model.ts';
import { layerMaps } from '../../src/core/prune/linear-maps.ts';
import { Pruner, type PruneResult } from '../../src/core/prune/pruner.ts';
import type { PruneRequest } from '../../src/core/prune/prune-options.ts';
import { onnxFilePerplexity } from '../../src/cli/onnx-ppl.ts';
import { STORIES_HF, TINYSTORIES_TEXT } from '../helpers/fixtures.ts';

const SEQ = 128, EVAL = 4, CALIB = 4, L = 5;
const protocol = { seqLen: SEQ, maxWindows: EVAL };
const text = readFileSync(TINYSTORIES_TEXT, 'utf8');
const tmp = mkdtempSync(join(tmpdir(), 'prunelab-sparsegpt-export-'));
let gpu: Gpu, model: LoadedModel, engine: Engine, pruner: Pruner, sources: ByteSource[];

const relative = (a: number, b: number) => Math.abs(a / b - 1);
const folderOf = (t: MemoryTarget) => [...t.files.keys()].map((n) => bytesSource(t.bytes(n), n));
const bitKept = (bits: Uint32Array, K: number, i: number, j: number) => ((bits[i * Math.ceil(K / 32) + (j >> 5)] >>> (j & 31)) & 1) === 1;

async function reloadedPerplexity(m: LoadedModel): Promise<number> {
  const e = await Engine.create(gpu, m, { matmulVariant: engine.matmulVariant });
  try { return (await evaluatePerplexity(e, text, protocol)).ppl; } finally { e.destroy(); }
}

/** Every linear map of the export against the override buffer (masked), the dense source and the masked source. */
async function checkWrittenMaps(exported: LoadedModel, result: PruneResult): Promise<{ zeros: number; updated: number; kept: number }> {
  const masks = keepMasksOf(pruner, result), overrides = weightOverridesOf(pruner, { metric: 'sparsegpt' })!;
  let zeros = 0, updated = 0, kept = 0;
  for (let l = 0; l < L; l++) {
    for (const m of layerMaps(model.spec, l)) {
      const written = await readTensorF32(exported.tensors.get(m.name)!);           // [N, K]
      const dense = await readTensorF32(model.tensors.get(m.name)!);                // [N, K]
      const override = await overrides.read(m.name, m.N, m.K);                      // [N, K]
      const bits = (await masks.bits(m.name, m.N, m.K))!;
      let mapUpdated = 0;
      for (let i = 0; i < m.N; i++) {
        for (let j = 0; j < m.K; j++) {
          const at = i * m.K + j, w = written[at];
          if (!bitKept(bits, m.K, i, j)) {
            expect(Object.is(w, 0), `${m.name}[${i}, ${j}] is pruned`).toBe(true);    // +0, not -0
            zeros++;
            continue;
          }
          kept++;
          if (w !== override[at]) expect.fail(`${m.name}[${i}, ${j}]: written ${w}, updated weight ${override[at]}`);
          if (w !== dense[at]) mapUpdated++;                                       // masked dense keeps dense[at] here
        }
      }
      // SparseGPT compensates the kept weights of every map: most of them move.
      expect(mapUpdated, `${m.name}: kept weights differ from the dense ones`).toBeGreaterThan(0.5 * m.N * m.K * (1 - result.achievedSparsity[l]));
      updated += mapUpdated;
    }
  }
  return { zeros, updated, kept };
}

beforeAll(async () => {
  sources = await pathSources(STORIES_HF);
  model = await loadModel(sources);
  const windows = evalWindows(tokenizeForEval(model.tokenizer, text), SEQ, EVAL + CALIB);
  gpu = await createGpu();
  engine = await Engine.create(gpu, model);
  pruner = await Pruner.create(engine, windows.slice(EVAL));
}, 300_000);
afterAll(() => { pruner?.destroy(); engine?.destroy(); gpu?.destroy(); rmSync(tmp, { recursive: true, force: true }); });

describe.each([
  ['50%', { metric: 'sparsegpt', sparsity: 0.5, allocation: 'uniform' }],
  ['2:4', { metric: 'sparsegpt', sparsity: 0.5, allocation: 'uniform', nm: { n: 2, m: 4 } }],
] as Array<[string, PruneRequest]>)('SparseGPT %s', (label, req) => {
  let result: PruneResult, inEngine: number;
  beforeAll(async () => {
    result = await pruner.prune(req);
    inEngine = (await evaluatePerplexity(engine, text, protocol)).ppl;
  }, 300_000);

  it('masked safetensors: the updated weights (bit-exact F32, pruned exact zeros); reload gives the in-engine perplexity within 1e-4', async () => {
    const target = new MemoryTarget();
    const summary = await exportPrunedModel({ model, format: 'masked', target, sources, masks: keepMasksOf(pruner, result),
      overrides: weightOverridesOf(pruner, req) });
    expect(summary.variant).toBe('masked');
    expect(summary.dtype).toBe('F32');
    expect(summary.weightsUpdatedBy).toBe('sparsegpt');
    expect(summary.notes.join('\n')).toMatch(/SparseGPT updated the kept weights .*float32, bit-exact.*ORIGINAL checkpoint gives a different model/);
    const header = await readSafetensorsHeader(bytesSource(target.bytes('model.safetensors'), 'model.safetensors'));
    expect(header.metadata).toMatchObject({ prunelab_variant: 'masked', prunelab_weights_updated_by: 'sparsegpt' });
    const reloaded = await loadModel(folderOf(target));
    expect(reloaded.fingerprint).toBe(model.fingerprint);

    const { zeros, updated, kept } = await checkWrittenMaps(reloaded, result);
    expect(zeros).toBe(summary.zeroed);
    expect(zeros / (zeros + kept)).toBeCloseTo(0.5, 6);
    const ppl = await reloadedPerplexity(reloaded);
    console.log(`SparseGPT ${label}: in-engine ${inEngine.toFixed(6)}, masked reload ${ppl.toFixed(6)}; ` +
      `${updated} of ${kept} kept weights differ from the dense ones`);
    expect(inEngine).toBeGreaterThan(6);                    // the prune changed the model (dense is ~4.2)
    expect(relative(ppl, inEngine)).toBeLessThan(1e-4);
  }, 300_000);

  it('ONNX: onnxruntime-node gives the in-engine perplexity within 1e-3', async () => {
    const dir = join(tmp, label.replace(/\W/g, ''));
    mkdirSync(dir);
    const summary = await exportPrunedModel({ model, format: 'onnx', target: nodeFolderTarget(dir), sources,
      masks: keepMasksOf(pruner, result), overrides: weightOverridesOf(pruner, req) });
    expect(summary.variant).toBe('onnx-masked');
    expect(summary.weightsUpdatedBy).toBe('sparsegpt');
    expect(summary.zeroed).toBe(Math.round(0.5 * 5 * (64 * 64 * 2 + 32 * 64 * 2 + 172 * 64 * 3)));
    const viaOrt = await onnxFilePerplexity(join(dir, summary.weightsFile), text, protocol);
    console.log(`SparseGPT ${label}: in-engine ${inEngine.toFixed(6)}, onnxruntime-node ${viaOrt.ppl.toFixed(6)}`);
    expect(relative(viaOrt.ppl, inEngine)).toBeLessThan(1e-3);
  }, 300_000);
});
