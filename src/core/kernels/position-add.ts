// Host for shaders/position-add.wgsl: adds learned absolute position embeddings to the residual stream.
import type { Gpu } from '../gpu/device.ts';
import { createUniformBuffer, packUniform } from '../gpu/buffers.ts';
import code from '../../../shaders/position-add.wgsl?raw';
import { prepareCall, type KernelCall } from './kernel-call.ts';
import { grid1d } from './grid.ts';
import { requireDistinct, requireElems, requireInt, requirePosition } from './guards.ts';

export interface PositionAddArgs {
  x: GPUBuffer;         // [T, dim], updated in place
  table: GPUBuffer;     // [tableRows, dim]
  tableRows: number;
  dim: number;
  T: number;
  /** Row of position 0 (OPT's 2). */
  offset: number;
  position: GPUBuffer;  // uniform { pos0: u32, seq: u32 } (seq > 0: batched windows of seq rows, pos0 = 0)
}

export async function preparePositionAdd(gpu: Gpu, a: PositionAddArgs): Promise<KernelCall> {
  const k = 'position-add';
  requireInt(k, 'T', a.T);
  requireInt(k, 'dim', a.dim);
  requireInt(k, 'tableRows', a.tableRows);
  requireInt(k, 'offset', a.offset, 0);
  requireElems(k, 'x [T, dim]', a.x, a.T * a.dim);
  requireElems(k, 'table [tableRows, dim]', a.table, a.tableRows * a.dim);
  requireDistinct(k, { x: a.x, table: a.table });
  requirePosition(k, a.position);
  const params = await createUniformBuffer(gpu, 'position-add params', packUniform([
    { u32: a.T }, { u32: a.dim }, { u32: a.offset }, { u32: a.tableRows },
  ]));
  return prepareCall(gpu, k, code, [a.x, a.table, params, a.position], grid1d(gpu, a.T * a.dim, 256));
}

/** CPU reference: x + table rows pos0 + offset .. pos0 + offset + T - 1.  x: [T, dim] */
export function positionAddReference(x: Float32Array, table: Float32Array, T: number, dim: number, offset: number, pos0: number): Float64Array {
  return Float64Array.from(x, (v, i) => v + table[(pos0 + offset + Math.floor(i / dim)) * dim + (i % dim)]);
}
