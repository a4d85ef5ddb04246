// Uploads a model's weights to the GPU once. Weight matrices (linear maps, embedding, lm_head) keep their source
// dtype: F16 / BF16 stay 2 bytes per weight (two per u32 word, widened to f32 inside the kernels: exact, so every
// result equals an f32 upload's bit for bit); F32 stays f32 and Q8_0 is decoded to f32. Vectors (norms, biases) and
// learned position tables are f32. `storage: 'f32'` decodes everything to f32 (the behaviour before issue 13 §1,
// for comparison). Each tensor's dtype and shape sit next to its buffer (StoredWeight).
// Tensors larger than one binding (big-vocabulary embeddings / lm_head) are split into row chunks, each its own
// buffer (so every chunk starts at element 0, whatever the element size).
// Everything is checked against the adapter's limits BEFORE the first allocation.
import { AdapterLimitExceeded, BadRequest } from '../errors.ts';
import { createStorageBuffer } from '../gpu/buffers.ts';
import type { Gpu } from '../gpu/device.ts';
import { readTensorF32, readTensorHalfBits } from '../formats/decode-tensor.ts';
import type { LoadedModel } from '../model/loaded-model.ts';
import { expectedShapes, tensorNames } from '../model/spec.ts';
import { packHalfWords, weightBufferBytes, weightElementBytes, type WeightBinding, type WeightDtype } from '../kernels/weight-binding.ts';

/** 'source': matrices in their stored dtype (F16 / BF16 as is; F32 and Q8_0 as f32); 'f32': everything as f32. */
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

/** Rows per chunk so that a chunk of `elemBytes`-byte elements stays strictly below the binding limit. */
export function rowsPerChunk(maxBindingBytes: number, cols: number, elemBytes = 4): number {
  return Math.max(1, Math.floor((maxBindingBytes - 4) / (cols * elemBytes)));
}

/** The dtype `name` is uploaded in: matrices keep F16 / BF16 under 'source'; everything else is f32. */
export function storedDtype(model: LoadedModel, name: string, shape: number[], storage: WeightStorage = 'source'): WeightDtype {
  if (storage === 'f32' || shape.length !== 2 || name === tensorNames.positions) return 'f32';
  const dtype = model.tensors.get(name)?.dtype;
  return dtype === 'BF16' ? 'bf16' : dtype === 'F16' ? 'f16' : 'f32';
}

/** Throws AdapterLimitExceeded (with the numbers) if some tensor can never be bound. */
export function checkModelFits(model: LoadedModel, gpu: Gpu, storage: WeightStorage = 'source'): void {
  const limit = gpu.adapter.maxBindingBytes;
  for (const [name, shape] of expectedShapes(model.spec)) {
    const dtype = storedDtype(model, name, shape, storage), e = weightElementBytes(dtype);
    const splittable = name === tensorNames.embed || name === tensorNames.lmHead;
    const rowBytes = shape.length === 2 ? shape[1] * e : shape[0] * e;
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

/** A tensor's values in canonical layout as the bytes of its stored dtype. */
async function readStored(model: LoadedModel, name: string, dtype: WeightDtype): Promise<Float32Array | Uint16Array> {
  const entry = model.tensors.get(name)!;
  return dtype === 'f32' ? readTensorF32(entry) : readTensorHalfBits(entry);
}

const bufferData = (v: Float32Array | Uint16Array): ArrayBufferView => (v instanceof Uint16Array ? packHalfWords(v) : v);

export async function uploadWeights(gpu: Gpu, model: LoadedModel, opts: UploadOptions = {}): Promise<GpuWeights> {
  const storage = opts.storage ?? 'source';
  checkModelFits(model, gpu, storage);
  const shapes = expectedShapes(model.spec);
  const elems = (sh: number[]) => sh.reduce((a, b) => a * b, 1);
  const dtypes = new Map([...shapes].map(([name, sh]) => [name, storedDtype(model, name, sh, storage)]));
  const f32Bytes = [...shapes.values()].reduce((s, sh) => s + elems(sh) * 4, 0);
  const total = [...shapes].reduce((s, [name, sh]) => s + elems(sh) * weightElementBytes(dtypes.get(name)!), 0);
  let loaded = 0, bytes = 0;
  const tensors = new Map<string, StoredWeight>();
  const all: GPUBuffer[] = [];
  const upload = async (label: string, dtype: WeightDtype, values: Float32Array | Uint16Array): Promise<GPUBuffer> => {
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
    const per = rowsPerChunk(gpu.adapter.maxBindingBytes, cols, weightElementBytes(dtype));
    const chunks: RowChunks['chunks'] = [];
    for (let r = 0; r < rows; r += per) {
      const n = Math.min(per, rows - r);
      const buffer = await upload(`${name}[${r}:${r + n}] ${dtype}`, dtype, data.subarray(r * cols, (r + n) * cols));
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
      tensors.set(name, { buffer: await upload(dtype === 'f32' ? name : `${name} ${dtype}`, dtype, data), dtype, shape });
      loaded += data.byteLength;
      opts.onProgress?.(loaded, total);
    }
    return { tensors, embed, lmHead, storage, bytes, f32Bytes, destroy: () => all.forEach((b) => b.destroy()) };
  } catch (e) {
    all.forEach((b) => b.destroy());
    throw e;
  }
}
