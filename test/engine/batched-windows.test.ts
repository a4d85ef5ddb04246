// Batched windows (issue 13 §3): several windows in one dispatch give each window's NLL sum bit for bit as one window
// at a time (windowNll), on stories260K and on random architectures incl. sliding windows, length-dependent RoPE
// (longrope, dynamic: their tables are built per window length, not per batch) and learned positions (gpt2, opt).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGpu, type Gpu } from '../../src/core/gpu/device.ts';
import { bytesSource } from '../../src/core/formats/byte-source.ts';
import { loadModel } from '../../src/core/formats/load-model.ts';
import { pathSources } from '../../src/core/formats/node-file-source.ts';
import { randomHfModel } from '../../src/core/model/random-model.ts';
import { Engine } from '../../src/core/engine/engine.ts';
import { accumulateNll } from '../../src/core/engine/nll-accumulator.ts';
import { batchOf } from '../../src/core/engine/perplexity.ts';
import { ARCH_SEQ, architectureCases, randomTokens } from '../helpers/architecture-cases.ts';
import { STORIES_HF } from '../helpers/fixtures.ts';

let gpu: Gpu;
beforeAll(async () => { gpu = await createGpu(); });
afterAll(() => gpu?.destroy());

const bits = (x: number) => new Float64Array([x]);

/** windowNll of each window, then all of them batched (twice, to also run a reused batched plan): same bits. */
async function expectSameBits(engine: Engine, windows: number[][]): Promise<void> {
  {
    const alone = [];
    for (const w of windows) alone.push(await engine.windowNll(w));
    const batched = await engine.windowsNll(windows);
    const again = await engine.windowsNll(windows.slice().reverse());
    for (let i = 0; i < windows.length; i++) {
      expect(bits(batched[i].sum), `window ${i}`).toEqual(bits(alone[i].sum));
      expect(bits(again[windows.length - 1 - i].sum), `window ${i}, reversed batch`).toEqual(bits(alone[i].sum));
      expect(batched[i].count).toBe(alone[i].count);
    }
    // and a window alone after the batched plans (the KV cache was rebuilt for the batch) still agrees
    expect(bits((await engine.windowNll(windows[1])).sum)).toEqual(bits(alone[1].sum));
  }
}

describe('batched windows', () => {
  it('stories260K: per-window NLL and the perplexity loop\'s total are bit-identical to one window at a time', async () => {
    const model = await loadModel(await pathSources(STORIES_HF));
    const windows = [1, 2, 3, 4, 5].map((s) => randomTokens(64, model.spec.vocabSize, s));
    const engine = await Engine.create(gpu, model);
    try {
      await expectSameBits(engine, windows);
      const batch = batchOf(engine, windows)!;
      expect(batch.size).toBeGreaterThan(1);
      const one = await accumulateNll(windows, (w) => engine.windowNll(w));
      // a batch of 2 leaves a last window alone: both paths of the loop run
      const many = await accumulateNll(windows, (w) => engine.windowNll(w), { batch: { ...batch, size: 2 } });
      expect(bits(many.sum)).toEqual(bits(one.sum));
      expect(many.count).toBe(one.count);
    } finally { engine.destroy(); }
  });

  it('stories260K on the subgroup matmul (SwiftShader: 4 lanes): the NLL bits of blocked4x4, alone and batched', async () => {
    expect(gpu.subgroupSize).toBe(4);
    const model = await loadModel(await pathSources(STORIES_HF));
    const windows = [6, 7, 8].map((s) => randomTokens(64, model.spec.vocabSize, s));
    const subgroup = await Engine.create(gpu, model, { matmulVariant: 'subgroup' });
    const blocked = await Engine.create(gpu, model, { matmulVariant: 'blocked4x4' });
    try {
      await expectSameBits(subgroup, windows);
      // Same k order in every sum (a vec4 step times a 4x4 block, ascending): the whole forward agrees bit for bit.
      for (const w of windows) expect(bits((await subgroup.windowNll(w)).sum)).toEqual(bits((await blocked.windowNll(w)).sum));
    } finally { subgroup.destroy(); blocked.destroy(); }
  });

  const picked = architectureCases.filter(([name]) => /^(mistral|gemma3_text \(transformers 5|gpt2 \(Conv1D|opt|llama \(longrope|llama \(dynamic)/.test(name));
  it.each(picked)('%s', async (_name, spec, layout) => {
    const { configJson, safetensors } = randomHfModel(spec, { seed: 5, dtype: 'F32', layout });
    const model = await loadModel([bytesSource(new TextEncoder().encode(configJson), 'config.json'),
      bytesSource(safetensors, 'model.safetensors')], { requireTokenizer: false });
    const engine = await Engine.create(gpu, model, { matmulVariant: 'blocked4x4' });
    try {
      await expectSameBits(engine, [1, 2, 3].map((s) => randomTokens(ARCH_SEQ, spec.vocabSize, s)));
    } finally { engine.destroy(); }
  });
});
