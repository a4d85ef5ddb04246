// SparseGPT on stories260K against the independent float64 oracle (test/prune/reference/sparsegpt.ts): the same
// calibration windows (the first 4 x 128 TinyStories tokens) and held-out evaluation windows (the next 4 x 128).
// Perplexities agree within 1%; pruned counts come from the GPU masks; the run is reversible (the dense weights are
// never written, a later request or reset() drops the updated weights).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Gpu } from '../../src/core/gpu/device.ts';
import { readBuffer } from '../../src/core/gpu/buffers.ts';
import { Engine } from '../../src/core/engine/engine.ts';
import type { ReferenceWeights } from '../../src/core/engine/reference-forward.ts';
import type { LoadedModel } from '../../src/core/model/loaded-model.ts';
import { countKept } from '../../src/core/kernels/prune-mask.ts';
import { layerMaps } from '../../src/core/prune/linear-maps.ts';
import { Pruner } from '../../src/core/prune/pruner.ts';
import type { PruneRequest } from '../../src/core/prune/prune-options.ts';
import { openStoriesPruning, windowsPerplexity } from '../helpers/stories-pruning.ts';
import { referencePerplexity } from './reference/index.ts';
import { referenceSparseGptPrune } from './reference/sparsegpt.ts';

const SEQ = 128, CALIB = 4, EVAL = 4, L = 5;
let gpu: Gpu, engine: Engine, pruner: Pruner, model: LoadedModel, dense: ReferenceWeights;
let calib: number[][], evalSet: number[][];

const gpuPerplexity = () => windowsPerplexity(engine, evalSet);

const bytesOf = async (b: GPUBuffer) => new Uint8Array(await readBuffer(gpu, b, b.size));

beforeAll(async () => {
  ({ gpu, engine, pruner, model, dense, calib, evalSet } = await openStoriesPruning({ seq: SEQ, calib: CALIB, eval: EVAL }));
}, 300_000); // model load, matmul autotune and calibration buffers: minutes when other GPU test files share 2 cores
afterAll(() => { pruner?.destroy(); engine?.destroy(); gpu?.destroy(); });

/** Numbers measured before any SparseGPT run, for the reversibility check. */
const before = { densePpl: 0, wandaPpl: 0, wandaAchieved: [] as number[], weightBytes: new Map<string, Uint8Array>() };
const probed = () => [layerMaps(model.spec, 0)[0].name, layerMaps(model.spec, L - 1)[6].name]; // q of layer 0, down of the last

