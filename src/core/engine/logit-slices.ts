// Logits live in vocabulary column slices: one [T, V] buffer of a big vocabulary can exceed a binding.
import { AdapterLimitExceeded } from '../errors.ts';
import type { Gpu } from '../gpu/device.ts';
import { readF32 } from '../gpu/buffers.ts';
import type { LogitSlice } from '../kernels/nll.ts';

/** Vocabulary columns per logits slice so that a [T, cols] slice stays below one binding; a multiple of
 * `rowMultiple` rows (default minStorageBufferOffsetAlignment / 4, f32 lm_head rows; sliceRowMultiple for other
 * dtypes) so the lm_head rows it reads can be bound as a byte range. */
export function logitSliceRows(gpu: Gpu, T: number, V: number,
  rowMultiple = gpu.limits.minStorageBufferOffsetAlignment / 4): number {
  const fit = Math.floor((gpu.adapter.maxBindingBytes - 4) / (T * 4));
  if (fit >= V) return V;
  if (fit < rowMultiple) {
    throw new AdapterLimitExceeded(`logits for ${T} tokens x ${rowMultiple} vocabulary rows`, T * rowMultiple * 4,
      gpu.adapter.maxBindingBytes, 'maxStorageBufferBindingSize');
  }
  return fit - (fit % rowMultiple);
}

/** Rows row0 .. row0+rows-1 of the logits, gathered from the slices.  Returns [rows, V] */
export async function readLogitRows(gpu: Gpu, slices: LogitSlice[], V: number, row0: number, rows: number): Promise<Float32Array> {
  const out = new Float32Array(rows * V);
  for (const s of slices) {
    const part = await readF32(gpu, s.buffer, rows * s.cols, row0 * s.cols); // [rows, cols]
    for (let r = 0; r < rows; r++) out.set(part.subarray(r * s.cols, (r + 1) * s.cols), r * V + s.colStart);
  }
  return out;
}
