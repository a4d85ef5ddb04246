// The blocked, multi-workgroup form of SparseGPT's inverse-Hessian factor (kernels/sparsegpt-factor.ts picks it
// by K): the same inputs, outputs and status word as the one-workgroup shaders/sparsegpt-factor.wgsl, in
// O(K / FB) dispatches of many workgroups instead of one workgroup with a barrier per column.
//
// Math (f32; K inputs, blocks of FB = 32 rows / columns, nb = ceil(K / FB), block q = [r0, r1) = [q FB,
// min((q + 1) FB, K)), only the last block narrower; a = the [K, K] scratch, u = the [K, Kp] output):
//   0. init   [K x Kp invocations]  a = upper triangle of H = gram + gram^T; u = 0; status = 0.
//   1. damp   [1 workgroup]         dead_j = (H_jj = 0), then H_jj = 1; H += percDamp * mean(diag H) * I.
//   H = V V^T with V upper (a Cholesky run from the last column back, the reversal of the CPU's lower factor), by
//   blocks, right-looking from the last block to the first. With H = [[H11, H12], [H12^T, H22]], H22 the block:
//     V22 = its reversed Cholesky factor, V12 = H12 V22^-T, and H11 - V12 V12^T is factored the same way.
//   Per block q = nb-1 .. 0:
//   2a. diag   [1 workgroup]        A_qq (b x b) = V_qq V_qq^T in workgroup memory; W_q = V_qq^-1 (upper, b x b)
//                                   into u's diagonal block q and diag; a bad pivot sets status (first one only).
//   2b. panel  [r0 rows]            V[0:r0, q] = A[0:r0, q] W_q^T   ([r0, b] x [b, b]), in place in a.
//   2c. update [r0 x r0, upper]     A[0:r0, 0:r0] -= V[0:r0, q] V[0:r0, q]^T   (rank b, upper triangle only).
//   2d. scale  [K - r1 columns]     P_q = -W_q V[q, r1:K]   ([b, b] x [b, K - r1]), in place in a's block row q.
//   U = V^-1 (upper), by block rows from the last: from V U = I, for c >= r1,
//     U[q, c] = -W_q sum_{k > q} V[q, k] U[k, c] = P_q U[r1:K, c],   and U_qq = W_q (step 2a).
//   3. inverse [b x (Kp - r1)], q = nb-2 .. 0: U[q, r1:Kp] = P_q U[r1:K, r1:Kp]   ([b, K - r1] x [K - r1, Kp - r1],
//                                   U upper: the sum for column c stops at k = c).
//   H^-1 = V^-T V^-1 = U^T U, U upper: the factor the column sweep reads.
// Numerics: the same f32 Cholesky with different summation order, plus products with the inverted 32 x 32
// diagonal blocks (W_q) in place of triangular solves, as GPU Cholesky libraries do; the tests hold it to the
// float64 factor with the one-workgroup kernel's tolerances. A non-finite input reaches a pivot as in the
// one-workgroup kernel (any Inf / NaN in row r of V lands in A_rr through the updates).
// Each block's steps bind their FactorBlock (K, Kp, r0, r1) at its offset in one uniform buffer; everything is
// prepared once and encoded into one compute pass per run; nothing but the status word is read back.
import type { Gpu } from '../gpu/device.ts';
import { createUniformBuffer } from '../gpu/buffers.ts';
import initKernel from '../../../shaders/sparsegpt-factor-init.wgsl?raw';
import dampKernel from '../../../shaders/sparsegpt-factor-damp.wgsl?raw';
import diagKernel from '../../../shaders/sparsegpt-factor-diag.wgsl?raw';
import panelKernel from '../../../shaders/sparsegpt-factor-panel.wgsl?raw';
import updateKernel from '../../../shaders/sparsegpt-factor-update.wgsl?raw';
import scaleKernel from '../../../shaders/sparsegpt-factor-scale.wgsl?raw';
import inverseKernel from '../../../shaders/sparsegpt-factor-inverse.wgsl?raw';
import blockLib from '../../../shaders/lib/factor-block.wgsl?raw';
import reduceLib from '../../../shaders/lib/workgroup-reduce.wgsl?raw';
import { withLibs } from './shader-source.ts';
import { prepareCall, type KernelCall } from './kernel-call.ts';
import { factorStride } from './sparsegpt-sweep.ts';

