// Weights on the GPU keep their source dtype (issue 13 §1): f32, or f16 / bf16 as raw 2-byte elements packed two per
// u32 word (element 2j in the low half, element 2j+1 in the high half; buffers padded to a multiple of 4 bytes), or
// q8_0 (GGUF's Q8_0) as blocks of 32 weights in 9 words: the f16 scale d in the low half of word 0, then the 32 int8
// quants q (4 per word, little-endian); weight = f32(d) * f32(q) rounded to f32, as the CPU decoder computes it.
// The dtype travels WITH the binding (WeightBinding), and every kernel that reads a weight appends the matching
// shaders/lib/weight-load-*.wgsl, whose loadW(i) / loadW4(i) widen to f32 in the kernel (exact; q8_0 as the CPU decoder),
// so accumulation stays f32 in the same order and results are bit-identical to an f32 upload.
// A kernel names its weight binding `w: array<WStore>`; the lib declares WStore and the loads.
import type { Gpu } from '../gpu/device.ts';
import { readBuffer } from '../gpu/buffers.ts';
import { bf16BitsToF32, f16BitsToF32 } from '../formats/float-codec.ts';
import f32Lib from '../../../shaders/lib/weight-load-f32.wgsl?raw';
import f32x4Lib from '../../../shaders/lib/weight-load-f32x4.wgsl?raw';
import f16Lib from '../../../shaders/lib/weight-load-f16.wgsl?raw';
import bf16Lib from '../../../shaders/lib/weight-load-bf16.wgsl?raw';
import q8Lib from '../../../shaders/lib/weight-load-q8_0.wgsl?raw';
import f16BitsLib from '../../../shaders/lib/f16-bits.wgsl?raw';
import type { Binding } from './kernel-call.ts';
import { KernelShapeError } from './guards.ts';

export type WeightDtype = 'f32' | 'f16' | 'bf16' | 'q8_0';
export const WEIGHT_DTYPES: readonly WeightDtype[] = ['f32', 'f16', 'bf16', 'q8_0'];

/** q8_0: weights per block and u32 words per block (scale word + 8 quant words). */
export const Q8_BLOCK = 32;
export const Q8_BLOCK_WORDS = 9;

/** A weight on the GPU: its buffer (or a byte range of it: offset a multiple of minStorageBufferOffsetAlignment,
 * at an element boundary) and the dtype of its elements. */
export interface WeightBinding {
  buffer: GPUBuffer;
  dtype: WeightDtype;
  offset?: number;
  size?: number;
}

/** What a kernel host accepts as a weight: a WeightBinding, or a plain f32 Binding (activations, overrides,
 * f32 compacted copies). */
export type WeightInput = Binding | WeightBinding;

/** Bytes `elements` consecutive weights of `dtype` take (q8_0: whole blocks, `elements` a multiple of 32). */
export function weightBytes(dtype: WeightDtype, elements: number): number {
  switch (dtype) {
    case 'f32': return elements * 4;
    case 'f16': case 'bf16': return elements * 2;
    case 'q8_0': return Math.ceil(elements / Q8_BLOCK) * Q8_BLOCK_WORDS * 4;
  }
}

/** Bytes a buffer of `elements` weights of `dtype` takes (rounded up to whole u32 words). */
export const weightBufferBytes = (dtype: WeightDtype, elements: number): number =>
  Math.ceil(weightBytes(dtype, elements) / 4) * 4;

/** Rows of a [rows, cols] weight per byte-range slice so that every slice starts at a multiple of `alignment` bytes
 * (minStorageBufferOffsetAlignment): alignment / 4 rows for f32, alignment / 2 for f16 / bf16, and for q8_0 the
 * smallest row count whose bytes the alignment divides. */
export function sliceRowMultiple(dtype: WeightDtype, cols: number, alignment: number): number {
  if (dtype !== 'q8_0') return alignment / weightBytes(dtype, 1);
  const rowBytes = weightBytes(dtype, cols);
  const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
  return alignment / gcd(alignment, rowBytes);
}

export function weightDtypeOf(w: WeightInput): WeightDtype {
  return 'dtype' in w ? w.dtype : 'f32';
}

/** The binding to put in a bind group (a byte range's size rounded up to whole words: buffers are padded). */
export function weightResource(w: WeightInput): Binding {
  if (!('dtype' in w)) return w;
  if (w.offset === undefined && w.size === undefined) return w.buffer;
  const offset = w.offset ?? 0;
  return { buffer: w.buffer, offset, size: Math.ceil((w.size ?? w.buffer.size - offset) / 4) * 4 };
}

