// Host for shaders/rope.wgsl: rotary position embedding in place (HF rotate_half order, optionally over the first
// rotaryDim dimensions only), plus the cos/sin table.
import type { Gpu } from '../gpu/device.ts';
import { createStorageBuffer, createUniformBuffer, packUniform } from '../gpu/buffers.ts';
import code from '../../../shaders/rope.wgsl?raw';
import { prepareCall, type KernelCall } from './kernel-call.ts';
import { grid1d } from './grid.ts';
import { KernelShapeError, requireElems, requireInt, requirePosition } from './guards.ts';
import { ropeFrequencies, ropeTableValues, type RopeParams } from '../model/rope.ts';

/** GPU copy of ropeTableValues ([rows, rotaryDim/2] x (cos, sin)), shared by the q and k rotations of the layers
 * that use these RoPE parameters. */
export function createRopeTable(gpu: Gpu, rope: RopeParams, rows: number): Promise<GPUBuffer> {
  const values = ropeTableValues(rope, rows);
  return createStorageBuffer(gpu, 'rope table', values.byteLength, values);
}

export interface RopeArgs {
  x: GPUBuffer;         // [T, nHeads, headDim], rotated in place
  table: GPUBuffer;     // [tableRows, rotaryDim/2, 2] from createRopeTable
  tableRows: number;
  T: number;
  nHeads: number;
  headDim: number;
  /** Rotated leading dimensions of each head (partial rotary); default headDim. */
  rotaryDim?: number;
  position: GPUBuffer;  // uniform { pos0: u32, seq: u32 } (seq > 0: row t at pos0 + t % seq); rows at pos0 + t >= tableRows are left unrotated
}

export async function prepareRope(gpu: Gpu, a: RopeArgs): Promise<KernelCall> {
  const k = 'rope';
  requireInt(k, 'T', a.T);
  requireInt(k, 'nHeads', a.nHeads);
  requireInt(k, 'headDim', a.headDim, 2);
  requireInt(k, 'tableRows', a.tableRows);
  const rot = a.rotaryDim ?? a.headDim;
  requireInt(k, 'rotaryDim', rot, 2);
  if (rot % 2 || rot > a.headDim) throw new KernelShapeError(k, `rotaryDim must be even and <= headDim ${a.headDim}, got ${rot}`);
  requireElems(k, 'x [T, nHeads, headDim]', a.x, a.T * a.nHeads * a.headDim);
  requireElems(k, 'table [tableRows, rotaryDim/2, 2]', a.table, a.tableRows * rot);
  requirePosition(k, a.position);
  const params = await createUniformBuffer(gpu, 'rope params', packUniform([
    { u32: a.T }, { u32: a.nHeads }, { u32: a.headDim }, { u32: a.tableRows }, { u32: rot },
  ]));
  return prepareCall(gpu, k, code, [a.x, a.table, params, a.position], grid1d(gpu, a.T * a.nHeads * rot / 2, 256));
}

/** CPU reference in float64: rotate_half over the first rotaryDim dimensions of each head with the frequencies
 * and attention scaling of `rope` (for a forward over `seqLen` positions).  x: [T, nHeads, headDim] */
export function ropeReference(x: Float32Array, T: number, nHeads: number, headDim: number, rope: RopeParams,
  pos0: number, seqLen = pos0 + T): Float64Array {
  const y = Float64Array.from(x);
  const { invFreq, attentionScaling } = ropeFrequencies(rope, seqLen);
  const half = invFreq.length;
  for (let t = 0; t < T; t++) {
    for (let h = 0; h < nHeads; h++) {
      const base = (t * nHeads + h) * headDim;
      for (let i = 0; i < half; i++) {
        const angle = (pos0 + t) * invFreq[i];
        const c = Math.cos(angle) * attentionScaling, s = Math.sin(angle) * attentionScaling;
        const p = x[base + i], q = x[base + i + half];
        y[base + i] = p * c - q * s;
        y[base + i + half] = q * c + p * s;
      }
    }
  }
  return y;
}
