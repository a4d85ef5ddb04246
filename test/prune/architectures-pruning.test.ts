// Pruning and export on the architectures beyond llama / qwen2 (random Hub-layout models, transformers 5 configs):
// Wanda 50% (and magnitude 50%) equals the float64 sequential oracle's perplexity and its masked export reloads to the same number;
// Wanda-sp 30% keeps the oracle's heads and channels (Qwen3's shared q/k norms go with every kept head) and its
// compact export, written back with the source's own config keys and tensor names, reloads to the same number.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { createGpu, type Gpu } from '../../src/core/gpu/device.ts';
import { bytesSource } from '../../src/core/formats/byte-source.ts';
import { loadModel } from '../../src/core/formats/load-model.ts';
import { readSafetensorsHeader } from '../../src/core/formats/safetensors.ts';
import { randomHfModel } from '../../src/core/model/random-model.ts';
import type { ModelSpec } from '../../src/core/model/spec.ts';
import { tinyGpt2, tinyOpt } from '../helpers/architecture-cases.ts';
import { Engine } from '../../src/core/engine/engine.ts';
import { loadReferenceWeights } from '../../src/core/engine/reference-weights.ts';
import { Pruner } from '../../src/core/prune/pruner.ts';
import * as ort from 'onnxruntime-node';
import { MemoryTarget } from '../../src/core/export/byte-sink.ts';
import { flapBiasRefusal } from '../../src/core/export/export-biases.ts';
import { windowNllFromLogits } from '../../src/core/export/onnx/onnx-perplexity.ts';
import { exportPrunedModel, keepMasksOf } from '../../src/core/export/export-model.ts';
import { structuredCounts, unstructuredCounts } from '../../src/core/prune/allocation-counts.ts';
import { owlAllocation, referenceMrp, referencePerplexity, referenceSequentialPrune, referenceStructuredPrune } from './reference/index.ts';
import { referenceSparseGptPrune } from './reference/sparsegpt.ts';
import { windowsPerplexity } from '../../src/core/engine/perplexity.ts';
import { sensitivityScan } from '../../src/core/prune/sensitivity-scan.ts';
import { PruningFitness } from '../../src/core/search/pruning-fitness.ts';

const base: ModelSpec = {
  architecture: 'llama', hiddenSize: 32, intermediateSize: 48, numLayers: 2, numHeads: 4, numKvHeads: 2, headDim: 8,
  vocabSize: 97, maxPositions: 64, rmsNormEps: 1e-6, ropeTheta: 10000, tieWordEmbeddings: false, attentionBias: false,
  bosTokenId: null, eosTokenId: null,
};
const cases: Array<[string, ModelSpec]> = [
  ['qwen3', { ...base, architecture: 'qwen3', headDim: 16, qkNorm: true, tieWordEmbeddings: true, ropeTheta: 1e6 }],
  ['smollm3', { ...base, architecture: 'smollm3', noRopeLayers: [1], tieWordEmbeddings: true, ropeTheta: 2e6 }],
  ['llama 3.2 (llama3 RoPE)', { ...base, ropeTheta: 500000, ropeScaling: { type: 'llama3', factor: 32, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositions: 16 } }],
  ['mistral (sliding window 6)', { ...base, architecture: 'mistral', slidingWindow: 6, slidingLayers: [0, 1] }],
  ['gemma3_text (sandwich (1 + w) norms, GeGLU, one sliding + one global layer, soft-capped logits)', { ...base, architecture: 'gemma3_text',
    headDim: 16, ropeTheta: 1e6, slidingWindow: 6, slidingLayers: [0], slidingRope: { theta: 10000 }, qkNorm: true, normUnitOffset: true,
    sandwichNorms: true, mlpActivation: 'gelu_tanh', embedScale: Math.fround(Math.sqrt(32)), attentionScale: 1 / 4, finalLogitSoftcap: 5,
    tieWordEmbeddings: true }],
  ['phi3 (fused qkv / gate_up, partial rotary)', { ...base, architecture: 'phi3', rmsNormEps: 1e-5, rotaryDim: 4 }],
  // Multi-head attention: a removed head takes its q, k, v rows (and biases) and o columns; a channel its up row + bias
  // and down column (no gate).
  ['gpt2 (Conv1D weights, fused c_attn, LayerNorms, learned positions, gelu_new)', tinyGpt2],
  ['opt (learned positions offset 2, relu)', tinyOpt],
];