/** Bytes the weight binding covers. */
export function weightBindingBytes(w: WeightInput): number {
  if (!('dtype' in w)) return w.size;
  return w.size ?? w.buffer.size - (w.offset ?? 0);
}

/** The weight binding must hold `elems` elements of its dtype. */
export function requireWeightElems(kernel: string, name: string, w: WeightInput, elems: number): void {
  const dtype = weightDtypeOf(w), bytes = weightBindingBytes(w), need = weightBytes(dtype, elems);
  if (bytes < need) {
    throw new KernelShapeError(kernel, `${name} (${dtype}) holds ${bytes} bytes but ${elems} ${dtype} weights need ${need}`);
  }
}

/** The weight-load lib for a dtype; `vec4`: the kernel reads f32 weights 4 at a time (WStore = vec4<f32>). */
export function weightLoadLib(dtype: WeightDtype, vec4 = false): string {
  switch (dtype) {
    case 'f32': return vec4 ? f32x4Lib : f32Lib;
    case 'f16': return `${f16Lib}\n${f16BitsLib}`;
    case 'bf16': return bf16Lib;
    case 'q8_0': return `${q8Lib}\n${f16BitsLib}`;
  }
}

/** A kernel label that names a non-f32 weight dtype (pipelines are cached by shader text, which differs anyway). */
export const weightLabel = (name: string, dtype: WeightDtype): string => (dtype === 'f32' ? name : `${name} ${dtype}`);

/** Shader text per (kernel, dtype, vec4), composed once. */
export function weightCodeCache(compose: (lib: string) => string): (dtype: WeightDtype, vec4?: boolean) => string {
  const cache = new Map<string, string>();
  return (dtype, vec4 = false) => {
    const key = `${dtype}${vec4 ? 'x4' : ''}`;
    let code = cache.get(key);
    if (code === undefined) cache.set(key, (code = compose(weightLoadLib(dtype, vec4))));
    return code;
  };
}

/** Raw 2-byte elements -> the packed words a f16 / bf16 weight buffer holds (padded to a multiple of 4 bytes). */
export function packHalfWords(halves: Uint16Array): Uint8Array {
  const out = new Uint8Array(weightBufferBytes('bf16', halves.length));
  new Uint16Array(out.buffer, 0, halves.length).set(halves); // little-endian hosts (every WebGPU platform)
  return out;
}

/** GGUF Q8_0 blocks (34 bytes: f16 scale, 32 int8) -> the q8_0 buffer words (9 per block). */
export function packQ8Blocks(ggml: Uint8Array): Uint32Array {
  const blocks = ggml.length / 34;
  const out = new Uint32Array(blocks * Q8_BLOCK_WORDS);
  const bytes = new Uint8Array(out.buffer);
  for (let b = 0; b < blocks; b++) {
    const src = b * 34, dst = b * Q8_BLOCK_WORDS * 4;
    bytes[dst] = ggml[src];
    bytes[dst + 1] = ggml[src + 1];
    bytes.set(ggml.subarray(src + 2, src + 34), dst + 4);
  }
  return out;
}

/** Decodes `elements` weights read back from a weight binding to f32 (exact widening; q8_0 as the CPU decoder). */
export function decodeWeightBytes(bytes: ArrayBuffer, dtype: WeightDtype, elements: number): Float32Array {
  if (dtype === 'f32') return new Float32Array(bytes, 0, elements).slice();
  if (dtype === 'q8_0') {
    const out = new Float32Array(elements);
    const dv = new DataView(bytes);
    for (let i = 0; i < elements; i++) {
      const b = Math.floor(i / Q8_BLOCK) * Q8_BLOCK_WORDS * 4;
      out[i] = Math.fround(f16BitsToF32(dv.getUint16(b, true)) * dv.getInt8(b + 4 + (i % Q8_BLOCK)));
    }
    return out;
  }
  const h = new Uint16Array(bytes, 0, elements);
  const out = new Float32Array(elements);
  const dec = dtype === 'bf16' ? bf16BitsToF32 : f16BitsToF32;
  for (let i = 0; i < elements; i++) out[i] = dec(h[i]);
  return out;
}

/** The first `elements` weights of a binding, widened to f32 on the CPU. */
export async function readWeightF32(gpu: Gpu, w: WeightInput, elements: number): Promise<Float32Array> {
  const dtype = weightDtypeOf(w);
  const r = weightResource(w);
  const buffer = 'buffer' in r ? r.buffer : r;
  const offset = 'buffer' in r ? r.offset : 0;
  const bytes = await readBuffer(gpu, buffer, weightBufferBytes(dtype, elements), offset);
  return decodeWeightBytes(bytes, dtype, elements);
}
