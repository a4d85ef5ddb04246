// Uploads a model's weights to the GPU once. Weight matrices (linear maps, embedding, lm_head) keep their source
// dtype: F16 / BF16 stay 2 bytes per weight (two per u32 word, widened to f32 inside the kernels: exact, so every
// result equals an f32 upload's bit for bit); Q8_0 stays blocks of 32 int8 + an f16 scale (36 bytes per 32 weights,
// dequantised in the kernels exactly as the CPU decoder does); F32 stays f32. Vectors (norms, biases) and learned
// position tables are f32. `storage: 'f32'` decodes everything to f32 (the behaviour before issue 13 §1,
// for comparison). Each tensor's dtype and shape sit next to its buffer (StoredWeight).
// Tensors larger than one binding (big-vocabulary embeddings / lm_head) are split into row chunks, each its own
// buffer (so every chunk starts at element 0, whatever the element size).
// Everything is checked against the adapter's limits BEFORE the first allocation.
import { AdapterLimitExceeded, BadRequest } from '../errors.ts';
import { createStorageBuffer } from '../gpu/buffers.ts';
import type { Gpu } from '../gpu/device.ts';
import { applyRowTransform, readEntryBytes, readTensorF32, readTensorHalfBits } from '../formats/decode-tensor.ts';
import type { LoadedModel } from '../model/loaded-model.ts';
import { expectedShapes, tensorNames } from '../model/spec.ts';
import { packHalfWords, packQ8Blocks, Q8_BLOCK, weightBufferBytes, weightBytes, type WeightBinding, type WeightDtype } from '../kernels/weight-binding.ts';

/** 'source': matrices in their stored dtype (F16 / BF16 / Q8_0 as is, F32 as f32); 'f32': everything as f32. */
export type WeightStorage = 'source' | 'f32';
export const WEIGHT_STORAGES: readonly WeightStorage[] = ['source', 'f32'];

/** One uploaded tensor: its buffer, the dtype its elements are stored in, and its shape. */
export interface StoredWeight extends WeightBinding {
  shape: number[];
}

/** A [rows, cols] matrix stored as consecutive row chunks, each its own buffer and binding, all in `dtype`. */
export interface RowChunks {
  cols: number;
  dtype: WeightDtype;
  chunks: Array<WeightBinding & { rowStart: number; rowCount: number }>;
}

export interface GpuWeights {
  /** Canonical name -> stored tensor, for every tensor except the (possibly split) embedding / lm_head. */
  tensors: Map<string, StoredWeight>;
  embed: RowChunks;
  /** The embedding itself when tied. */
  lmHead: RowChunks;
  storage: WeightStorage;
  /** GPU bytes of all weight buffers as stored. */
  bytes: number;
  /** What the same weights take as f32 (the 'f32' storage), for comparison. */
  f32Bytes: number;
  destroy(): void;
}

/** A vector (norm weight, bias) of the uploaded model: always f32. */
export function f32Tensor(weights: GpuWeights, name: string): GPUBuffer {
  const t = weights.tensors.get(name);
  if (!t) throw new BadRequest(`no uploaded tensor ${name}`);
  if (t.dtype !== 'f32') throw new BadRequest(`tensor ${name} is stored as ${t.dtype}, f32 needed here`);
  return t.buffer;
}

/** Rows per chunk so that a chunk of rows of `rowBytes` (default: f32) stays strictly below the binding limit. */
export function rowsPerChunk(maxBindingBytes: number, cols: number, rowBytes = cols * 4): number {
  return Math.max(1, Math.floor((maxBindingBytes - 4) / rowBytes));
}

/** The dtype `name` is uploaded in: matrices keep F16 / BF16 / Q8_0 (rows of whole blocks) under 'source';
 * everything else is f32. */
export function storedDtype(model: LoadedModel, name: string, shape: number[], storage: WeightStorage = 'source'): WeightDtype {
  if (storage === 'f32' || shape.length !== 2 || name === tensorNames.positions) return 'f32';
  const entry = model.tensors.get(name);
  switch (entry?.dtype) {
    case 'BF16': return 'bf16';
    case 'F16': return 'f16';
    case 'Q8_0': return shape[1] % Q8_BLOCK === 0 && entry.transform?.kind !== 'transposed-columns' ? 'q8_0' : 'f32';
    default: return 'f32';
  }
}

