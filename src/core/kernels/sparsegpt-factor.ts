// Host for shaders/sparsegpt-factor.wgsl: SparseGPT's damped inverse-Hessian factor U (H^-1 = U^T U) computed on
// the GPU in f32 from X^T X, straight into the sweep's layout (factorLayout). Only the status word comes back: a
// bad pivot (not positive or not finite) re-runs it with percDamp x 10, as often as `maxRetries` allows.
import type { Gpu } from '../gpu/device.ts';
import { createStorageBuffer, createUniformBuffer, packUniform, readBuffer } from '../gpu/buffers.ts';
import kernel from '../../../shaders/sparsegpt-factor.wgsl?raw';
import reduceLib from '../../../shaders/lib/workgroup-reduce.wgsl?raw';
import { withLibs } from './shader-source.ts';
import { prepareCall, runCalls, type KernelCall } from './kernel-call.ts';
import { requireDistinct, requireElems, requireInt } from './guards.ts';
import { factorStride } from './sparsegpt-sweep.ts';
import { SparseGptNumericalError } from '../prune/sparsegpt-solver.ts';

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

export interface SparseGptFactorRun {
  percDamp: number;   // the damping that gave a good factor
  retries: number;    // how many times it was raised
}

export interface SparseGptFactor {
  run(percDamp?: number, maxRetries?: number): Promise<SparseGptFactorRun>;
  destroy(): void;
}

export async function prepareSparseGptFactor(gpu: Gpu, a: SparseGptFactorArgs): Promise<SparseGptFactor> {
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
  let call: KernelCall;
  try {
    call = await prepareCall(gpu, k, code, [a.gram, a.work, a.u, a.dead, a.diag, a.status, params], [1]);
  } catch (e) {
    params.destroy();
    throw e;
  }
  return {
    async run(percDamp = 0.01, maxRetries = 3) {
      for (let retries = 0, d = percDamp; ; retries++, d *= 10) {
        gpu.device.queue.writeBuffer(params, 0, pack(d));
        await runCalls(gpu, [call]);
        const bad = new Uint32Array(await readBuffer(gpu, a.status, 4))[0];
        if (bad === 0) return { percDamp: d, retries };
        if (retries >= maxRetries) {
          throw new SparseGptNumericalError(`SparseGPT: the damped Hessian is not positive definite in f32 (pivot at column ${bad - 1}, percDamp ${d}, after ${retries} retries)`);
        }
      }
    },
    destroy() { params.destroy(); },
  };
}

/** A [1] u32 status buffer the factor kernel writes and the host reads. */
export const createFactorStatus = (gpu: Gpu, label: string) => createStorageBuffer(gpu, `${label} status [1]`, 4);
