// Batched calibration windows (issue 13 §3): the calibration stream runs B windows per dispatch (M = B x seq); every
// row runs the same kernel code and the statistics / Hessians add each window's sums in window order, so every
// method's masks, allocation and perplexity are the bits of one window at a time, not merely close.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGpu, type Gpu } from '../../src/core/gpu/device.ts';
import { bytesSource } from '../../src/core/formats/byte-source.ts';
import { loadModel } from '../../src/core/formats/load-model.ts';
import { pathSources } from '../../src/core/formats/node-file-source.ts';
import { randomHfModel } from '../../src/core/model/random-model.ts';
import type { LoadedModel } from '../../src/core/model/loaded-model.ts';
import { Engine } from '../../src/core/engine/engine.ts';
import { readBuffers } from '../../src/core/gpu/buffers.ts';
import { windowsPerplexity } from '../../src/core/engine/perplexity.ts';
import { Pruner } from '../../src/core/prune/pruner.ts';
import { calibrationBatch } from '../../src/core/prune/calibration.ts';
import type { PruneRequest } from '../../src/core/prune/prune-options.ts';
import { architectureCases, randomTokens } from '../helpers/architecture-cases.ts';
import { STORIES_HF } from '../helpers/fixtures.ts';

let gpu: Gpu;
beforeAll(async () => { gpu = await createGpu(); });
afterAll(() => gpu?.destroy());

interface Side { engine: Engine; pruner: Pruner }

async function open(model: LoadedModel, calib: number[][], calibrationBatch?: number): Promise<Side> {
  const engine = await Engine.create(gpu, model, { matmulVariant: 'blocked4x4' });
  return { engine, pruner: await Pruner.create(engine, calib, { calibrationBatch }) };
}

/** Prunes both sides per `req`; the result (less its time), every mask word and the perplexity must be equal. */
async function expectSame(one: Side, batched: Side, req: PruneRequest, evalSet: number[][]): Promise<void> {
  const run = async ({ engine, pruner }: Side) => {
    const { seconds: _, ...result } = await pruner.prune(req);
    const entries = pruner.masks.layers.flat();
    const masks = (await readBuffers(gpu, entries.map((e) => ({ buffer: e.mask, bytes: e.mask.size })))).map((b) => [...new Uint32Array(b)]);
    return { result, masks, ppl: await windowsPerplexity(engine, evalSet) };
  };
  const a = await run(one), b = await run(batched);
  expect(b.result, JSON.stringify(req)).toEqual(a.result);
  expect(b.masks).toEqual(a.masks);
  expect(b.ppl).toBe(a.ppl);
}

describe('batched calibration windows', () => {
  it('picks the largest divisor of the window count within the batch size', () => {
    expect(calibrationBatch(4, 64)).toBe(4);
    expect(calibrationBatch(128, 64)).toBe(64);
    expect(calibrationBatch(12, 5)).toBe(4);
    expect(calibrationBatch(7, 6)).toBe(1);
    expect(calibrationBatch(1, 64)).toBe(1);
  });

  it('stories260K: Wanda, OWL, MRP, SparseGPT, Wanda-sp and FLAP equal one window at a time bit for bit', async () => {
    const model = await loadModel(await pathSources(STORIES_HF));
    const windows = [1, 2, 3, 4, 5, 6].map((s) => randomTokens(32, model.spec.vocabSize, s));
    const calib = windows.slice(0, 4), evalSet = windows.slice(4);
    const one = await open(model, calib, 1), batched = await open(model, calib);
    try {
      expect(one.pruner.calib.batch).toBe(1);
      expect(batched.pruner.calib.batch).toBe(4);
      for (const req of [
        { metric: 'wanda', sparsity: 0.5, allocation: 'uniform' },
        { metric: 'wanda', sparsity: 0.6, allocation: 'owl' },
        { metric: 'wanda', sparsity: 0.6, allocation: 'mrp', mrp: { step: 0.05 } },
        { metric: 'sparsegpt', sparsity: 0.5, allocation: 'uniform' },
        { metric: 'wanda', sparsity: 0.3, allocation: 'uniform', structured: 'wanda-sp' },
        { metric: 'wanda', sparsity: 0.3, allocation: 'uniform', structured: 'flap' },
      ] as PruneRequest[]) await expectSame(one, batched, req, evalSet);
    } finally {
      for (const s of [one, batched]) { s.pruner.destroy(); s.engine.destroy(); }
    }
  });

  it('dense statistics in one run per layer (captureAndAdvance) equal capture then advance, bit for bit', async () => {
    const model = await loadModel(await pathSources(STORIES_HF));
    const calib = [1, 2, 3].map((s) => randomTokens(32, model.spec.vocabSize, s));
    const side = await open(model, calib);
    try {
      const { pruner } = side, L = model.spec.numLayers;
      const readAll = async () => { const out = []; for (let l = 0; l < L; l++) out.push(await pruner.calib.readStats(l)); return out; };
      await pruner.denseStatistics();
      const fused = await readAll();
      await pruner.calib.embed();
      for (let l = 0; l < L; l++) { await pruner.calib.capture(l); await pruner.calib.advance(l); }
      expect(await readAll()).toEqual(fused);
    } finally { side.pruner.destroy(); side.engine.destroy(); }
  });

  // Learned positions and a sliding window read the position uniform's window length.
  const picked = architectureCases.filter(([name]) => /^(mistral|gpt2 \(Conv1D)/.test(name));
  it.each(picked)('%s: Wanda at sparsity 0.5 equals one window at a time bit for bit', async (_name, spec, layout) => {
    const { configJson, safetensors } = randomHfModel(spec, { seed: 7, dtype: 'F32', layout });
    const model = await loadModel([bytesSource(new TextEncoder().encode(configJson), 'config.json'),
      bytesSource(safetensors, 'model.safetensors')], { requireTokenizer: false });
    const windows = [1, 2, 3, 4].map((s) => randomTokens(24, spec.vocabSize, s));
    const one = await open(model, windows.slice(0, 3), 1), batched = await open(model, windows.slice(0, 3));
    try {
      expect(batched.pruner.calib.batch).toBe(3);
      await expectSame(one, batched, { metric: 'wanda', sparsity: 0.5, allocation: 'uniform' }, windows.slice(3));
    } finally {
      for (const s of [one, batched]) { s.pruner.destroy(); s.engine.destroy(); }
    }
  });
});
