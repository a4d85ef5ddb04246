// Host for shaders/sparsegpt-factor.wgsl: SparseGPT's damped inverse-Hessian factor U (H^-1 = U^T U) computed on
// the GPU in f32 from X^T X, straight into the sweep's layout (factorLayout). Only the status word comes back: a
// bad pivot (not positive or not finite) re-runs it with percDamp x 10, as often as `maxRetries` allows.
// Two paths, the same contract: the one-workgroup shaders/sparsegpt-factor.wgsl (a barrier per column: small K)
// and the blocked, multi-workgroup kernels of sparsegpt-factor-blocked.ts (K >= BLOCKED_FACTOR_MIN_K).
import type { Gpu } from '../gpu/device.ts';
import { createStorageBuffer, createUniformBuffer, packUniform, readBuffer } from '../gpu/buffers.ts';
import kernel from '../../../shaders/sparsegpt-factor.wgsl?raw';
import reduceLib from '../../../shaders/lib/workgroup-reduce.wgsl?raw';
import { withLibs } from './shader-source.ts';
import { prepareCall, runCalls, type KernelCall } from './kernel-call.ts';
import { requireDistinct, requireElems, requireInt } from './guards.ts';
import { factorStride } from './sparsegpt-sweep.ts';
import { SparseGptNumericalError } from '../prune/sparsegpt-solver.ts';
import { FACTOR_BLOCK, prepareBlockedFactorCalls } from './sparsegpt-factor-blocked.ts';

const code = withLibs(kernel, reduceLib);

export interface SparseGptFactorArgs {
  gram: GPUBuffer;    // [K, K] f32 X^T X (read only)
  work: GPUBuffer;    // [K, K] f32 scratch
  u: GPUBuffer;       // [K, Kp] f32 output, Kp = factorStride(K)
  dead: GPUBuffer;    // [K] u32 output
  diag: GPUBuffer;    // [K] f32 output, U_jj
  status: GPUBuffer;  // [1] u32 (COPY_SRC: read back)
  K: number;
}

export type FactorPath = 'one-workgroup' | 'blocked';

/** From this K on the blocked path runs: past one block (FACTOR_BLOCK = 32), where its panel, update and inverse
 * steps start to spread over workgroups; up to one block both are one workgroup and the one-workgroup kernel is one
 * dispatch instead of three. On SwiftShader the blocked path was as fast or faster at every K measured (1 to 1024,
 * docs/benchmarks.md); real-GPU figures are still to be measured. */
export const BLOCKED_FACTOR_MIN_K = FACTOR_BLOCK + 1;

export const factorPathFor = (K: number): FactorPath => (K >= BLOCKED_FACTOR_MIN_K ? 'blocked' : 'one-workgroup');

export interface SparseGptFactorRun {
  percDamp: number;   // the damping that gave a good factor
  retries: number;    // how many times it was raised
}

export interface SparseGptFactor {
  run(percDamp?: number, maxRetries?: number): Promise<SparseGptFactorRun>;
  destroy(): void;
}

export async function prepareSparseGptFactor(gpu: Gpu, a: SparseGptFactorArgs,
  path: FactorPath = factorPathFor(a.K)): Promise<SparseGptFactor> {
  const k = 'sparsegpt-factor';
  requireInt(k, 'K', a.K);
  const Kp = factorStride(a.K);
  requireElems(k, 'gram [K, K]', a.gram, a.K * a.K);
  requireElems(k, 'work [K, K]', a.work, a.K * a.K);
  requireElems(k, 'u [K, Kp]', a.u, a.K * Kp);
  requireElems(k, 'dead [K]', a.dead, a.K);
  requireElems(k, 'diag [K]', a.diag, a.K);
  requireElems(k, 'status [1]', a.status, 1);
  requireDistinct(k, { gram: a.gram, work: a.work, u: a.u, dead: a.dead, diag: a.diag, status: a.status });
  const pack = (d: number) => packUniform([{ u32: a.K }, { u32: Kp }, { f32: d }]);
  const params = await createUniformBuffer(gpu, `${k} params`, pack(0.01));
  let calls: KernelCall[];
  let uniforms: GPUBuffer[] = [params];
  try {
    if (path === 'blocked') {
      const blocked = await prepareBlockedFactorCalls(gpu, a, params);
      calls = blocked.calls;
      uniforms = [params, ...blocked.uniforms];
    } else calls = [await prepareCall(gpu, k, code, [a.gram, a.work, a.u, a.dead, a.diag, a.status, params], [1])];
  } catch (e) {
    params.destroy();
    throw e;
  }
  return {
    async run(percDamp = 0.01, maxRetries = 3) {
      for (let retries = 0, d = percDamp; ; retries++, d *= 10) {
        gpu.device.queue.writeBuffer(params, 0, pack(d));
        await runCalls(gpu, calls);
        const bad = new Uint32Array(await readBuffer(gpu, a.status, 4))[0];
        if (bad === 0) return { percDamp: d, retries };
        if (retries >= maxRetries) {
          throw new SparseGptNumericalError(`SparseGPT: the damped Hessian is not positive definite in f32 (pivot at column ${bad - 1}, percDamp ${d}, after ${retries} retries)`);
        }
      }
    },
    destroy() { uniforms.forEach((b) => b.destroy()); },
  };
}

/** A [1] u32 status buffer the factor kernel writes and the host reads. */
export const createFactorStatus = (gpu: Gpu, label: string) => createStorageBuffer(gpu, `${label} status [1]`, 4);
