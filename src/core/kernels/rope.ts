// Host for shaders/rope.wgsl: rotary position embedding in place (HF rotate_half order), plus the cos/sin table.
import type { Gpu } from '../gpu/device.ts';
import { createStorageBuffer, createUniformBuffer, packUniform } from '../gpu/buffers.ts';
import code from '../../../shaders/rope.wgsl?raw';
import { prepareCall, type KernelCall } from './kernel-call.ts';
import { grid1d } from './grid.ts';
import { KernelShapeError, requireElems, requireInt, requirePosition } from './guards.ts';

/** cos/sin of every (position, pair) computed in float64: [rows, headDim/2] x (cos, sin). */
export function ropeTableValues(headDim: number, theta: number, rows: number): Float32Array {
  const half = headDim / 2;
  const table = new Float32Array(rows * half * 2);
  for (let p = 0; p < rows; p++) {
    for (let i = 0; i < half; i++) {
      const angle = p * Math.pow(theta, (-2 * i) / headDim);
      table[(p * half + i) * 2] = Math.cos(angle);
      table[(p * half + i) * 2 + 1] = Math.sin(angle);
    }
  }
  return table;
}

/** GPU copy of ropeTableValues, shared by the q and k rotations of every layer. */
export function createRopeTable(gpu: Gpu, headDim: number, theta: number, rows: number): Promise<GPUBuffer> {
  const values = ropeTableValues(headDim, theta, rows);
  return createStorageBuffer(gpu, 'rope table', values.byteLength, values);
}

export interface RopeArgs {
  x: GPUBuffer;         // [T, nHeads, headDim], rotated in place
  table: GPUBuffer;     // [tableRows, headDim/2, 2] from createRopeTable
  tableRows: number;
  T: number;
  nHeads: number;
  headDim: number;
  position: GPUBuffer;  // uniform { pos0: u32 }; rows at pos0 + t >= tableRows are left unrotated
}

export async function prepareRope(gpu: Gpu, a: RopeArgs): Promise<KernelCall> {
  const k = 'rope';
  requireInt(k, 'T', a.T);
  requireInt(k, 'nHeads', a.nHeads);
  requireInt(k, 'headDim', a.headDim, 2);
  requireInt(k, 'tableRows', a.tableRows);
  if (a.headDim % 2) throw new KernelShapeError(k, `headDim must be even, got ${a.headDim}`);
  requireElems(k, 'x [T, nHeads, headDim]', a.x, a.T * a.nHeads * a.headDim);
  requireElems(k, 'table [tableRows, headDim/2, 2]', a.table, a.tableRows * a.headDim);
  requirePosition(k, a.position);
  const params = await createUniformBuffer(gpu, 'rope params', packUniform([
    { u32: a.T }, { u32: a.nHeads }, { u32: a.headDim }, { u32: a.tableRows },
  ]));
  return prepareCall(gpu, k, code, [a.x, a.table, params, a.position], grid1d(gpu, a.T * a.nHeads * a.headDim / 2, 256));
}

/** CPU reference in float64.  x: [T, nHeads, headDim] */
export function ropeReference(x: Float32Array, T: number, nHeads: number, headDim: number, theta: number,
  pos0: number): Float64Array {
  const y = Float64Array.from(x);
  const half = headDim / 2;
  for (let t = 0; t < T; t++) {
    for (let h = 0; h < nHeads; h++) {
      const base = (t * nHeads + h) * headDim;
      for (let i = 0; i < half; i++) {
        const angle = (pos0 + t) * Math.pow(theta, (-2 * i) / headDim);
        const c = Math.cos(angle), s = Math.sin(angle);
        const p = x[base + i], q = x[base + i + half];
        y[base + i] = p * c - q * s;
        y[base + i + half] = q * c + p * s;
      }
    }
  }
  return y;
}
