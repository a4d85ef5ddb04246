// MRP with SparseGPT on stories260K against the float64 oracle (test/prune/reference/mrp.ts with the SparseGPT
// pass): the same calibration windows (the first 4 x 128 TinyStories tokens) and held-out evaluation windows (the
// next 4 x 128), S = 0.5 with the default M, s0, step, sMax and refresh. The GPU keeps every layer's
// inverse-Hessian factors while MRP runs; R_l scores the dense weights by w^2 / [H^-1]_jj^2.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Gpu } from '../../src/core/gpu/device.ts';
import { Engine } from '../../src/core/engine/engine.ts';
import type { ReferenceWeights } from '../../src/core/engine/reference-forward.ts';
import type { LoadedModel } from '../../src/core/model/loaded-model.ts';
import type { ModelSpec } from '../../src/core/model/spec.ts';
import { BadRequest } from '../../src/core/errors.ts';
import { Pruner } from '../../src/core/prune/pruner.ts';
import { checkKeptFactorBudget, factorSlotBytes } from '../../src/core/prune/sparsegpt-factors.ts';
import { openStoriesPruning, windowsPerplexity } from '../helpers/stories-pruning.ts';
import { referenceMrp, referencePerplexity } from './reference/index.ts';

const SEQ = 128, CALIB = 4, EVAL = 4, L = 5, S = 0.5;
let gpu: Gpu, engine: Engine, pruner: Pruner, model: LoadedModel, dense: ReferenceWeights;
let calib: number[][], evalSet: number[][];

const gpuPerplexity = () => windowsPerplexity(engine, evalSet);

beforeAll(async () => {
  ({ gpu, engine, pruner, model, dense, calib, evalSet } = await openStoriesPruning({ seq: SEQ, calib: CALIB, eval: EVAL }));
}, 300_000); // model load, matmul autotune and calibration buffers: minutes when other GPU test files share 2 cores
afterAll(() => { pruner?.destroy(); engine?.destroy(); gpu?.destroy(); });

const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
const spread = (v: number[]) => Math.max(...v) - Math.min(...v);

describe('MRP with SparseGPT', () => {
  // The oracle is computed once, by whichever test needs it first (so each also runs alone, e.g. with -t).
  let oracle: ReturnType<typeof referenceMrp> | undefined;
  const reference = () => {
    if (oracle) return oracle;
    const t0 = performance.now();
    oracle = referenceMrp(model.spec, dense, calib, S, 'sparsegpt');
    console.log(`MRP+SparseGPT oracle: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    return oracle;
  };
  it('float64 oracle, S = 0.5: allocation mean exactly S, R spread shrinks', () => {
    const ref = reference();
    expect(Math.abs(mean(ref.allocation) - S)).toBeLessThan(1e-9);
    expect(spread(ref.redundancyAfter)).toBeLessThan(spread(ref.redundancyBefore));
  });

  it('stories260K, S = 0.5: allocation mean exactly S, R spread shrinks, equals the float64 oracle within 1%', async () => {
    const ref = reference();
    const t1 = performance.now();
    const result = await pruner.prune({ metric: 'sparsegpt', sparsity: S, allocation: 'mrp' });
    const seconds = (performance.now() - t1) / 1000;
    const ppl = await gpuPerplexity();
    const refPpl = referencePerplexity(model.spec, ref.weights, evalSet);
    const fmt = (v: number[]) => v.map((x) => x.toFixed(3)).join(', ');
    console.log(`MRP+SparseGPT GPU: allocation [${fmt(result.allocation)}], R before [${fmt(result.redundancyBefore!)}] ` +
      `after [${fmt(result.redundancyAfter!)}], spread ${result.spreadBefore!.toFixed(4)} -> ${result.spreadAfter!.toFixed(4)}, ` +
      `ppl ${ppl.toFixed(4)}, ${seconds.toFixed(1)} s`);
    console.log(`MRP+SparseGPT oracle: allocation [${fmt(ref.allocation)}], R before [${fmt(ref.redundancyBefore)}] ` +
      `after [${fmt(ref.redundancyAfter)}], ppl ${refPpl.toFixed(4)}`);
    expect(Math.abs(mean(result.allocation) - S)).toBeLessThan(1e-9);
    expect(Math.max(...result.allocation)).toBeLessThanOrEqual(0.95);
    expect(result.spreadAfter!).toBeLessThan(result.spreadBefore!);
    result.redundancyBefore!.forEach((r, l) => expect(r).toBeCloseTo(ref.redundancyBefore[l], 3));
    result.allocation.forEach((s, l) => expect(s).toBeCloseTo(ref.allocation[l], 2));
    // The masks hold what was allocated: per layer, the counts of SparseGPT's per-block floor(N * cnt * s_l).
    result.achievedSparsity.forEach((a, l) => expect(Math.abs(a - result.allocation[l])).toBeLessThan(0.005));
    expect(pruner.weightOverrides).not.toBeNull();
    expect(Math.abs(ppl / refPpl - 1), `GPU ${ppl} vs oracle ${refPpl}`).toBeLessThan(0.01);
  });

  it('the kept-factor budget refuses 7B LLaMA shapes with a clear error and admits stories260K', () => {
    const llama7b: ModelSpec = { ...model.spec, hiddenSize: 4096, intermediateSize: 11008, numLayers: 32, numHeads: 32,
      numKvHeads: 32, headDim: 128 };
    // Per layer: 3 x 4096 x 4096 + 11008 x 11008 four-byte values (+ 2K per input) = 686 MB; 32 layers ~ 22 GB.
    expect(factorSlotBytes(llama7b)).toBe(4 * (3 * (4096 * 4096 + 2 * 4096) + 11008 * 11008 + 2 * 11008));
    expect(() => checkKeptFactorBudget(llama7b, 27e9 / 2)).toThrow(BadRequest);
    expect(() => checkKeptFactorBudget(llama7b, 27e9 / 2)).toThrow(/MRP with SparseGPT keeps every layer's inverse-Hessian factors/);
    // stories260K: 5 layers x ~170 KB, far below the 1 GiB floor.
    expect(checkKeptFactorBudget(model.spec, engine.weights.bytes)).toBe(5 * factorSlotBytes(model.spec));
  });
});