describe('SparseGPT on stories260K vs the float64 oracle', () => {
  it('baseline before any SparseGPT run: dense and Wanda 50% perplexities, dense weight bytes', async () => {
    pruner.reset();
    before.densePpl = await gpuPerplexity();
    before.wandaAchieved = (await pruner.prune({ metric: 'wanda', sparsity: 0.5, allocation: 'uniform' })).achievedSparsity;
    before.wandaPpl = await gpuPerplexity();
    for (const name of probed()) before.weightBytes.set(name, await bytesOf(engine.weights.tensors.get(name)!.buffer));
    console.log(`dense ppl ${before.densePpl.toFixed(4)}, Wanda 50% ${before.wandaPpl.toFixed(4)}`);
    expect(before.wandaPpl).toBeGreaterThan(before.densePpl);
  });

  const cases: Array<[string, PruneRequest]> = [
    ['uniform 50%', { metric: 'sparsegpt', sparsity: 0.5, allocation: 'uniform' }],
    ['2:4', { metric: 'sparsegpt', sparsity: 0.5, allocation: 'uniform', nm: { n: 2, m: 4 } }],
    ['explicit vector', { metric: 'sparsegpt', sparsity: 0.4, allocation: [0.2, 0.3, 0.4, 0.5, 0.6] }],
  ];
  for (const [name, req] of cases) {
    it(`${name}: perplexity within 1% of the oracle, pruned counts exact, updated weights match`, async () => {
      const alloc = Array.isArray(req.allocation) ? req.allocation : new Array(L).fill(req.sparsity);
      const ref = referenceSparseGptPrune(model.spec, dense, calib, alloc, req.nm);
      const t0 = performance.now();
      const result = await pruner.prune(req);
      const seconds = (performance.now() - t0) / 1000;
      const ppl = await gpuPerplexity();
      const refPpl = referencePerplexity(model.spec, ref.weights, evalSet);
      console.log(`sparsegpt ${name}: GPU ppl ${ppl.toFixed(4)}, oracle ${refPpl.toFixed(4)}, dense ${before.densePpl.toFixed(4)}, ` +
        `prune ${seconds.toFixed(2)} s`);
      expect(result.allocation).toEqual(alloc);
      let agree = 0, all = 0;
      for (let l = 0; l < L; l++) {
        let prunedLayer = 0, totalLayer = 0;
        for (const [i, m] of layerMaps(model.spec, l).entries()) {
          const e = pruner.masks.entries.get(m.name)!;
          const bits = new Uint32Array(await readBuffer(gpu, e.mask, m.N * e.words * 4));
          const keptRows = countKept(bits, m.N, m.K);
          const pruned = m.N * m.K - keptRows.reduce((a, b) => a + b, 0);
          if (req.nm) {
            // per row: every full group of 4 keeps 2 (K = 64 and 172 are multiples of 4)
            keptRows.forEach((k) => expect(k).toBe(m.K / 2));
          } else {
            let expected = 0;
            for (let i1 = 0; i1 < m.K; i1 += 128) expected += Math.floor(m.N * Math.min(128, m.K - i1) * alloc[l] + 1e-9);
            expect(pruned, `${m.name} pruned count`).toBe(expected);
          }
          const refKeep = Object.values(ref.masks[l])[i];
          for (let r = 0; r < m.N; r++) {
            for (let j = 0; j < m.K; j++) agree += Number(((bits[r * e.words + (j >> 5)] >>> (j & 31)) & 1) === refKeep[r * m.K + j]);
          }
          all += m.N * m.K;
          prunedLayer += pruned;
          totalLayer += m.N * m.K;
        }
        expect(result.achievedSparsity[l]).toBeCloseTo(prunedLayer / totalLayer, 12);
      }
      console.log(`sparsegpt ${name}: masks agree with the oracle on ${(100 * agree / all).toFixed(3)}% of weights`);
      expect(agree / all).toBeGreaterThan(0.99);
      // Layer 0 sees the same inputs on both sides: its updated weights equal the oracle's (f32 Hessian vs f64).
      for (const m of layerMaps(model.spec, 0)) {
        const got = new Float32Array(await readBuffer(gpu, pruner.weightOverrides!.get(m.name)!, m.N * m.K * 4));
        const want = ref.weights.get(m.name)!;
        const scale = want.reduce((a, v) => Math.max(a, Math.abs(v)), 0);
        let maxDiff = 0, moved = 0;
        const d0 = dense.get(m.name)!;
        got.forEach((v, k) => { maxDiff = Math.max(maxDiff, Math.abs(v - want[k])); if (v !== 0 && v !== Math.fround(d0[k])) moved++; });
        expect(maxDiff, `${m.name} vs oracle`).toBeLessThan(2e-3 * scale);
        expect(moved, `${m.name}: kept weights were updated`).toBeGreaterThan(0);
      }
      expect(Math.abs(ppl / refPpl - 1), `GPU ${ppl} vs oracle ${refPpl}`).toBeLessThan(0.01);
    });
  }

  it('the float64 CPU solver (the oracle\'s twin, kept for tests and the benchmark) gives the same result', async () => {
    await pruner.prune({ metric: 'sparsegpt', sparsity: 0.5, allocation: 'uniform' });
    const gpuPpl = await gpuPerplexity();
    const gpuMasks = await Promise.all([...pruner.masks.entries.values()].map((e) => readBuffer(gpu, e.mask, e.mask.size)));
    pruner.sparseGptSolver = 'cpu';
    try {
      await pruner.prune({ metric: 'sparsegpt', sparsity: 0.5, allocation: 'uniform' });
    } finally { pruner.sparseGptSolver = 'gpu'; }
    const cpuPpl = await gpuPerplexity();
    const cpuMasks = await Promise.all([...pruner.masks.entries.values()].map((e) => readBuffer(gpu, e.mask, e.mask.size)));
    let same = 0, all = 0;
    cpuMasks.forEach((m, i) => {
      const a = new Uint32Array(m), b = new Uint32Array(gpuMasks[i]);
      a.forEach((v, k) => { all += 32; for (let x = v ^ b[k]; ; x &= x - 1) { if (!x) { same += 32; break; } same--; } });
    });
    console.log(`GPU solver ppl ${gpuPpl.toFixed(4)}, CPU solver ${cpuPpl.toFixed(4)}, mask bits equal ${(100 * same / all).toFixed(4)}%`);
    expect(Math.abs(gpuPpl / cpuPpl - 1)).toBeLessThan(1e-3);
    expect(same / all).toBeGreaterThan(0.999);
  });

  it('sparsity 0 gives the dense perplexity and keeps every weight', async () => {
    const result = await pruner.prune({ metric: 'sparsegpt', sparsity: 0, allocation: 'uniform' });
    expect(result.achievedSparsity).toEqual(new Array(L).fill(0));
    expect(Math.abs((await gpuPerplexity()) / before.densePpl - 1)).toBeLessThan(1e-6);
  });

  it('is reversible: a following Wanda prune and reset() give the numbers from before, the dense weights are untouched', async () => {
    // No write ever targets a dense weight buffer (the overrides are separate buffers).
    const denseBuffers = new Set([...engine.weights.tensors.values()].map((t) => t.buffer));
    const written: GPUBuffer[] = [];
    const { queue } = gpu.device;
    const realWrite = queue.writeBuffer.bind(queue);
    queue.writeBuffer = ((b: GPUBuffer, ...rest: unknown[]) => { written.push(b); return (realWrite as (...a: unknown[]) => void)(b, ...rest); }) as typeof queue.writeBuffer;
    try {
      await pruner.prune({ metric: 'sparsegpt', sparsity: 0.5, allocation: 'uniform' });
    } finally { queue.writeBuffer = realWrite; }
    expect(written.filter((b) => denseBuffers.has(b))).toEqual([]);
    // The GPU solver updates the overrides in place: no weight is uploaded. The GPU factor reads no Hessian back,
    // only one status word per input and layer (the float64 factor read back every layer's 4 K x K Hessians).
    expect(written.filter((b) => [...pruner.weightOverrides!.values()].includes(b))).toEqual([]);
    expect(pruner.sparseGptCost!.readBackBytes).toBe(L * 4 * 4);
    expect(pruner.sparseGptCost!.dampingRaised).toEqual([]);
    expect(pruner.weightOverrides).not.toBeNull();
    const sparsePpl = await gpuPerplexity();
    const wanda = await pruner.prune({ metric: 'wanda', sparsity: 0.5, allocation: 'uniform' });
    expect(pruner.weightOverrides).toBeNull();
    expect(wanda.achievedSparsity).toEqual(before.wandaAchieved);
    expect(await gpuPerplexity()).toBe(before.wandaPpl);
    await pruner.prune({ metric: 'sparsegpt', sparsity: 0.5, allocation: 'uniform' });
    expect(await gpuPerplexity()).toBe(sparsePpl);   // deterministic
    pruner.reset();
    expect(pruner.weightOverrides).toBeNull();
    expect(await gpuPerplexity()).toBe(before.densePpl);
    for (const name of probed()) expect(await bytesOf(engine.weights.tensors.get(name)!.buffer)).toEqual(before.weightBytes.get(name));
  });

  it('OWL allocation with SparseGPT averages to the target (MRP with SparseGPT: sparsegpt-mrp.test.ts)', async () => {
    const owl = await pruner.prune({ metric: 'sparsegpt', sparsity: 0.5, allocation: 'owl' });
    expect(Math.abs(owl.allocation.reduce((a, b) => a + b, 0) / L - 0.5)).toBeLessThan(1e-12);
    owl.achievedSparsity.forEach((s, l) => expect(Math.abs(s - owl.allocation[l])).toBeLessThan(0.01));
  });
});
