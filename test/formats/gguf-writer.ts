// Minimal GGUF writer for tests: builds valid (and deliberately broken) files in memory.
import { f32ToF16Bits } from '../../src/core/formats/float-codec.ts';

export const GGUF = { U8: 0, I8: 1, U16: 2, I16: 3, U32: 4, I32: 5, F32: 6, BOOL: 7, STRING: 8, ARRAY: 9, U64: 10, I64: 11, F64: 12 } as const;
export const GGML = { F32: 0, F16: 1, Q4_K: 12, Q8_0: 8, BF16: 30 } as const;

export type Kv = { key: string; type: number; value: unknown; itemType?: number };
export interface GgufTensorIn { name: string; dims: number[]; type: number; data: Uint8Array }

class Out {
  private parts: number[] = [];
  get length() { return this.parts.length; }
  bytes(b: ArrayLike<number>) { for (let i = 0; i < b.length; i++) this.parts.push(b[i]); }
  num(v: number | bigint, kind: 'u8' | 'i8' | 'u16' | 'i16' | 'u32' | 'i32' | 'f32' | 'u64' | 'i64' | 'f64') {
    const dv = new DataView(new ArrayBuffer(8));
    const n = { u8: 1, i8: 1, u16: 2, i16: 2, u32: 4, i32: 4, f32: 4, u64: 8, i64: 8, f64: 8 }[kind];
    switch (kind) {
      case 'u8': dv.setUint8(0, Number(v)); break;
      case 'i8': dv.setInt8(0, Number(v)); break;
      case 'u16': dv.setUint16(0, Number(v), true); break;
      case 'i16': dv.setInt16(0, Number(v), true); break;
      case 'u32': dv.setUint32(0, Number(v), true); break;
      case 'i32': dv.setInt32(0, Number(v), true); break;
      case 'f32': dv.setFloat32(0, Number(v), true); break;
      case 'u64': dv.setBigUint64(0, BigInt(v), true); break;
      case 'i64': dv.setBigInt64(0, BigInt(v), true); break;
      case 'f64': dv.setFloat64(0, Number(v), true); break;
    }
    this.bytes(new Uint8Array(dv.buffer, 0, n));
  }
  str(s: string) { const b = new TextEncoder().encode(s); this.num(b.length, 'u64'); this.bytes(b); }
  value(type: number, v: unknown, itemType?: number) {
    const kinds = ['u8', 'i8', 'u16', 'i16', 'u32', 'i32', 'f32'] as const;
    if (type < 7) this.num(v as number, kinds[type]);
    else if (type === GGUF.BOOL) this.num(v ? 1 : 0, 'u8');
    else if (type === GGUF.STRING) this.str(v as string);
    else if (type === GGUF.ARRAY) {
      const arr = v as unknown[];
      this.num(itemType!, 'u32');
      this.num(arr.length, 'u64');
      for (const x of arr) this.value(itemType!, x);
    } else this.num(v as number, type === GGUF.U64 ? 'u64' : type === GGUF.I64 ? 'i64' : 'f64');
  }
  finish() { return Uint8Array.from(this.parts); }
}

export function writeGguf(opts: { version?: number; kvs: Kv[]; tensors: GgufTensorIn[]; alignment?: number }): Uint8Array {
  const align = opts.alignment ?? 32;
  const o = new Out();
  o.bytes([0x47, 0x47, 0x55, 0x46]); // "GGUF"
  o.num(opts.version ?? 3, 'u32');
  o.num(opts.tensors.length, 'u64');
  o.num(opts.kvs.length, 'u64');
  for (const kv of opts.kvs) { o.str(kv.key); o.num(kv.type, 'u32'); o.value(kv.type, kv.value, kv.itemType); }
  let offset = 0;
  const offsets: number[] = [];
  for (const t of opts.tensors) {
    o.str(t.name);
    o.num(t.dims.length, 'u32');
    for (const d of t.dims) o.num(d, 'u64');
    o.num(t.type, 'u32');
    o.num(offset, 'u64');
    offsets.push(offset);
    offset = Math.ceil((offset + t.data.length) / align) * align;
  }
  const head = o.finish();
  const dataStart = Math.ceil(head.length / align) * align;
  const last = opts.tensors.length ? offsets[offsets.length - 1] + opts.tensors[opts.tensors.length - 1].data.length : 0;
  const file = new Uint8Array(dataStart + last);
  file.set(head);
  opts.tensors.forEach((t, i) => file.set(t.data, dataStart + offsets[i]));
  return file;
}

/** llama.cpp's Q8_0 quantisation (d = amax / 127 stored as f16, q = round(x / d)). */
export function quantizeQ8_0(x: Float32Array): { bytes: Uint8Array; dequantized: Float32Array } {
  const blocks = x.length / 32;
  const bytes = new Uint8Array(blocks * 34);
  const dv = new DataView(bytes.buffer);
  const deq = new Float32Array(x.length);
  for (let b = 0; b < blocks; b++) {
    let amax = 0;
    for (let j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(x[b * 32 + j]));
    const d = amax / 127;
    const dBits = f32ToF16Bits(d);
    dv.setUint16(b * 34, dBits, true);
    const dHalf = halfValue(dBits); // independent of the decoder under test
    for (let j = 0; j < 32; j++) {
      const q = d === 0 ? 0 : Math.max(-128, Math.min(127, Math.round(x[b * 32 + j] / d))) | 0; // | 0: no -0
      dv.setInt8(b * 34 + 2 + j, q);
      deq[b * 32 + j] = Math.fround(dHalf * q);
    }
  }
  return { bytes, dequantized: deq };
}

function halfValue(h: number): number {
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  const v = exp === 0 ? frac * 2 ** -24 : (1 + frac / 1024) * 2 ** (exp - 15);
  return h & 0x8000 ? -v : v;
}
