// Host for shaders/argmax.wgsl: each row's argmax (first index of the maximum) over logits held in column slices.
import type { Gpu } from '../gpu/device.ts';
import { createStorageBuffer, createUniformBuffer, packUniform } from '../gpu/buffers.ts';
import kernel from '../../../shaders/argmax.wgsl?raw';
import { prepareCall, type KernelCall } from './kernel-call.ts';
import { grid1d, rowReductionLanes } from './grid.ts';
import { KernelShapeError, requireDistinct, requireElems, requireInt } from './guards.ts';
import type { LogitSlice } from './nll.ts';

export interface ArgmaxArgs {
  slices: LogitSlice[];  // consecutive slices covering the vocabulary 0 .. V-1
  out: GPUBuffer;        // [T] u32
  T: number;
  lanes?: number;        // per row; default rowReductionLanes (tests force both)
}

/** One dispatch per slice (in order), merging into a running (max, index); returns the calls and their state buffer. */
export async function prepareArgmax(gpu: Gpu, a: ArgmaxArgs): Promise<{ calls: KernelCall[]; state: GPUBuffer }> {
  const k = 'argmax';
  requireInt(k, 'T', a.T);
  requireElems(k, 'out [T]', a.out, a.T);
  if (!a.slices.length) throw new KernelShapeError(k, 'no logit slices');
  let next = 0;
  for (const s of a.slices) {
    if (s.colStart !== next) throw new KernelShapeError(k, `slices must be consecutive: expected colStart ${next}, got ${s.colStart}`);
    requireInt(k, 'slice cols', s.cols);
    requireElems(k, `logits slice [T, ${s.cols}]`, s.buffer, a.T * s.cols);
    requireDistinct(k, { out: a.out, logits: s.buffer });
    next += s.cols;
  }
  const state = await createStorageBuffer(gpu, 'argmax state', a.T * 8);   // [T] vec2<u32>
  const calls: KernelCall[] = [];
  for (const [i, s] of a.slices.entries()) {
    const params = await createUniformBuffer(gpu, 'argmax params', packUniform([
      { u32: a.T }, { u32: s.cols }, { u32: s.colStart }, { u32: i === 0 ? 1 : 0 },
    ]));
    calls.push(await prepareCall(gpu, k, kernel, [s.buffer, state, a.out, params], grid1d(gpu, a.T, 1),
      { WG: a.lanes ?? rowReductionLanes(gpu, 256) }));
  }
  return { calls, state };
}

/** CPU reference: the first index of each row's maximum (torch.argmax).  logits: [T, V] */
export function argmaxReference(logits: Float32Array, T: number, V: number): Uint32Array {
  const out = new Uint32Array(T);
  for (let t = 0; t < T; t++) {
    let best = 0;
    for (let j = 1; j < V; j++) if (logits[t * V + j] > logits[t * V + best]) best = j;
    out[t] = best;
  }
  return out;
}
