// Hosts for SparseGPT's column sweep on the GPU, per 128-column block of one linear map:
//   shaders/sparsegpt-select.wgsl     (unstructured only) the block's pruned weights, chosen over all rows;
//   shaders/sparsegpt-sweep.wgsl      one invocation per row: prune, compensate within the block, mask bits;
//   shaders/sparsegpt-propagate.wgsl  the columns right of the block absorb its errors ([N, cnt] x [cnt, K-i2]).
// The weights are updated in place and the mask bits written; nothing comes back to the CPU. The same rules as
// the float64 CPU solver (src/core/prune/sparsegpt-solver.ts), which is the reference in the tests.
import type { Gpu } from '../gpu/device.ts';
import { createUniformBuffer, packUniform } from '../gpu/buffers.ts';
import selectKernel from '../../../shaders/sparsegpt-select.wgsl?raw';
import scoreBitsLib from '../../../shaders/lib/score-bits.wgsl?raw';
import radixSelectLib from '../../../shaders/lib/radix-select.wgsl?raw';
import { withLibs } from './shader-source.ts';
import sweepCode from '../../../shaders/sparsegpt-sweep.wgsl?raw';
import propagateCode from '../../../shaders/sparsegpt-propagate.wgsl?raw';
import { prepareCall, type KernelCall } from './kernel-call.ts';
import { grid1d } from './grid.ts';
import { KernelShapeError, requireDistinct, requireElems, requireInt } from './guards.ts';

// The block's selection shares the radix select and score key of prune-mask.wgsl (shaders/lib).
const selectCode = withLibs(selectKernel, scoreBitsLib, radixSelectLib);

export const SPARSEGPT_BLOCK = 128;

export interface SparseGptSweepArgs {
  w: GPUBuffer;        // [N, K] f32, updated in place (pruned weights become exact zeros)
  u: GPUBuffer;        // [K, Kp] f32 upper Cholesky factor of H^-1 (H^-1 = U^T U), rows padded (factorLayout)
  dead: GPUBuffer;     // [K] u32, 1 = dead input column (its weights are zeroed first)
  mask: GPUBuffer;     // [N, ceil(K/32)] u32 bitset, 1 = kept, written whole
  counts: GPUBuffer;   // [blocks] u32 weights pruned per block (unstructured), written by the caller
  pruned: GPUBuffer;   // [N, B] u32 scratch
  err: GPUBuffer;      // [B, Np] f32 scratch (transposed, rows padded to Np = 4 ceil(N/4))
  N: number;
  K: number;
  nm?: { n: number; m: number };
  blockSize?: number;  // default 128 (the most the sweep holds per row); a multiple of 32: blocks start on mask words
}

export interface SparseGptSweep {
  calls: KernelCall[];   // in order: per block [select], sweep, [propagate]
  uniforms: GPUBuffer[]; // owned by the caller (destroy with the calls)
}

/** Row stride of U on the GPU: K rounded up to 4 (the propagation reads U in aligned vec4s). */
export const factorStride = (K: number) => Math.ceil(K / 4) * 4;

/** U [K, K] (row-major) in the GPU layout [K, Kp] f32, padding zero. */
export function factorLayout(U: ArrayLike<number>, K: number): Float32Array {
  const Kp = factorStride(K);
  const out = new Float32Array(K * Kp);
  for (let r = 0; r < K; r++) for (let c = 0; c < K; c++) out[r * Kp + c] = U[r * K + c];
  return out;
}

/** Weights pruned in each block at `sparsity`: floor(N * cnt * s) (+1e-9: MRP sums 0.01 steps), as the CPU solver. */
export function sparseGptBlockCounts(N: number, K: number, sparsity: number, B = SPARSEGPT_BLOCK): Uint32Array {
  const out = new Uint32Array(Math.ceil(K / B));
  for (let i1 = 0, b = 0; i1 < K; i1 += B, b++) out[b] = Math.floor(N * Math.min(B, K - i1) * sparsity + 1e-9);
  return out;
}

export async function prepareSparseGptSweep(gpu: Gpu, a: SparseGptSweepArgs): Promise<SparseGptSweep> {
  const label = 'sparsegpt-sweep';
  const B = a.blockSize ?? SPARSEGPT_BLOCK;
  requireInt(label, 'N', a.N);
  requireInt(label, 'K', a.K);
  requireInt(label, 'blockSize', B, 32);
  if (B % 32 !== 0 || B > SPARSEGPT_BLOCK) throw new KernelShapeError(label, `blockSize must be a multiple of 32 up to ${SPARSEGPT_BLOCK}, got ${B}`);
  if (a.nm && !(Number.isInteger(a.nm.n) && Number.isInteger(a.nm.m) && a.nm.n >= 1 && a.nm.n < a.nm.m && a.nm.m <= 32)) {
    throw new KernelShapeError(label, `N:M needs integers 1 <= N < M <= 32, got ${a.nm.n}:${a.nm.m}`);
  }
  const words = Math.ceil(a.K / 32), blocks = Math.ceil(a.K / B);
  const Kp = factorStride(a.K), Np = Math.ceil(a.N / 4) * 4;
  requireElems(label, 'w [N, K]', a.w, a.N * a.K);
  requireElems(label, 'u [K, Kp]', a.u, a.K * Kp);
  requireElems(label, 'dead [K]', a.dead, a.K);
  requireElems(label, 'mask [N, words]', a.mask, a.N * words);
  requireElems(label, 'counts [blocks]', a.counts, blocks);
  requireElems(label, 'pruned [N, B]', a.pruned, a.N * B);
  requireElems(label, 'err [B, Np]', a.err, B * Np);
  requireDistinct(label, { w: a.w, u: a.u, dead: a.dead, mask: a.mask, counts: a.counts, pruned: a.pruned, err: a.err });
  const uniforms: GPUBuffer[] = [];
  try {
    const map = await createUniformBuffer(gpu, `${label} map [${a.N}, ${a.K}]`, packUniform([
      { u32: a.N }, { u32: a.K }, { u32: words }, { u32: B }, { u32: a.nm?.n ?? 0 }, { u32: a.nm?.m ?? 0 },
      { u32: Kp }, { u32: Np },
    ]));
    uniforms.push(map);
    const calls: KernelCall[] = [];
    for (let i1 = 0, b = 0; i1 < a.K; i1 += B, b++) {
      const i2 = Math.min(i1 + B, a.K);
      const block = await createUniformBuffer(gpu, `${label} block ${b}`, packUniform([
        { u32: i1 }, { u32: i2 }, { u32: b }, { u32: b === 0 ? 1 : 0 },
      ]));
      uniforms.push(block);
      if (!a.nm) calls.push(await prepareCall(gpu, 'sparsegpt-select', selectCode, [a.w, a.u, a.counts, a.pruned, a.dead, map, block], [1]));
      calls.push(await prepareCall(gpu, label, sweepCode, [a.w, a.u, a.dead, a.pruned, a.err, a.mask, map, block], grid1d(gpu, a.N, 64)));
      if (i2 < a.K) {
        const groupsX = Math.ceil(Math.ceil((a.K - i2) / 4) / 8), groupsY = Math.ceil(Math.ceil(a.N / 4) / 8);
        calls.push(await prepareCall(gpu, 'sparsegpt-propagate', propagateCode, [a.w, a.u, a.err, map, block], [groupsX, groupsY]));
      }
    }
    return { calls, uniforms };
  } catch (e) {
    uniforms.forEach((u) => u.destroy());
    throw e;
  }
}
