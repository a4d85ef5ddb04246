import { describe, expect, it } from 'vitest';
import { readBuffer, readF32 } from '../gpu/buffers.ts';
import { createFactorStatus, factorPathFor, prepareSparseGptFactor, type FactorPath } from './sparsegpt-factor.ts';
import { FACTOR_BLOCK } from './sparsegpt-factor-blocked.ts';
import { factorLayout, factorStride } from './sparsegpt-sweep.ts';
import { KernelShapeError } from './guards.ts';
import { inverseHessianFactor, SparseGptNumericalError } from '../prune/sparsegpt-solver.ts';
import { expectWithin, pseudoRandomF32, upload, useGpu } from '../../../test/helpers/kernel-harness.ts';

const gpu = useGpu();

/** X^T X of a pseudo-random X [T, K] (SPD when T > K), with input column `deadCol` zero. */
function randomGram(K: number, T: number, seed: number, ...deadCols: number[]): Float32Array {
  const x = pseudoRandomF32(T * K, seed);
  for (const d of deadCols) if (d >= 0) for (let t = 0; t < T; t++) x[t * K + d] = 0;
  const g = new Float32Array(K * K);
  for (let t = 0; t < T; t++) for (let a = 0; a < K; a++) for (let b = 0; b < K; b++) g[a * K + b] += x[t * K + a] * x[t * K + b];
  return g;
}

async function gpuFactor(gram: Float32Array, K: number, percDamp?: number, maxRetries?: number, path?: FactorPath) {
  const owned: GPUBuffer[] = [];
  try {
    const Kp = factorStride(K);
    const g = await upload(gpu(), 'gram', gram, owned);
    const work = await upload(gpu(), 'work', new Float32Array(K * K), owned);
    const u = await upload(gpu(), 'u', new Float32Array(K * Kp).fill(7), owned);   // stale values must be overwritten
    const dead = await upload(gpu(), 'dead', new Uint32Array(K), owned);
    const diag = await upload(gpu(), 'diag', new Float32Array(K), owned);
    const status = await createFactorStatus(gpu(), 'test');
    owned.push(status);
    const f = await prepareSparseGptFactor(gpu(), { gram: g, work, u, dead, diag, status, K }, path);
    try {
      const run = await f.run(percDamp, maxRetries);
      return { run, u: await readF32(gpu(), u, K * Kp), diag: await readF32(gpu(), diag, K),
        dead: Array.from(new Uint32Array(await readBuffer(gpu(), dead, K * 4)), (v) => v === 1) };
    } finally { f.destroy(); }
  } finally { owned.forEach((b) => b.destroy()); }
}

function expectMatches(got: Awaited<ReturnType<typeof gpuFactor>>, gram: Float32Array, K: number, percDamp: number, rel: number) {
  const ref = inverseHessianFactor(gram, K, percDamp);
  const scale = ref.U.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  expectWithin(got.u, factorLayout(ref.U, K), rel * scale, 'U');
  expectWithin(got.diag, Array.from({ length: K }, (_, j) => ref.U[j * K + j]), rel * scale, 'diag');
  expect(got.dead).toEqual(ref.dead);
}

