// Host for shaders/gather.wgsl (and gather-packed.wgsl): copies the kept rows and columns of a dense matrix into a
// compacted one, as f32 or, packed, in the source's f16 / bf16.
import type { Gpu } from '../gpu/device.ts';
import { createUniformBuffer, packUniform } from '../gpu/buffers.ts';
import kernel from '../../../shaders/gather.wgsl?raw';
import packedKernel from '../../../shaders/gather-packed.wgsl?raw';
import { withLibs } from './shader-source.ts';
import { requireWeightElems, weightBufferBytes, weightCodeCache, weightDtypeOf, weightLabel, weightResource, type WeightInput } from './weight-binding.ts';
import { prepareCall, type KernelCall } from './kernel-call.ts';
import { grid1d } from './grid.ts';
import { KernelShapeError, requireDistinct, requireElems, requireInt } from './guards.ts';

/** An index that gathers zeros (padding a compacted width to a multiple of 4). */
export const GATHER_PAD = 0xffffffff;

export interface GatherArgs {
  src: WeightInput;   // [srcRows, srcCols] in its stored dtype (out is f32: with all indices, a widening copy)
  srcRows: number;
  srcCols: number;
  rowIdx: GPUBuffer;  // [rows] u32, each < srcRows or GATHER_PAD (writes a zero row)
  colIdx: GPUBuffer;  // [cols] u32, each < srcCols or GATHER_PAD (writes a zero column)
  out: GPUBuffer;     // [rows, cols] f32, or with `packed` in the source's f16 / bf16 (two per word)
  rows: number;
  cols: number;
  /** Keep an f16 / bf16 source's dtype: out gets the raw elements (gather-packed.wgsl), not f32 values. */
  packed?: boolean;
}

const code = weightCodeCache((lib) => withLibs(kernel, lib));
const packedCode = weightCodeCache((lib) => withLibs(packedKernel, lib));

export async function prepareGather(gpu: Gpu, a: GatherArgs): Promise<KernelCall> {
  const k = 'gather';
  for (const [name, v] of Object.entries({ srcRows: a.srcRows, srcCols: a.srcCols, rows: a.rows, cols: a.cols })) requireInt(k, name, v);
  requireWeightElems(k, 'src [srcRows, srcCols]', a.src, a.srcRows * a.srcCols);
  requireElems(k, 'rowIdx [rows]', a.rowIdx, a.rows);
  requireElems(k, 'colIdx [cols]', a.colIdx, a.cols);
  const dtype = weightDtypeOf(a.src);
  if (a.packed && dtype !== 'f16' && dtype !== 'bf16') throw new KernelShapeError(k, `packed output needs an f16 / bf16 source, got ${dtype}`);
  if (a.packed) {
    const need = weightBufferBytes(dtype, a.rows * a.cols);
    if (a.out.size < need) throw new KernelShapeError(k, `out [rows, cols] (${dtype}) holds ${a.out.size} bytes but ${need} are needed`);
  } else requireElems(k, 'out [rows, cols]', a.out, a.rows * a.cols);
  const src = weightResource(a.src);
  requireDistinct(k, { out: a.out, src, rowIdx: a.rowIdx, colIdx: a.colIdx });
  const params = await createUniformBuffer(gpu, 'gather params', packUniform([{ u32: a.rows }, { u32: a.cols }, { u32: a.srcCols }]));
  return a.packed
    ? prepareCall(gpu, weightLabel('gather-packed', dtype), packedCode(dtype), [src, a.rowIdx, a.colIdx, a.out, params], grid1d(gpu, Math.ceil(a.rows * a.cols / 2), 64))
    : prepareCall(gpu, weightLabel(k, dtype), code(dtype), [src, a.rowIdx, a.colIdx, a.out, params], grid1d(gpu, a.rows * a.cols, 64));
}

/** CPU reference: out[i, j] = src[rowIdx[i], colIdx[j]] (0 where either is GATHER_PAD), throwing on any other
 * index outside the source. */
export function gatherReference(src: Float32Array, srcRows: number, srcCols: number,
  rowIdx: ArrayLike<number>, colIdx: ArrayLike<number>): Float32Array {
  const out = new Float32Array(rowIdx.length * colIdx.length);
  for (let i = 0; i < rowIdx.length; i++) {
    for (let j = 0; j < colIdx.length; j++) {
      const r = rowIdx[i], c = colIdx[j];
      if (r === GATHER_PAD || c === GATHER_PAD) continue;
      if (r >= srcRows || c >= srcCols) throw new RangeError(`gather: index (${r}, ${c}) outside [${srcRows}, ${srcCols}]`);
      out[i * colIdx.length + j] = src[r * srcCols + c];
    }
  }
  return out;
}

/** Ascending indices 0..n-1 (all rows or all columns kept). */
export function allIndices(n: number): Uint32Array {
  return Uint32Array.from({ length: n }, (_, i) => i);
}
