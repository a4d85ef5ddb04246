// Host for shaders/nll.wgsl: per-row next-token negative log-likelihood from logits held in column slices.
import type { Gpu } from '../gpu/device.ts';
import { createStorageBuffer, createUniformBuffer, packUniform } from '../gpu/buffers.ts';
import kernel from '../../../shaders/nll.wgsl?raw';
import reduceLib from '../../../shaders/lib/workgroup-reduce.wgsl?raw';
import { withLibs } from './shader-source.ts';
import { prepareCall, type KernelCall } from './kernel-call.ts';
import { grid1d, rowReductionLanes } from './grid.ts';
import { KernelShapeError, requireDistinct, requireElems, requireInt } from './guards.ts';

const code = withLibs(kernel, reduceLib);

/** Logits columns colStart .. colStart+cols-1 of every row.  buffer: [T, cols] */
export interface LogitSlice { buffer: GPUBuffer; colStart: number; cols: number }

export interface NllArgs {
  slices: LogitSlice[];  // consecutive slices covering the vocabulary 0 .. V-1
  targets: GPUBuffer;    // [T] u32; a row whose target lies outside [0, V) gets a meaningless value
  out: GPUBuffer;        // [T]
  T: number;
  lanes?: number;        // per row; default rowReductionLanes (tests force both)
}

/** One dispatch per slice (in order), merging into a running logsumexp; returns the calls and their state buffer. */
export async function prepareNll(gpu: Gpu, a: NllArgs): Promise<{ calls: KernelCall[]; state: GPUBuffer }> {
  const k = 'nll';
  requireInt(k, 'T', a.T);
  requireElems(k, 'targets [T]', a.targets, a.T);
  requireElems(k, 'out [T]', a.out, a.T);
  let next = 0;
  for (const s of a.slices) {
    if (s.colStart !== next) throw new KernelShapeError(k, `slices must be consecutive: expected colStart ${next}, got ${s.colStart}`);
    requireInt(k, 'slice cols', s.cols);
    requireElems(k, `logits slice [T, ${s.cols}]`, s.buffer, a.T * s.cols);
    requireDistinct(k, { out: a.out, logits: s.buffer, targets: a.targets });
    next += s.cols;
  }
  if (!a.slices.length) throw new KernelShapeError(k, 'no logit slices');
  const state = await createStorageBuffer(gpu, 'nll state', a.T * 16);   // [T] vec4
  const calls: KernelCall[] = [];
  for (const [i, s] of a.slices.entries()) {
    const params = await createUniformBuffer(gpu, 'nll params', packUniform([
      { u32: a.T }, { u32: s.cols }, { u32: s.colStart }, { u32: i === 0 ? 1 : 0 },
    ]));
    calls.push(await prepareCall(gpu, k, code, [s.buffer, a.targets, state, a.out, params], grid1d(gpu, a.T, 1),
      { WG: a.lanes ?? rowReductionLanes(gpu, 256) }));
  }
  return { calls, state };
}

/** CPU reference in float64: logsumexp(logits[t]) - logits[t, targets[t]].  logits: [T, V] */
export function nllReference(logits: Float32Array, targets: Uint32Array, T: number, V: number): Float64Array {
  const out = new Float64Array(T);
  for (let t = 0; t < T; t++) {
    const row = logits.subarray(t * V, (t + 1) * V);
    let m = -Infinity;
    for (const v of row) m = Math.max(m, v);
    let s = 0;
    for (const v of row) s += Math.exp(v - m);
    out[t] = Math.log(s) + m - row[targets[t]];
  }
  return out;
}