let gpu: Gpu;
beforeAll(async () => { gpu = await createGpu(); });
afterAll(() => gpu?.destroy());

const windows = (count: number, seed: number) => {
  const rng = xoroshiro128plus(seed);
  return Array.from({ length: count }, () => Array.from({ length: 20 }, () => uniformInt(rng, 0, base.vocabSize - 1)));
};


describe.each(cases)('%s', (_name, spec) => {
  const calib = windows(2, 1), evalSet = windows(2, 2);

  it('Wanda 50% and Wanda-sp 30% equal the float64 oracle; masked and compact exports reload to the pruned perplexity', async () => {
    const { configJson, safetensors } = randomHfModel(spec, { seed: 3, dtype: 'F32', layout: 'transformers5' });
    const sources = [bytesSource(new TextEncoder().encode(configJson), 'config.json'), bytesSource(safetensors, 'model.safetensors')];
    const model = await loadModel(sources, { requireTokenizer: false });
    const dense = await loadReferenceWeights(model);
    const engine = await Engine.create(gpu, model);
    const pruner = await Pruner.create(engine, calib);
    const sourceNames = [...(await readSafetensorsHeader(sources[1])).tensors.keys()].sort();
    const reload = async (target: MemoryTarget) => {
      const config = JSON.parse(new TextDecoder().decode(target.bytes('config.json')));
      const written = await readSafetensorsHeader(bytesSource(target.bytes('model.safetensors'), 'model.safetensors'));
      expect([...written.tensors.keys()].sort(), 'the source\'s own tensor names (Phi-3: fused qkv_proj / gate_up_proj)').toEqual(sourceNames);
      if (!spec.learnedPositions) {
        expect(config.rope_parameters, 'the source\'s transformers 5 keys are kept').toBeDefined();
        expect(config.rope_theta).toBeUndefined();
      }
      const m = await loadModel([...target.files.keys()].map((n) => bytesSource(target.bytes(n), n)), { requireTokenizer: false });
      const e = await Engine.create(gpu, m, { matmulVariant: engine.matmulVariant });
      try { return await windowsPerplexity(e, evalSet); } finally { e.destroy(); }
    };
    try {
      const wanda = await pruner.prune({ metric: 'wanda', sparsity: 0.5, allocation: 'uniform' });
      const wandaPpl = await windowsPerplexity(engine, evalSet);
      const refWanda = referenceSequentialPrune(spec, dense, calib, [0.5, 0.5], 'wanda');
      const refWandaPpl = referencePerplexity(spec, refWanda.weights, evalSet);
      expect(Math.abs(wandaPpl / refWandaPpl - 1), `GPU ${wandaPpl} vs reference ${refWandaPpl}`).toBeLessThan(1e-3);
      const masked = new MemoryTarget();
      await exportPrunedModel({ model, format: 'masked', target: masked, sources, masks: keepMasksOf(pruner, wanda) });
      expect(Math.abs((await reload(masked)) / wandaPpl - 1)).toBeLessThan(1e-4);

      await pruner.prune({ metric: 'magnitude', sparsity: 0.5, allocation: 'uniform' });
      const refMagnitude = referencePerplexity(spec, referenceSequentialPrune(spec, dense, calib, [0.5, 0.5], 'magnitude').weights, evalSet);
      expect(Math.abs((await windowsPerplexity(engine, evalSet)) / refMagnitude - 1), 'magnitude 50%').toBeLessThan(1e-3);

      const rates = [0.25, 0.5];
      const sp = await pruner.prune({ metric: 'wanda', structured: 'wanda-sp', sparsity: 0.375, allocation: rates });
      const spPpl = await windowsPerplexity(engine, evalSet);
      const refSp = referenceStructuredPrune(spec, dense, calib, rates, 'wanda-sp', { counts: structuredCounts(spec, rates).removals });
      sp.kept!.forEach((k, l) => expect({ heads: k.heads, channels: k.channels }).toEqual({ heads: refSp.kept[l].heads, channels: refSp.kept[l].channels }));
      const refSpPpl = referencePerplexity(refSp.spec ?? spec, refSp.weights, evalSet);
      expect(Math.abs(spPpl / refSpPpl - 1), `GPU ${spPpl} vs reference ${refSpPpl}`).toBeLessThan(1e-3);
      const compact = new MemoryTarget();
      const summary = await exportPrunedModel({ model, format: 'compact', target: compact, sources, kept: sp.kept });
      expect(summary.spec.architecture).toBe(spec.architecture);
      expect(Math.abs((await reload(compact)) / spPpl - 1)).toBeLessThan(1e-4);
    } finally {
      pruner.destroy();
      engine.destroy();
    }
  });

  it('SparseGPT 50%, magnitude 2:4, OWL, MRP and FLAP (with bias compensation) equal the float64 oracle; FLAP exports or is refused by name', async () => {
    const { configJson, safetensors } = randomHfModel(spec, { seed: 5, dtype: 'F32', layout: 'transformers5' });
    const sources = [bytesSource(new TextEncoder().encode(configJson), 'config.json'), bytesSource(safetensors, 'model.safetensors')];
    const model = await loadModel(sources, { requireTokenizer: false });
    const dense = await loadReferenceWeights(model);
    const engine = await Engine.create(gpu, model);
    const pruner = await Pruner.create(engine, calib);
    const close = (got: number, want: number, tol: number, what: string) =>
      expect(Math.abs(got / want - 1), `${what}: GPU ${got} vs reference ${want}`).toBeLessThan(tol);
    try {
      await pruner.prune({ metric: 'sparsegpt', sparsity: 0.5, allocation: 'uniform' });
      close(await windowsPerplexity(engine, evalSet), referencePerplexity(spec, referenceSparseGptPrune(spec, dense, calib, [0.5, 0.5]).weights, evalSet), 0.01, 'SparseGPT 50%');

      await pruner.prune({ metric: 'magnitude', sparsity: 0.5, allocation: 'uniform', nm: { n: 2, m: 4 } });
      const refNm = referenceSequentialPrune(spec, dense, calib, [0.5, 0.5], 'magnitude', { n: 2, m: 4 });
      close(await windowsPerplexity(engine, evalSet), referencePerplexity(spec, refNm.weights, evalSet), 1e-3, 'magnitude 2:4');

      const owl = await pruner.prune({ metric: 'wanda', sparsity: 0.5, allocation: 'owl' });
      owl.allocation.forEach((v, l) => expect(v).toBeCloseTo(owlAllocation(spec, dense, calib, 0.5).sparsity[l], 3));

      const mrp = await pruner.prune({ metric: 'wanda', sparsity: 0.5, allocation: 'mrp' });
      const refMrp = referenceMrp(spec, dense, calib, 0.5, 'wanda');
      mrp.allocation.forEach((v, l) => expect(v).toBeCloseTo(refMrp.allocation[l], 2));
      // MRP's final prune takes the count repair's per-row counts (docs/algorithms.md §7.2), so the reference's does too.
      const refMrpFinal = referenceSequentialPrune(spec, dense, calib, refMrp.allocation, 'wanda', undefined, unstructuredCounts(spec, mrp.allocation).rowCounts);
      close(await windowsPerplexity(engine, evalSet), referencePerplexity(spec, refMrpFinal.weights, evalSet), 0.01, 'MRP 50%');

      const flap = await pruner.prune({ metric: 'wanda', structured: 'flap', sparsity: 0.25, allocation: 'uniform', biasCompensation: true });
      const refFlap = referenceStructuredPrune(spec, dense, calib, [0.25, 0.25], 'flap', { biasCompensation: true, counts: structuredCounts(spec, [0.25, 0.25]).removals });
      flap.kept!.forEach((k, l) => expect({ heads: k.heads, channels: k.channels }).toEqual({ heads: refFlap.kept[l].heads, channels: refFlap.kept[l].channels }));
      const flapPpl = await windowsPerplexity(engine, evalSet);
      close(flapPpl, referencePerplexity(refFlap.spec, refFlap.weights, evalSet), 0.01, 'FLAP 25%');
      // Safetensors needs a config that can say the biases (the source's or llama's); ONNX takes them as they are.
      const refusal = flapBiasRefusal(spec);
      // The others have mlp_bias-less configs and non-llama features; GPT-2 and OPT have every bias already.
      expect(refusal === null, String(refusal)).toBe(['smollm3', 'llama', 'gpt2', 'opt'].includes(spec.architecture));
      if (refusal) {
        await expect(exportPrunedModel({ model, format: 'compact', target: new MemoryTarget(), sources, kept: flap.kept }))
          .rejects.toThrow(/FLAP's compensated .* cannot be written in a/);
      }
      const onnxTarget = new MemoryTarget();
      await exportPrunedModel({ model, format: 'onnx', target: onnxTarget, sources, kept: flap.kept });
      const session = await ort.InferenceSession.create(onnxTarget.bytes('model.onnx'));
      let sum = 0, count = 0;
      for (const w of evalSet) {
        const out = await session.run({ input_ids: new ort.Tensor('int64', BigInt64Array.from(w, BigInt), [1, w.length]) });
        const r = windowNllFromLogits(out.logits.data as Float32Array, w, spec.vocabSize);
        sum += r.sum; count += r.count;
      }
      await session.release();
      close(Math.exp(sum / count), flapPpl, 1e-3, 'FLAP 25% through onnxruntime-node');
    } finally {
      pruner.destroy();
      engine.destroy();
    }
  });
  it('the sensitivity scan and the search fitness run on it: a scan cell is the perplexity of that layer alone pruned, a fitness is the pruned model\'s perplexity', async () => {
    const { configJson, safetensors } = randomHfModel(spec, { seed: 3, dtype: 'F32', layout: 'transformers5' });
    const model = await loadModel([bytesSource(new TextEncoder().encode(configJson), 'config.json'), bytesSource(safetensors, 'model.safetensors')],
      { requireTokenizer: false });
    const engine = await Engine.create(gpu, model);
    const pruner = await Pruner.create(engine, calib);
    try {
      const { cells } = await sensitivityScan(pruner, { metric: 'wanda', levels: [0.5], by: 'layer', windows: evalSet });
      expect(cells).toHaveLength(spec.numLayers);
      for (const c of cells) {
        await pruner.prune({ metric: 'wanda', sparsity: 0.25, allocation: Array.from({ length: spec.numLayers }, (_, l) => (l === c.layer ? 0.5 : 0)) });
        expect(c.ppl, `layer ${c.layer}`).toBe(await windowsPerplexity(engine, evalSet));
      }
      const vector = Array.from({ length: spec.numLayers }, (_, l) => 0.2 + 0.2 * l);
      const fitness = await new PruningFitness(pruner, { metric: 'wanda', structured: 'wanda-sp' }, evalSet).evaluate(vector);
      await pruner.prune({ metric: 'wanda', structured: 'wanda-sp', sparsity: 0.3, allocation: vector });
      expect(fitness).toBe(await windowsPerplexity(engine, evalSet));
    } finally { pruner.destroy(); engine.destroy(); }
  });
});
