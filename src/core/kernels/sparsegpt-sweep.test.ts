// SparseGPT's GPU sweep (select + sweep + propagate per block) against the float64 CPU solver on random maps:
// random W, random SPD H (a Gram matrix of correlated random inputs), unstructured and N:M, K across block
// boundaries (K > 128, K not a multiple of 128), a dead input column. Both sides use the same factor U rounded to
// f32 (the GPU's copy), so the masks must agree exactly and the weights differ only by f32 arithmetic.
import { describe, expect, it } from 'vitest';
import { readBuffer, readF32 } from '../gpu/buffers.ts';
import { runCalls } from './kernel-call.ts';
import { countKept } from './prune-mask.ts';
import { factorLayout, prepareSparseGptSweep, sparseGptBlockCounts } from './sparsegpt-sweep.ts';
import { KernelShapeError } from './guards.ts';
import { inverseHessianFactor, sparseGptSolveFactored } from '../prune/sparsegpt-solver.ts';
import { keepToBits } from '../prune/sparsegpt.ts';
import { pseudoRandomF32, upload, useGpu } from '../../../test/helpers/kernel-harness.ts';

const gpu = useGpu();
const SENTINEL = 0xdeadbeef;

/** Correlated inputs (a shared factor per token and neighbour mixing), as real activations: the update matters. */
function gram(T: number, K: number, seed: number, deadColumn?: number): Float64Array {
  const Z = pseudoRandomF32(T * K, seed), F = pseudoRandomF32(T, seed + 1);
  const X = new Float64Array(T * K);
  for (let t = 0; t < T; t++) {
    for (let j = 0; j < K; j++) X[t * K + j] = j === deadColumn ? 0 : Z[t * K + j] + (j ? 0.7 * Z[t * K + j - 1] : 0) + F[t];
  }
  const G = new Float64Array(K * K);
  for (let t = 0; t < T; t++) for (let a = 0; a < K; a++) for (let b = 0; b < K; b++) G[a * K + b] += X[t * K + a] * X[t * K + b];
  return G;
}

interface Case { N: number; K: number; sparsity: number; nm?: { n: number; m: number }; seed: number; dead?: number }

async function compare({ N, K, sparsity, nm, seed, dead }: Case) {
  const W = pseudoRandomF32(N * K, seed);
  const factor = inverseHessianFactor(gram(Math.ceil(K / 2) + 7, K, seed + 2, dead), K);
  const U32 = Float32Array.from(factor.U);
  const cpu = sparseGptSolveFactored(W, N, K, { U: Float64Array.from(U32), dead: factor.dead }, { sparsity, nm });
  const owned: GPUBuffer[] = [];
  const g = gpu();
  const words = Math.ceil(K / 32);
  const w = await upload(g, 'w', W, owned);
  const mask = await upload(g, 'mask', new Uint32Array(N * words).fill(SENTINEL), owned);
  const sweep = await prepareSparseGptSweep(g, {
    w, mask, N, K, nm,
    u: await upload(g, 'u', factorLayout(U32, K), owned),
    dead: await upload(g, 'dead', Uint32Array.from(factor.dead, Number), owned),
    counts: await upload(g, 'counts', sparseGptBlockCounts(N, K, sparsity), owned),
    pruned: await upload(g, 'pruned', new Uint32Array(N * 128).fill(SENTINEL), owned),
    err: await upload(g, 'err', new Float32Array((N + 3) * 128).fill(NaN), owned),
  });
  await runCalls(g, sweep.calls);
  const weights = await readF32(g, w, N * K);
  const bits = new Uint32Array(await readBuffer(g, mask, N * words * 4));
  [...owned, ...sweep.uniforms].forEach((b) => b.destroy());
  return { W, cpu, weights, bits, words };
}