/** Throws AdapterLimitExceeded (with the numbers) if some tensor can never be bound. */
export function checkModelFits(model: LoadedModel, gpu: Gpu, storage: WeightStorage = 'source'): void {
  const limit = gpu.adapter.maxBindingBytes;
  for (const [name, shape] of expectedShapes(model.spec)) {
    const dtype = storedDtype(model, name, shape, storage);
    const splittable = name === tensorNames.embed || name === tensorNames.lmHead;
    const rowBytes = weightBytes(dtype, shape.length === 2 ? shape[1] : shape[0]);
    const bytes = weightBufferBytes(dtype, shape.reduce((a, b) => a * b, 1));
    if (splittable ? rowBytes >= limit : bytes >= limit) {
      throw new AdapterLimitExceeded(`tensor ${name} [${shape.join(', ')}] as ${dtype}`, splittable ? rowBytes : bytes,
        limit, 'maxStorageBufferBindingSize');
    }
  }
}

export interface UploadOptions {
  storage?: WeightStorage;
  onProgress?: (loadedBytes: number, totalBytes: number) => void;
}

type Stored = Float32Array | Uint16Array | Uint32Array;

/** A tensor's values in canonical layout in its stored dtype: f32 values, f16 / bf16 bits, or q8_0 block words. */
async function readStored(model: LoadedModel, name: string, dtype: WeightDtype): Promise<Stored> {
  const entry = model.tensors.get(name)!;
  if (dtype === 'f32') return readTensorF32(entry);
  if (dtype !== 'q8_0') return readTensorHalfBits(entry);
  const words = packQ8Blocks(await readEntryBytes(entry)); // whole rows of blocks: a row permutation moves them as is
  const t = entry.transform;
  return t && t.kind === 'rope-interleaved-to-half' ? applyRowTransform(words, entry.shape, t, entry.name) : words;
}

const bufferData = (v: Stored): ArrayBufferView => (v instanceof Uint16Array ? packHalfWords(v) : v);

export async function uploadWeights(gpu: Gpu, model: LoadedModel, opts: UploadOptions = {}): Promise<GpuWeights> {
  const storage = opts.storage ?? 'source';
  checkModelFits(model, gpu, storage);
  const shapes = expectedShapes(model.spec);
  const elems = (sh: number[]) => sh.reduce((a, b) => a * b, 1);
  const dtypes = new Map([...shapes].map(([name, sh]) => [name, storedDtype(model, name, sh, storage)]));
  const f32Bytes = [...shapes.values()].reduce((s, sh) => s + elems(sh) * 4, 0);
  const total = [...shapes].reduce((s, [name, sh]) => s + weightBytes(dtypes.get(name)!, elems(sh)), 0);
  let loaded = 0, bytes = 0;
  const tensors = new Map<string, StoredWeight>();
  const all: GPUBuffer[] = [];
  const upload = async (label: string, values: Stored): Promise<GPUBuffer> => {
    const data = bufferData(values);
    const buffer = await createStorageBuffer(gpu, label, data.byteLength, data);
    all.push(buffer);
    bytes += buffer.size;
    return buffer;
  };
  const split = async (name: string): Promise<RowChunks> => {
    const [rows, cols] = shapes.get(name)!;
    const dtype = dtypes.get(name)!;
    const data = await readStored(model, name, dtype); // [rows, cols]
    const per = rowsPerChunk(gpu.adapter.maxBindingBytes, cols, weightBytes(dtype, cols));
    const rowLength = data.length / rows; // array elements per row (q8_0: words)
    const chunks: RowChunks['chunks'] = [];
    for (let r = 0; r < rows; r += per) {
      const n = Math.min(per, rows - r);
      const buffer = await upload(`${name}[${r}:${r + n}] ${dtype}`, data.subarray(r * rowLength, (r + n) * rowLength));
      chunks.push({ buffer, dtype, rowStart: r, rowCount: n });
    }
    loaded += data.byteLength;
    opts.onProgress?.(loaded, total);
    return { cols, dtype, chunks };
  };
  try {
    const embed = await split(tensorNames.embed);
    const lmHead = model.spec.tieWordEmbeddings ? embed : await split(tensorNames.lmHead);
    for (const [name, shape] of shapes) {
      if (name === tensorNames.embed || name === tensorNames.lmHead) continue;
      const dtype = dtypes.get(name)!;
      const data = await readStored(model, name, dtype);
      tensors.set(name, { buffer: await upload(dtype === 'f32' ? name : `${name} ${dtype}`, data), dtype, shape });
      loaded += data.byteLength;
      opts.onProgress?.(loaded, total);
    }
    return { tensors, embed, lmHead, storage, bytes, f32Bytes, destroy: () => all.forEach((b) => b.destroy()) };
  } catch (e) {
    all.forEach((b) => b.destroy());
    throw e;
  }
}
