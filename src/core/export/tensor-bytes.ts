// A source tensor as the bytes an export writes: canonical (HF) layout, in the source dtype when safetensors can
// hold it (F32 / F16 / BF16: bit-identical), else F32 (GGUF Q8_0 is dequantized). llama2.c / GGUF store q, k rows
// in interleaved RoPE order; those rows are permuted to HF's rotate_half order, as the loader does.
import { BadModelFile } from '../errors.ts';
import { readEntryBytes, readTensorF32, transposedColumnBytes } from '../formats/decode-tensor.ts';
import type { SafetensorsDtype } from '../formats/safetensors.ts';
import type { TensorEntry } from '../model/loaded-model.ts';
import { DTYPE_BYTES } from './safetensors-stream.ts';

/** Unchanged tensors are copied in chunks of at most this many bytes. */
export const COPY_CHUNK_BYTES = 4 * 1024 * 1024;

export function exportDtype(entry: TensorEntry): SafetensorsDtype {
  return entry.dtype === 'Q8_0' ? 'F32' : entry.dtype;
}

/** Whether the stored bytes already are the export's bytes (so they can be streamed through unchanged). */
export function storedAsExported(entry: TensorEntry): boolean {
  return entry.dtype !== 'Q8_0' && !entry.transform;
}

async function readStored(entry: TensorEntry, offset: number, length: number): Promise<Uint8Array> {
  const bytes = await entry.source.read(entry.byteOffset + offset, length);
  if (bytes.byteLength !== length) {
    throw new BadModelFile(entry.source.name, `tensor ${entry.name}: file ended after ${offset + bytes.byteLength} of ${entry.byteLength} bytes`, entry.byteOffset);
  }
  return bytes;
}

/** The whole tensor as export bytes, in a fresh buffer the caller may modify (the source is never touched). */
export async function readExportBytes(entry: TensorEntry): Promise<Uint8Array> {
  if (entry.dtype === 'Q8_0') {
    const f32 = await readTensorF32(entry); // dequantized, rows already in canonical order
    return new Uint8Array(f32.buffer, f32.byteOffset, f32.byteLength);
  }
  const stored = await readEntryBytes(entry);
  const t = entry.transform;
  if (!t) return stored.slice(); // a copy: in-memory sources hand out views of the model
  if (t.kind === 'transposed-columns') return transposedColumnBytes(stored, entry);
  return interleavedToHalfRows(stored, entry.shape[0], t.heads, entry.name);
}

/**
 * Byte-level version of decode-tensor's applyRowTransform: per head of hd rows, HF row h*hd + half*(hd/2) + i
 * is stored row h*hd + 2*i + half. Works for any element size (the row length is bytes / rows).
 */
export function interleavedToHalfRows(stored: Uint8Array, rows: number, heads: number, name: string): Uint8Array {
  const rowBytes = stored.byteLength / rows;
  const hd = rows / heads;
  if (!Number.isInteger(hd) || hd % 2 !== 0) throw new BadModelFile(name, `cannot un-interleave ${rows} rows into ${heads} heads of even size`);
  const out = new Uint8Array(stored.byteLength);
  for (let h = 0; h < heads; h++) {
    for (let half = 0; half < 2; half++) {
      for (let i = 0; i < hd / 2; i++) {
        const src = h * hd + 2 * i + half;
        out.set(stored.subarray(src * rowBytes, (src + 1) * rowBytes), (h * hd + half * (hd / 2) + i) * rowBytes);
      }
    }
  }
  return out;
}

/** Streams an unchanged tensor (storedAsExported) from its source in chunks of at most `chunkBytes`. */
export async function copyStoredBytes(entry: TensorEntry, write: (chunk: Uint8Array) => Promise<void>,
  chunkBytes = COPY_CHUNK_BYTES): Promise<void> {
  for (let at = 0; at < entry.byteLength; at += chunkBytes) {
    await write(await readStored(entry, at, Math.min(chunkBytes, entry.byteLength - at)));
  }
}