const cases: Array<[string, Case]> = [
  ['unstructured 50%, K = 300 (blocks 128 + 128 + 44)', { N: 24, K: 300, sparsity: 0.5, seed: 11 }],
  ['unstructured 70%, K = 129 (a one-column last block), a dead column', { N: 9, K: 129, sparsity: 0.7, seed: 21, dead: 5 }],
  ['unstructured 25%, K = 40 (one block), N = 70 (two row workgroups)', { N: 70, K: 40, sparsity: 0.25, seed: 31 }],
  ['2:4, K = 258 (a 2-column trailing group)', { N: 13, K: 258, sparsity: 0.5, nm: { n: 2, m: 4 }, seed: 41 }],
  ['4:8, K = 200, a dead column in the second block', { N: 10, K: 200, sparsity: 0.5, nm: { n: 4, m: 8 }, seed: 51, dead: 150 }],
];

describe('sparsegpt-sweep kernels vs the float64 CPU solver', () => {
  for (const [name, c] of cases) {
    it(`${name}: identical masks, weights within f32 tolerance`, async () => {
      const { W, cpu, weights, bits, words } = await compare(c);
      expect(Array.from(bits)).toEqual(Array.from(keepToBits(cpu.keep, c.N, c.K)));
      // Tolerance: both sides start from the same f32 weights and the same f32-rounded U; the GPU then rounds every
      // one of a weight's up to K compensation terms err * U (|err| = |w| / U_jj) to f32 (2^-24 relative) where
      // the CPU sums in float64. The terms stay within a few times the largest |weight| here, so K * 2^-24 * that
      // is ~1e-5 x scale for K = 300; measured ~5e-7 x scale. We ask 1e-5 x the largest |updated weight| (a
      // propagation off by 0.1% fails it), and exact zeros where pruned.
      const scale = cpu.weights.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      let maxDiff = 0, moved = 0;
      weights.forEach((v, i) => {
        maxDiff = Math.max(maxDiff, Math.abs(v - cpu.weights[i]));
        if (!cpu.keep[i]) expect(v).toBe(0);
        else if (v !== W[i]) moved++;
      });
      console.log(`${name}: max |GPU - CPU| ${maxDiff.toExponential(2)} (scale ${scale.toFixed(2)}), ${moved} kept weights updated`);
      expect(maxDiff).toBeLessThanOrEqual(1e-5 * scale);
      expect(moved).toBeGreaterThan(c.N);   // the compensation ran (a sweep that only masks cannot pass)
      const kept = countKept(bits, c.N, c.K).reduce((a, b) => a + b, 0);
      if (c.nm) expect(kept).toBe(c.N * (Math.floor(c.K / c.nm.m) * c.nm.n + Math.min(c.nm.n, c.K % c.nm.m)));
      else expect(c.N * c.K - kept).toBe(sparseGptBlockCounts(c.N, c.K, c.sparsity).reduce((a, b) => a + b, 0));
      if (c.dead !== undefined) for (let r = 0; r < c.N; r++) expect(weights[r * c.K + c.dead]).toBe(0);
      expect(bits.every((b, i) => (i % words) !== words - 1 || c.K % 32 === 0 || (b >>> (c.K % 32)) === 0)).toBe(true);
    });
  }

  it('sparsity 0 keeps every weight unchanged', async () => {
    const { W, weights, bits } = await compare({ N: 6, K: 150, sparsity: 0, seed: 61 });
    expect(Array.from(weights)).toEqual(Array.from(W));
    expect(countKept(bits, 6, 150)).toEqual(new Array(6).fill(150));
  });

  it('refuses a block size that is not a multiple of 32 and an N:M with M > 32', async () => {
    const owned: GPUBuffer[] = [];
    const b = await upload(gpu(), 'b', new Float32Array(64 * 64), owned);
    const args = { w: b, u: b, dead: b, mask: b, counts: b, pruned: b, err: b, N: 4, K: 8 };
    await expect(prepareSparseGptSweep(gpu(), { ...args, blockSize: 48 })).rejects.toBeInstanceOf(KernelShapeError);
    await expect(prepareSparseGptSweep(gpu(), { ...args, nm: { n: 2, m: 64 } })).rejects.toThrow(/M <= 32/);
    owned.forEach((x) => x.destroy());
  });
});