describe('sparsegpt-factor blocked kernels', () => {
  const B = FACTOR_BLOCK;
  // K = 1, < B, = B (one block, no panel), B + 1 (a 1-wide last block), not a multiple of B or 4 with dead inputs
  // in the first, a middle and the last block (two in one block), and 4 full blocks.
  for (const [K, T, deads] of [[1, 3, []], [B - 3, B + 9, []], [B, B + 20, [0]], [B + 1, B + 30, []],
    [3 * B + 7, 3 * B + 40, [0, B + 3, B + 4, 3 * B + 6]], [4 * B, 4 * B + 50, []]] as const) {
    it(`matches the float64 factor on a random SPD X^T X (K = ${K}, ${deads.length} dead)`, async () => {
      const gram = randomGram(K, T, K * 17 + 3, ...deads);
      const got = await gpuFactor(gram, K, undefined, undefined, 'blocked');
      expect(got.run).toEqual({ percDamp: 0.01, retries: 0 });
      expectMatches(got, gram, K, 0.01, 2e-4);
    });
  }

  it('retries with 10x the damping when a pivot is not positive, in the last block or through the updates', async () => {
    // As the one-workgroup test below: a pair with |off-diagonal| > diagonal, once inside the last block (40, 41)
    // and once across blocks (3, 70: row 3's panel entry reaches its pivot through the update).
    for (const [K, i, j] of [[45, 40, 41], [75, 3, 70]] as const) {
      const gram = new Float32Array(K * K);
      for (let c = 0; c < K; c++) gram[c * K + c] = 1;
      gram[i * K + j] = gram[j * K + i] = 1.02;
      expect(() => inverseHessianFactor(gram, K, 0.01)).toThrow(SparseGptNumericalError);
      const got = await gpuFactor(gram, K, undefined, undefined, 'blocked');
      expect(got.run.retries).toBe(1);
      expect(got.run.percDamp).toBeCloseTo(0.1, 12);
      expectMatches(got, gram, K, got.run.percDamp, 1e-4);
      await expect(gpuFactor(gram, K, 0.01, 0, 'blocked')).rejects.toBeInstanceOf(SparseGptNumericalError);
    }
  });

  it('gives up with a typed error on NaN or Inf anywhere in the Hessian', async () => {
    const K = 2 * B + 5;
    for (const [at, v] of [[3 * K + 3, NaN], [1 * K + 60, Infinity], [60 * K + 2, -Infinity], [K * K - 1, NaN]] as const) {
      const gram = randomGram(K, K + 10, 5);
      gram[at] = v;
      await expect(gpuFactor(gram, K, undefined, undefined, 'blocked')).rejects.toBeInstanceOf(SparseGptNumericalError);
    }
  });
});

describe('sparsegpt-factor kernel', () => {
  // K = 1, not a multiple of 4 (padding), above the workgroup's 256 lanes; one with a dead input.
  for (const [K, T, dead] of [[1, 3, -1], [37, 60, 5], [70, 90, -1], [261, 300, 100]] as const) {
    it(`matches the float64 factor on a random SPD X^T X (K = ${K}${dead >= 0 ? ', a dead input' : ''})`, async () => {
      const gram = randomGram(K, T, K * 31 + 7, dead);
      const got = await gpuFactor(gram, K, undefined, undefined, 'one-workgroup');
      expect(got.run).toEqual({ percDamp: 0.01, retries: 0 });
      expectMatches(got, gram, K, 0.01, 2e-4);
    });
  }

  it('retries with 10x the damping when a pivot is not positive, as the result says', async () => {
    // Identity plus a pair with |off-diagonal| > diagonal: H's smallest eigenvalue is -0.04, 1% damping adds 0.02
    // (still indefinite, the float64 path refuses it), 10% adds 0.2.
    const K = 45;
    const gram = new Float32Array(K * K);
    for (let j = 0; j < K; j++) gram[j * K + j] = 1;
    gram[40 * K + 41] = gram[41 * K + 40] = 1.02;
    expect(() => inverseHessianFactor(gram, K, 0.01)).toThrow(SparseGptNumericalError);
    const got = await gpuFactor(gram, K, undefined, undefined, 'one-workgroup');
    expect(got.run.retries).toBe(1);
    expect(got.run.percDamp).toBeCloseTo(0.1, 12);
    expectMatches(got, gram, K, got.run.percDamp, 1e-4);
    await expect(gpuFactor(gram, K, 0.01, 0, 'one-workgroup')).rejects.toBeInstanceOf(SparseGptNumericalError);
  });

  it('picks the one-workgroup kernel for small K and the blocked one above', () => {
    expect(factorPathFor(1)).toBe('one-workgroup');
    expect(factorPathFor(FACTOR_BLOCK)).toBe('one-workgroup');
    expect(factorPathFor(FACTOR_BLOCK + 1)).toBe('blocked');
    expect(factorPathFor(4864)).toBe('blocked');
  });

  it('gives up with a typed error on a non-finite Hessian', async () => {
    const gram = randomGram(9, 12, 3);
    gram[4 * 9 + 4] = NaN;
    await expect(gpuFactor(gram, 9, undefined, undefined, 'one-workgroup')).rejects.toBeInstanceOf(SparseGptNumericalError);
  });

  it('refuses a u buffer without the padded stride', async () => {
    const owned: GPUBuffer[] = [];
    const K = 5;
    const b = (n: number) => upload(gpu(), 'b', new Float32Array(n), owned);
    const args = { gram: await b(K * K), work: await b(K * K), u: await b(K * K), dead: await b(K), diag: await b(K), status: await b(1), K };
    await expect(prepareSparseGptFactor(gpu(), args)).rejects.toBeInstanceOf(KernelShapeError);
    owned.forEach((x) => x.destroy());
  });
});
