// MRP's incremental passes (a refresh resumes at the lowest layer whose sparsity changed, from a kept copy of the
// calibration stream; only the layers above it are re-measured and re-scored; the count repair resumes likewise)
// against full re-propagation (Pruner.mrpIncremental = false: every pass from the embedding, every R re-measured),
// on the same pruner: the results, the masks and the perplexity must be identical, not merely close.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Gpu } from '../../src/core/gpu/device.ts';
import { Engine } from '../../src/core/engine/engine.ts';
import { readBuffers } from '../../src/core/gpu/buffers.ts';
import { Pruner, type PruneResult } from '../../src/core/prune/pruner.ts';
import type { PruneRequest } from '../../src/core/prune/prune-options.ts';
import { openStoriesPruning, windowsPerplexity } from '../helpers/stories-pruning.ts';

const SEQ = 64, CALIB = 2, EVAL = 2, L = 5;
let gpu: Gpu, engine: Engine, pruner: Pruner, evalSet: number[][], d: number;

beforeAll(async () => {
  let model;
  ({ gpu, engine, pruner, model, evalSet } = await openStoriesPruning({ seq: SEQ, calib: CALIB, eval: EVAL }));
  d = model.spec.hiddenSize;
}, 300_000);
afterAll(() => { pruner?.destroy(); engine?.destroy(); gpu?.destroy(); });

interface Run { result: Omit<PruneResult, 'seconds'>; masks: number[][]; ppl: number; layerPasses: number }

/** A fresh MRP run (its cached results forgotten; a uniform prune before it leaves other masks behind), its
 * masks, its perplexity and how many layers its passes visited. */
async function run(req: PruneRequest, incremental: boolean, budgetBytes?: number): Promise<Run> {
  await pruner.prune({ metric: 'magnitude', sparsity: 0.3, allocation: 'uniform' });
  pruner.forgetMrpResults();
  pruner.mrpIncremental = incremental;
  const budget = pruner.mrpInputBudgetBytes;
  if (budgetBytes !== undefined) pruner.mrpInputBudgetBytes = budgetBytes;
  let layerPasses = 0;
  try {
    const { seconds: _, ...result } = await pruner.prune(req, {
      onProgress: (p) => { if (p.phase === 'MRP re-propagation' || p.phase === 'count repair') layerPasses++; } });
    const entries = pruner.masks.layers.flat();
    const masks = (await readBuffers(gpu, entries.map((e) => ({ buffer: e.mask, bytes: e.mask.size })))).map((b) => [...new Uint32Array(b)]);
    return { result, masks, ppl: await windowsPerplexity(engine, evalSet), layerPasses };
  } finally {
    pruner.mrpIncremental = true;
    pruner.mrpInputBudgetBytes = budget;
  }
}

function expectIdentical(inc: Run, full: Run): void {
  expect(inc.result.allocation).toEqual(full.result.allocation);
  expect(inc.result.redundancyBefore).toEqual(full.result.redundancyBefore);
  expect(inc.result.redundancyAfter).toEqual(full.result.redundancyAfter);
  expect(inc.result.trajectory).toEqual(full.result.trajectory);
  expect(inc.result).toEqual(full.result);
  expect(inc.masks).toEqual(full.masks);
  expect(inc.ppl).toBe(full.ppl);
}

describe('MRP: incremental passes equal full re-propagation', () => {
  const wanda = { metric: 'wanda', sparsity: 0.7, allocation: 'mrp' } as const;
  // Computed by whichever test needs it first (so each also runs alone, e.g. with -t).
  let fullWanda: Run | undefined;
  const full = async () => (fullWanda ??= await run(wanda, false));

  it('Wanda 70%: every layer input kept', async () => {
    const f = await full();
    const inc = await run(wanda, true);
    // 1 start + 6 refreshes + 1 final + the count repair, each of L layers, when every pass is full.
    expect(f.layerPasses).toBe(9 * L);
    expect(inc.layerPasses).toBeLessThan(f.layerPasses); // some pass resumed above layer 0
    expect(f.result.count!.removed).not.toBe(f.result.count!.methodRounding); // the repair pass ran
    expectIdentical(inc, f);
  });

  it('Wanda 70%: inputs kept every other layer (a budget of two), the rest re-advanced from the nearest', async () => {
    const streamBytes = CALIB * SEQ * d * 4;
    expectIdentical(await run(wanda, true, 2 * streamBytes), await full());
  });

  it('Wanda 70%: no memory for inputs: every resume re-advances from the embedding', async () => {
    expectIdentical(await run(wanda, true, 1), await full());
  });

  it('magnitude 60%', async () => {
    const req = { metric: 'magnitude', sparsity: 0.6, allocation: 'mrp' } as const;
    expectIdentical(await run(req, true), await run(req, false));
  });

  it('SparseGPT 30%, a refresh after every step (a resumed layer is re-pruned from its kept factors)', async () => {
    // Steps of 0.05 raise the mean by 0.01 = refresh: each refresh resumes at the layer just stepped.
    const req = { metric: 'sparsegpt', sparsity: 0.3, allocation: 'mrp', mrp: { s0: 0.2, step: 0.05, refresh: 0.01 } } as const;
    const full = await run(req, false);
    const inc = await run(req, true);
    expectIdentical(inc, full);
    expect(inc.layerPasses).toBeLessThan(full.layerPasses);
  });
});
