// Uploads a model's weights to the GPU once, as f32 storage buffers (F16/BF16/Q8_0 are decoded on the way).
// Tensors larger than one binding (big-vocabulary embeddings / lm_head) are split into row chunks.
// Everything is checked against the adapter's limits BEFORE the first allocation.
import { AdapterLimitExceeded } from '../errors.ts';
import { createStorageBuffer } from '../gpu/buffers.ts';
import type { Gpu } from '../gpu/device.ts';
import { readTensorF32 } from '../formats/decode-tensor.ts';
import type { LoadedModel } from '../model/loaded-model.ts';
import { expectedShapes, tensorNames } from '../model/spec.ts';

/** A [rows, cols] matrix stored as consecutive row chunks, each its own binding. */
export interface RowChunks {
  cols: number;
  chunks: Array<{ buffer: GPUBuffer; rowStart: number; rowCount: number }>;
}

export interface GpuWeights {
  /** Canonical name -> buffer, for every tensor except the (possibly split) embedding / lm_head. */
  tensors: Map<string, GPUBuffer>;
  embed: RowChunks;
  /** The embedding itself when tied. */
  lmHead: RowChunks;
  bytes: number;
  destroy(): void;
}

/** Rows per chunk so that a chunk stays strictly below the binding limit. */
export function rowsPerChunk(maxBindingBytes: number, cols: number): number {
  return Math.max(1, Math.floor((maxBindingBytes - 4) / (cols * 4)));
}

/** Throws AdapterLimitExceeded (with the numbers) if some tensor can never be bound. */
export function checkModelFits(model: LoadedModel, gpu: Gpu): void {
  const limit = gpu.adapter.maxBindingBytes;
  for (const [name, shape] of expectedShapes(model.spec)) {
    const splittable = name === tensorNames.embed || name === tensorNames.lmHead;
    const rowBytes = shape.length === 2 ? shape[1] * 4 : shape[0] * 4;
    const bytes = shape.reduce((a, b) => a * b, 1) * 4;
    if (splittable ? rowBytes >= limit : bytes >= limit) {
      throw new AdapterLimitExceeded(`tensor ${name} [${shape.join(', ')}] as f32`, splittable ? rowBytes : bytes,
        limit, 'maxStorageBufferBindingSize');
    }
  }
}

export async function uploadWeights(gpu: Gpu, model: LoadedModel,
  onProgress?: (loadedBytes: number, totalBytes: number) => void): Promise<GpuWeights> {
  checkModelFits(model, gpu);
  const shapes = expectedShapes(model.spec);
  const total = [...shapes.values()].reduce((s, sh) => s + sh.reduce((a, b) => a * b, 1) * 4, 0);
  let loaded = 0;
  const tensors = new Map<string, GPUBuffer>();
  const all: GPUBuffer[] = [];
  const split = async (name: string): Promise<RowChunks> => {
    const [rows, cols] = shapes.get(name)!;
    const data = await readTensorF32(model.tensors.get(name)!); // [rows, cols]
    const per = rowsPerChunk(gpu.adapter.maxBindingBytes, cols);
    const chunks: RowChunks['chunks'] = [];
    for (let r = 0; r < rows; r += per) {
      const n = Math.min(per, rows - r);
      const buffer = await createStorageBuffer(gpu, `${name}[${r}:${r + n}]`, n * cols * 4,
        data.subarray(r * cols, (r + n) * cols));
      all.push(buffer);
      chunks.push({ buffer, rowStart: r, rowCount: n });
    }
    loaded += data.byteLength;
    onProgress?.(loaded, total);
    return { cols, chunks };
  };
  try {
    const embed = await split(tensorNames.embed);
    const lmHead = model.spec.tieWordEmbeddings ? embed : await split(tensorNames.lmHead);
    for (const name of shapes.keys()) {
      if (name === tensorNames.embed || name === tensorNames.lmHead) continue;
      const data = await readTensorF32(model.tensors.get(name)!);
      const buffer = await createStorageBuffer(gpu, name, data.byteLength, data);
      all.push(buffer);
      tensors.set(name, buffer);
      loaded += data.byteLength;
      onProgress?.(loaded, total);
    }
    return { tensors, embed, lmHead, bytes: total, destroy: () => all.forEach((b) => b.destroy()) };
  } catch (e) {
    all.forEach((b) => b.destroy());
    throw e;
  }
}
