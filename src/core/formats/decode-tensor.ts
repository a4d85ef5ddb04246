// Decodes a stored tensor to float32 in canonical layout: dtype conversion, then the row transform
// (llama2.c / GGUF keep q,k rows in interleaved RoPE order; the engine expects HF's rotate_half order).
import { BadModelFile } from '../errors.ts';
import type { RowTransform, TensorEntry } from '../model/loaded-model.ts';
import type { Dtype } from '../model/spec.ts';
import { bf16BitsToF32, f16BitsToF32 } from './float-codec.ts';

/** Q8_0: blocks of 32 values, each an f16 scale followed by 32 int8 quants (34 bytes). */
export const Q8_0_BLOCK = 32;
export const Q8_0_BLOCK_BYTES = 34;

export function elementCount(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Bytes a tensor of `elements` values takes in `dtype`. */
export function storedByteLength(dtype: Dtype, elements: number): number {
  switch (dtype) {
    case 'F32': return elements * 4;
    case 'F16': case 'BF16': return elements * 2;
    case 'Q8_0': return (elements / Q8_0_BLOCK) * Q8_0_BLOCK_BYTES;
  }
}

/** Bytes the entry's byte range must hold: its own elements, or the whole stored tensor it is columns of. */
export function storedEntryBytes(entry: TensorEntry): number {
  const t = entry.transform;
  return storedByteLength(entry.dtype, t?.kind === 'transposed-columns' ? (entry.shape[1] ?? 1) * t.storedCols : elementCount(entry.shape));
}

export async function readTensorF32(entry: TensorEntry): Promise<Float32Array> {
  const n = elementCount(entry.shape);
  const bytes = await readEntryBytes(entry);
  const t = entry.transform;
  if (t?.kind === 'transposed-columns') return decodeBytes(transposedColumnBytes(bytes, entry), entry.dtype, n);
  const values = decodeBytes(bytes, entry.dtype, n);
  return t ? applyRowTransform(values, entry.shape, t, entry.name) : values;
}

/** An F16 / BF16 tensor's raw 2-byte elements in canonical layout (the same transforms as readTensorF32, applied to
 * the bits: the GPU keeps half-precision weights as they are stored and widens them in the kernels). */
export async function readTensorHalfBits(entry: TensorEntry): Promise<Uint16Array> {
  if (entry.dtype !== 'F16' && entry.dtype !== 'BF16') throw new BadModelFile(entry.name, `readTensorHalfBits: ${entry.dtype} is not F16 / BF16`);
  const n = elementCount(entry.shape);
  let bytes = await readEntryBytes(entry);
  const t = entry.transform;
  if (t?.kind === 'transposed-columns') bytes = transposedColumnBytes(bytes, entry);
  const out = new Uint16Array(n);
  new Uint8Array(out.buffer).set(bytes.subarray(0, n * 2)); // a copy: any byteOffset alignment; little-endian host
  return t && t.kind !== 'transposed-columns' ? applyRowTransform(out, entry.shape, t, entry.name) : out;
}

/** The entry's whole stored byte range, checked against what its dtype and shape need. */
export async function readEntryBytes(entry: TensorEntry): Promise<Uint8Array> {
  const expected = storedEntryBytes(entry);
  if (expected !== entry.byteLength) {
    throw new BadModelFile(entry.source.name, `tensor ${entry.name} ${entry.dtype}[${entry.shape}] needs ${expected} bytes, entry says ${entry.byteLength}`, entry.byteOffset);
  }
  const bytes = await entry.source.read(entry.byteOffset, entry.byteLength);
  if (bytes.byteLength !== entry.byteLength) {
    throw new BadModelFile(entry.source.name, `tensor ${entry.name}: file ended after ${bytes.byteLength} of ${entry.byteLength} bytes`, entry.byteOffset);
  }
  return bytes;
}

/** A transposed-columns entry's [N, K] bytes (any element size) from its stored [K, storedCols] bytes. */
export function transposedColumnBytes(stored: Uint8Array, entry: TensorEntry): Uint8Array {
  const t = entry.transform;
  if (t?.kind !== 'transposed-columns' || entry.dtype === 'Q8_0') throw new BadModelFile(entry.name, 'only F32 / F16 / BF16 tensors can be stored transposed');
  const [N, K] = entry.shape.length === 2 ? entry.shape : [entry.shape[0], 1];
  const e = entry.dtype === 'F32' ? 4 : 2;
  const out = new Uint8Array(N * K * e);
  for (let k = 0; k < K; k++) {
    for (let r = 0; r < N; r++) {
      const src = (k * t.storedCols + t.colStart + r) * e, dst = (r * K + k) * e;
      for (let b = 0; b < e; b++) out[dst + b] = stored[src + b];
    }
  }
  return out;
}

/** Raw little-endian bytes -> a fresh Float32Array (never a view: sources may hand out shared or unaligned buffers). */
export function decodeBytes(bytes: Uint8Array, dtype: Dtype, n: number): Float32Array {
  const out = new Float32Array(n);
  if (dtype === 'F32') {
    new Uint8Array(out.buffer).set(bytes.subarray(0, n * 4)); // copy handles any byteOffset alignment
    return out;
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (dtype === 'F16') {
    for (let i = 0; i < n; i++) out[i] = f16BitsToF32(dv.getUint16(2 * i, true));
  } else if (dtype === 'BF16') {
    for (let i = 0; i < n; i++) out[i] = bf16BitsToF32(dv.getUint16(2 * i, true));
  } else {
    for (let b = 0; b < n / Q8_0_BLOCK; b++) {
      const base = b * Q8_0_BLOCK_BYTES;
      // Math.fround: ggml multiplies in float32 (scale widened from f16, product rounded to f32).
      const d = f16BitsToF32(dv.getUint16(base, true));
      for (let j = 0; j < Q8_0_BLOCK; j++) out[b * Q8_0_BLOCK + j] = Math.fround(d * dv.getInt8(base + 2 + j));
    }
  }
  return out;
}

/**
 * Interleaved RoPE rows (pairs (2i, 2i+1) rotate together) -> HF rotate_half rows (i and i + hd/2 rotate
 * together). Per head h with hd = rows / heads: HF row h*hd + half*(hd/2) + i = stored row h*hd + 2*i + half.
 * Works for matrices [rows, cols] and bias vectors [rows].
 */
export function applyRowTransform<A extends Float32Array | Uint16Array | Uint32Array>(values: A, shape: number[], t: Extract<RowTransform, { kind: 'rope-interleaved-to-half' }>, name = 'tensor'): A {
  const rows = shape[0];
  const cols = values.length / rows;
  const hd = rows / t.heads;
  if (!Number.isInteger(hd) || hd % 2 !== 0) {
    throw new BadModelFile(name, `cannot un-interleave ${rows} rows into ${t.heads} heads of even size`);
  }
  const out = new (values.constructor as new (n: number) => A)(values.length);
  const halfHd = hd / 2;
  for (let h = 0; h < t.heads; h++) {
    for (let half = 0; half < 2; half++) {
      for (let i = 0; i < halfHd; i++) {
        const dst = h * hd + half * halfHd + i;
        const src = h * hd + 2 * i + half;
        out.set(values.subarray(src * cols, (src + 1) * cols), dst * cols);
      }
    }
  }
  return out;
}

/** The inverse of applyRowTransform (HF order -> interleaved), for writing llama2.c / GGUF test files. */
export function halfToInterleavedRows(values: Float32Array, shape: number[], heads: number): Float32Array {
  const rows = shape[0];
  const cols = values.length / rows;
  const hd = rows / heads;
  const out = new Float32Array(values.length);
  for (let h = 0; h < heads; h++) {
    for (let half = 0; half < 2; half++) {
      for (let i = 0; i < hd / 2; i++) {
        const hf = h * hd + half * (hd / 2) + i;
        const stored = h * hd + 2 * i + half;
        out.set(values.subarray(hf * cols, (hf + 1) * cols), stored * cols);
      }
    }
  }
  return out;
}