/** FB in shaders/lib/factor-block.wgsl. */
export const FACTOR_BLOCK = 32;

export interface BlockedFactorBuffers {
  gram: GPUBuffer; work: GPUBuffer; u: GPUBuffer; dead: GPUBuffer; diag: GPUBuffer; status: GPUBuffer; K: number;
}

/** The calls of one blocked factorisation, in order; `params` is the { K, Kp, percDamp } uniform of the init and
 * damp steps (the caller rewrites percDamp between runs). Destroy `uniforms` with the factor. */
export async function prepareBlockedFactorCalls(gpu: Gpu, a: BlockedFactorBuffers, params: GPUBuffer):
  Promise<{ calls: KernelCall[]; uniforms: GPUBuffer[] }> {
  const K = a.K, Kp = factorStride(K), nb = Math.ceil(K / FACTOR_BLOCK);
  // One uniform buffer, a FactorBlock per block at the adapter's uniform offset alignment.
  const align = gpu.limits.minUniformBufferOffsetAlignment;
  const words = new Uint32Array((nb * align) / 4);
  for (let q = 0; q < nb; q++) words.set([K, Kp, q * FACTOR_BLOCK, Math.min((q + 1) * FACTOR_BLOCK, K)], (q * align) / 4);
  const blocks = await createUniformBuffer(gpu, `sparsegpt-factor blocks [${nb}]`, words);
  const uniforms = [blocks];
  try {
    const init = await prepareCall(gpu, 'sparsegpt-factor-init', initKernel, [a.gram, a.work, a.u, a.status, params],
      [Math.ceil(Kp / 16), Math.ceil(K / 16)]);
    const damp = await prepareCall(gpu, 'sparsegpt-factor-damp', withLibs(dampKernel, reduceLib), [a.work, a.dead, params], [1]);
    const cholesky: KernelCall[] = [];
    const inverse: KernelCall[] = [];
    for (let q = nb - 1; q >= 0; q--) {
      const r0 = q * FACTOR_BLOCK, r1 = Math.min(r0 + FACTOR_BLOCK, K);
      const blk = { buffer: blocks, offset: q * align, size: 16 };
      cholesky.push(await prepareCall(gpu, 'sparsegpt-factor-diag', withLibs(diagKernel, blockLib), [a.work, a.u, a.diag, a.status, blk], [1]));
      if (r0 > 0) {
        cholesky.push(await prepareCall(gpu, 'sparsegpt-factor-panel', withLibs(panelKernel, blockLib), [a.work, a.u, blk], [Math.ceil(r0 / 64)]));
        const tiles = Math.ceil(r0 / 32);
        cholesky.push(await prepareCall(gpu, 'sparsegpt-factor-update', withLibs(updateKernel, blockLib), [a.work, blk], [tiles, tiles]));
      }
      if (r1 < K) {
        cholesky.push(await prepareCall(gpu, 'sparsegpt-factor-scale', withLibs(scaleKernel, blockLib), [a.work, a.u, blk], [Math.ceil((K - r1) / 64)]));
        inverse.push(await prepareCall(gpu, 'sparsegpt-factor-inverse', withLibs(inverseKernel, blockLib), [a.work, a.u, blk],
          [Math.ceil((Kp - r1) / 32), FACTOR_BLOCK / 32]));
      }
    }
    return { calls: [init, damp, ...cholesky, ...inverse], uniforms };
  } catch (e) {
    uniforms.forEach((b) => b.destroy());
    throw e;
  }
}
