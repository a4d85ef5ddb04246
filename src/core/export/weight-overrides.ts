// Updated weights that an export writes instead of the source tensors: SparseGPT keeps its error-compensated
// weights in per-map GPU override buffers ([N, K] f32, Pruner.weightOverrides) that the engine reads instead of
// the dense tensors. The exporters read them back one tensor at a time (never all at once), apply the masks
// (pruned weights become exact zeros whatever the sweep left there) and convert to the written dtype.
import { BadRequest } from '../errors.ts';
import { encodeHalfBytes } from '../formats/float-codec.ts';
import type { SafetensorsDtype } from '../formats/safetensors.ts';
import { readBuffer } from '../gpu/buffers.ts';
import type { Gpu } from '../gpu/device.ts';

export interface WeightOverrides {
  /** The method that updated the weights (named in notes, the report and apply_masks.py), e.g. 'sparsegpt'. */
  readonly method: string;
  /** Whether tensor `name` is replaced by an updated one. */
  has(name: string): boolean;
  /** Tensor `name`'s updated values, [N, K] row-major f32 (a bias as [N, 1]), a fresh array. */
  read(name: string, N: number, K: number): Promise<Float32Array>;
}

/** GPU override buffers (one per replaced tensor, [N, K] f32 in canonical row order), read back when asked. */
export function gpuWeightOverrides(gpu: Gpu, buffers: ReadonlyMap<string, GPUBuffer>, method: string): WeightOverrides {
  return {
    method,
    has: (name) => buffers.has(name),
    async read(name, N, K) {
      const b = buffers.get(name);
      if (!b) throw new BadRequest(`no updated weights for ${name}`);
      if (b.size < N * K * 4) throw new BadRequest(`updated weights of ${name} hold ${b.size} bytes, [${N}, ${K}] f32 needs ${N * K * 4}`);
      return new Float32Array(await readBuffer(gpu, b, N * K * 4)); // [N, K] f32
    },
  };
}

/** f32 values as the bytes of `dtype`: F32 bit-exact, F16 / BF16 rounded to nearest, ties to even. */
export function encodeExportValues(values: Float32Array, dtype: SafetensorsDtype): Uint8Array {
  if (dtype === 'F32') return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  if (dtype === 'F16' || dtype === 'BF16') return encodeHalfBytes(values, dtype);
  throw new BadRequest(`updated weights cannot be written as ${dtype} (expected F32, F16 or BF16)`);
}

/** One line for the export's notes and the report: what was written instead of the source, and how exactly. */
export function overridesNote(overrides: WeightOverrides, dtypes: ReadonlySet<string>): string {
  const rounding = [...dtypes].filter((d) => d !== 'F32');
  const how = rounding.length === 0
    ? 'float32, bit-exact'
    : `converted from float32 to the source dtype ${rounding.join('/')}, rounded to nearest even (not bit-exact: the reloaded model's perplexity can differ slightly from the in-engine one)`;
  return `${overrides.method === 'sparsegpt' ? 'SparseGPT' : overrides.method} updated the kept weights of every pruned linear map ` +
    `(not only masked): those tensors are written from the updated weights (${how}), pruned weights exact zeros; re-applying its masks ` +
    'to the ORIGINAL checkpoint gives a different model, not this one';
}
