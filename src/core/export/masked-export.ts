// Masked safetensors: every tensor at its original shape and dtype, pruned weights set to exact zeros. Loads
// wherever the original loads (transformers, Prunelab, ...). Written tensor by tensor: at most one tensor (plus
// its bitset, 1/32 of it in f32) is in memory at a time, and unpruned tensors stream through in chunks.
// Tensors with updated weights (SparseGPT's overrides) are read back from the GPU one at a time instead of the source.
import { BadRequest } from '../errors.ts';
import type { LoadedModel } from '../model/loaded-model.ts';
import { expectedShapes, type ModelSpec } from '../model/spec.ts';
import { fusedTensors } from '../model/fused-tensors.ts';
import type { ByteSink } from './byte-sink.ts';
import { zeroPruned, type KeepMasks } from './keep-masks.ts';
import { DTYPE_BYTES, SafetensorsStreamWriter, type PlannedTensor } from './safetensors-stream.ts';
import { copyStoredBytes, exportDtype, readExportBytes, storedAsExported } from './tensor-bytes.ts';
import { encodeExportValues, type WeightOverrides } from './weight-overrides.ts';

export interface WeightsWritten {
  tensors: PlannedTensor[];
  /** Bytes of model.safetensors (header included). */
  fileBytes: number;
  /** Weights set to zero by the masks (counted while writing). */
  zeroed: number;
}

/** Every tensor the engine reads, in canonical order, with the dtype the export writes it in (F32 for tensors
 * written from `values`, e.g. FLAP's biases). */
export function plannedTensors(model: LoadedModel, shapes = expectedShapes(model.spec),
  values?: ReadonlyMap<string, Float32Array>): PlannedTensor[] {
  return [...shapes].map(([name, shape]) => {
    if (values?.has(name)) return { name, shape, dtype: 'F32' as const };
    const entry = model.tensors.get(name);
    if (!entry) throw new BadRequest(`the model has no tensor ${name}`);
    return { name, shape, dtype: exportDtype(entry) };
  });
}

/** A tensor's f32 values as the bytes written (little-endian, as the platform's typed arrays). */
export function f32Bytes(v: Float32Array): Uint8Array {
  return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
}

/** `spec`: the exported spec (default the model's; differs when biases are added); `values`: tensors written
 * from memory instead of the source (biases), unmasked; `overrides`: updated weights written instead of the
 * source (masked, in the source's dtype). */
export async function writeMaskedSafetensors(model: LoadedModel, masks: KeepMasks, sink: ByteSink,
  metadata: Record<string, string>, extra: { spec?: ModelSpec; values?: ReadonlyMap<string, Float32Array>; overrides?: WeightOverrides } = {}): Promise<WeightsWritten> {
  if (model.spec.layerWidths) throw new BadRequest('masked export of a model with per-layer widths is not supported');
  const spec = extra.spec ?? model.spec;
  const tensors = plannedTensors(model, expectedShapes(spec), extra.values);
  const writer = new SafetensorsStreamWriter(sink, tensors, metadata, fusedTensors(spec));
  await writer.begin();
  let zeroed = 0;
  for (const t of tensors) {
    const v = extra.values?.get(t.name);
    if (v) await writer.write(t.name, f32Bytes(v));
    else if (extra.overrides?.has(t.name)) zeroed += await writeUpdatedTensor(extra.overrides, t, masks, writer);
    else zeroed += await writeMaskedTensor(model, t, masks, writer);
  }
  await writer.finish();
  return { tensors, fileBytes: writer.fileBytes, zeroed };
}

/** One tensor (its buffers die with this call's frame, not with the export loop's). Returns the weights zeroed. */
async function writeMaskedTensor(model: LoadedModel, t: PlannedTensor, masks: KeepMasks, writer: SafetensorsStreamWriter): Promise<number> {
  const entry = model.tensors.get(t.name)!;
  const N = t.shape[0], K = t.shape.length === 2 ? t.shape[1] : 1;
  const bits = await masks.bits(t.name, N, K);               // [N, ceil(K/32)] u32, or null: nothing pruned
  if (!bits && storedAsExported(entry)) {
    await copyStoredBytes(entry, (chunk) => writer.write(t.name, chunk));
    return 0;
  }
  const bytes = await readExportBytes(entry);                 // [N, K] in t.dtype, a fresh copy
  const zeroed = bits ? zeroPruned(bytes, DTYPE_BYTES[t.dtype], N, K, bits) : 0;
  await writer.write(t.name, bytes);
  return zeroed;
}

/** An updated tensor: read back from the GPU, masked (exact zeros), converted to the tensor's export dtype. */
async function writeUpdatedTensor(overrides: WeightOverrides, t: PlannedTensor, masks: KeepMasks, writer: SafetensorsStreamWriter): Promise<number> {
  const N = t.shape[0], K = t.shape.length === 2 ? t.shape[1] : 1;
  const values = await overrides.read(t.name, N, K);           // [N, K] f32
  const bits = await masks.bits(t.name, N, K);                 // [N, ceil(K/32)] u32, or null: nothing pruned
  const zeroed = bits ? zeroPruned(f32Bytes(values), 4, N, K, bits) : 0;
  await writer.write(t.name, encodeExportValues(values, t.dtype));
  return zeroed;
}
