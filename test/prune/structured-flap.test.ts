// FLAP (fluctuation scores, bias compensation, the flap-global allocation) on the GPU against the float64 oracle on stories260K (5 layers,
// 8 heads over 4 kv heads, MLP 172), with the protocol of structured.test.ts: calibration = the first 4 x 128
// TinyStories tokens, evaluation = the next 4 x 128.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Gpu } from '../../src/core/gpu/device.ts';
import { Engine } from '../../src/core/engine/engine.ts';
import type { ReferenceWeights } from '../../src/core/engine/reference-forward.ts';
import type { LoadedModel } from '../../src/core/model/loaded-model.ts';
import { Pruner } from '../../src/core/prune/pruner.ts';
import { openStoriesPruning, windowsPerplexity } from '../helpers/stories-pruning.ts';
import { referenceFlapGlobalCounts, referencePerplexity, referenceStructuredPrune } from './reference/index.ts';

const SEQ = 128, CALIB = 4, EVAL = 4, L = 5, HEADS = 8, MLP = 172;
let gpu: Gpu, engine: Engine, pruner: Pruner, model: LoadedModel, dense: ReferenceWeights;
let calib: number[][], evalSet: number[][];

const gpuPerplexity = () => windowsPerplexity(engine, evalSet);

beforeAll(async () => {
  ({ gpu, engine, pruner, model, dense, calib, evalSet } = await openStoriesPruning({ seq: SEQ, calib: CALIB, eval: EVAL }));
}, 300_000); // model load, matmul autotune and calibration buffers: minutes when other GPU test files share 2 cores
afterAll(() => { pruner?.destroy(); engine?.destroy(); gpu?.destroy(); });

describe('FLAP on the GPU vs the float64 reference (stories260K)', () => {
  // GPU perplexity per (p, compensation), measured once by whichever test needs it first (each test also runs alone).
  const measured: Record<string, number> = {};
  const flapPpl = async (p: number, compensation: boolean) => {
    const key = `${p} ${compensation}`;
    if (measured[key] === undefined) {
      await pruner.prune({ metric: 'wanda', structured: 'flap', sparsity: p, allocation: 'uniform', biasCompensation: compensation });
      measured[key] = await gpuPerplexity();
    }
    return measured[key];
  };
  for (const [p, compensation] of [[0.5, true], [0.5, false], [0.25, true]] as const) {
    it(`flap ${p}, bias compensation ${compensation ? 'on' : 'off'}: kept sets and biases as the reference, perplexity within 1%`, async () => {
      const ref = referenceStructuredPrune(model.spec, dense, calib, new Array(L).fill(p), 'flap', { biasCompensation: compensation });
      const result = await pruner.prune({ metric: 'wanda', structured: 'flap', sparsity: p, allocation: 'uniform', biasCompensation: compensation });
      const ppl = await gpuPerplexity();
      const refPpl = referencePerplexity(ref.spec, ref.weights, evalSet);
      for (let l = 0; l < L; l++) {
        const k = result.kept![l];
        expect(k.heads).toHaveLength(HEADS - Math.floor(p * HEADS));
        expect(k.channels).toHaveLength(MLP - Math.floor(p * MLP));
        expect(k.heads, `layer ${l} heads`).toEqual(ref.kept[l].heads);
        expect(k.channels, `layer ${l} channels`).toEqual(ref.kept[l].channels);
        if (!compensation) {
          expect(k.oBias).toBeUndefined();
          continue;
        }
        // The compensated biases themselves (f32 sums of up to f products vs float64).
        const refO = ref.weights.get(`model.layers.${l}.self_attn.o_proj.bias`)!, refDown = ref.weights.get(`model.layers.${l}.mlp.down_proj.bias`)!;
        k.oBias!.forEach((b, i) => expect(Math.abs(b - refO[i]), `layer ${l} o bias ${i}`).toBeLessThan(1e-4 * (1 + Math.abs(refO[i]))));
        k.downBias!.forEach((b, i) => expect(Math.abs(b - refDown[i]), `layer ${l} down bias ${i}`).toBeLessThan(1e-4 * (1 + Math.abs(refDown[i]))));
        expect(k.downBias!.some((b) => Math.abs(b) > 1e-3), 'compensation is not zero').toBe(true);
      }
      measured[`${p} ${compensation}`] = ppl;
      console.log(`flap ${p} compensation ${compensation}: GPU ppl ${ppl.toFixed(4)}, reference ${refPpl.toFixed(4)}`);
      expect(Math.abs(ppl / refPpl - 1), `GPU ${ppl} vs reference ${refPpl}`).toBeLessThan(0.01);
    });
  }

  it('bias compensation changes the perplexity (the test fails if it were a no-op)', async () => {
    const on = await flapPpl(0.5, true), off = await flapPpl(0.5, false);
    console.log(`flap 0.5: ${off.toFixed(4)} without compensation -> ${on.toFixed(4)} with`);
    expect(Math.abs(on / off - 1)).toBeGreaterThan(0.01);
  });

  it('flap-global 0.5: per-layer counts from the global ranking as the reference, mean allocation at the target, perplexity within 1%', async () => {
    const counts = referenceFlapGlobalCounts(model.spec, dense, calib, 0.5);
    const ref = referenceStructuredPrune(model.spec, dense, calib, new Array(L).fill(0.5), 'flap', { counts });
    const result = await pruner.prune({ metric: 'wanda', structured: 'flap', sparsity: 0.5, allocation: 'flap-global' });
    const ppl = await gpuPerplexity();
    const refPpl = referencePerplexity(ref.spec, ref.weights, evalSet);
    result.kept!.forEach((k, l) => {
      expect({ heads: HEADS - k.heads.length, channels: MLP - k.channels.length }, `layer ${l} counts`).toEqual(counts[l]);
      expect(k.heads, `layer ${l} heads`).toEqual(ref.kept[l].heads);
      expect(k.channels, `layer ${l} channels`).toEqual(ref.kept[l].channels);
    });
    // Not uniform, and on target up to half a head (the largest unit: 2 d hd of a layer's 2 nH d hd + 3 f d weights).
    expect(new Set(counts.map((c) => `${c.heads} ${c.channels}`)).size).toBeGreaterThan(1);
    const mean = result.allocation.reduce((a, b) => a + b, 0) / L;
    expect(Math.abs(mean - 0.5)).toBeLessThanOrEqual(0.5 * (2 * 64 * 8) / (2 * HEADS * 64 * 8 + 3 * MLP * 64) / L + 1e-12);
    console.log(`flap-global 0.5: removals ${JSON.stringify(counts)}, GPU ppl ${ppl.toFixed(4)}, reference ${refPpl.toFixed(4)}`);
    expect(Math.abs(ppl / refPpl - 1), `GPU ${ppl} vs reference ${refPpl}`).toBeLessThan(0.01);
  });

  it('refuses bias compensation for other methods, and flap-global without flap or with kv-groups', async () => {
    const req = { metric: 'wanda' as const, sparsity: 0.5, allocation: 'flap-global' as const };
    await expect(pruner.prune({ ...req, structured: 'wanda-sp' })).rejects.toThrow(/flap-global allocation .* needs --structured flap/);
    await expect(pruner.prune({ ...req, structured: 'flap', kvGroups: true })).rejects.toThrow(/not whole kv-groups/);
    await expect(pruner.prune({ ...req })).rejects.toThrow(/needs --structured flap/);
    await expect(pruner.prune({ metric: 'wanda', structured: 'wanda-sp', sparsity: 0.5, allocation: 'uniform', biasCompensation: true }))
      .rejects.toThrow(/part of FLAP/);
  });
});
