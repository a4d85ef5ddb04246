// GGUF container (v2/v3): "GGUF", u32 version, u64 tensor_count, u64 kv_count, metadata key/values,
// tensor infos (name, n_dims, dims innermost-first, ggml type, offset), then tensor data aligned to
// general.alignment. This file only parses and bounds-checks; gguf.ts maps it to a model.
import type { Dtype } from '../model/spec.ts';
import type { ByteSource } from './byte-source.ts';
import { ByteCursor } from './byte-cursor.ts';
import { Q8_0_BLOCK, Q8_0_BLOCK_BYTES } from './decode-tensor.ts';
import { clip, quote } from '../quote.ts';

export type GgufValue = number | bigint | boolean | string | GgufValue[];

export interface GgufTensorInfo {
  name: string;
  /** GGML order: dims[0] is the innermost (contiguous) dimension. */
  dims: number[];
  ggmlType: number;
  dtype: Dtype;
  /** Absolute byte range in the file. */
  byteOffset: number;
  byteLength: number;
}

export interface GgufFile {
  version: number;
  metadata: Map<string, GgufValue>;
  tensors: GgufTensorInfo[];
  alignment: number;
  dataStart: number;
}

/** ggml types Prunelab decodes; names of the others only for error messages. */
const SUPPORTED: Record<number, Dtype> = { 0: 'F32', 1: 'F16', 8: 'Q8_0', 30: 'BF16' };
const TYPE_NAMES: Record<number, string> = {
  2: 'Q4_0', 3: 'Q4_1', 6: 'Q5_0', 7: 'Q5_1', 9: 'Q8_1', 10: 'Q2_K', 11: 'Q3_K', 12: 'Q4_K', 13: 'Q5_K', 14: 'Q6_K',
  15: 'Q8_K', 16: 'IQ2_XXS', 17: 'IQ2_XS', 18: 'IQ3_XXS', 19: 'IQ1_S', 20: 'IQ4_NL', 21: 'IQ3_S', 22: 'IQ2_S',
  23: 'IQ4_XS', 24: 'I8', 25: 'I16', 26: 'I32', 27: 'I64', 28: 'F64', 29: 'IQ1_M', 34: 'TQ1_0', 35: 'TQ2_0',
};
/** Fixed-size value types: byte size per element (for array bounds checks). */
const VALUE_SIZES: Record<number, number> = { 0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8 };
const T_STRING = 8;
const T_ARRAY = 9;

export async function readGguf(source: ByteSource): Promise<GgufFile> {
  const c = new ByteCursor(source);
  if (source.size < 24) c.fail(`file is ${source.size} bytes, too short for a GGUF header (24 bytes)`, 0);
  await c.ensure(24, 'header');
  const magic = [c.u8(), c.u8(), c.u8(), c.u8()];
  if (String.fromCharCode(...magic) !== 'GGUF') {
    c.fail(`not a GGUF file: magic is ${magic.map((b) => b.toString(16).padStart(2, '0')).join(' ')}, expected "GGUF"`, 0);
  }
  const version = c.u32();
  if (version !== 2 && version !== 3) c.fail(`GGUF version ${version} is not supported (2 and 3 are; big-endian files are not)`, 4);
  // Every tensor info takes >= 24 bytes and every key/value >= 13, which bounds both counts by the file size.
  const tensorCount = await c.size('tensor_count', Math.floor(source.size / 24));
  const kvCount = await c.size('kv_count', Math.floor(source.size / 13));

  const metadata = new Map<string, GgufValue>();
  for (let i = 0; i < kvCount; i++) {
    const key = await c.string('metadata key');
    await c.ensure(4, `type of ${clip(key)}`);
    metadata.set(key, await readValue(c, c.u32(), clip(key), 0));
  }

  const rawAlignment = metadata.get('general.alignment') ?? 32;
  if (typeof rawAlignment !== 'number' || rawAlignment < 1 || (rawAlignment & (rawAlignment - 1)) !== 0) {
    c.fail(`general.alignment ${quote(rawAlignment)} is not a power of two`);
  }
  const alignment = rawAlignment as number;
  const infos: { name: string; dims: number[]; ggmlType: number; offset: number; at: number }[] = [];
  for (let i = 0; i < tensorCount; i++) {
    const at = c.pos;
    const fullName = await c.string('tensor name');
    const name = clip(fullName); // for messages
    await c.ensure(4, `n_dims of ${name}`);
    const nDims = c.u32();
    if (nDims < 1 || nDims > 4) c.fail(`tensor ${name} has ${nDims} dimensions (GGML allows 1..4)`, at);
    const dims: number[] = [];
    for (let d = 0; d < nDims; d++) dims.push(await c.size(`dimension ${d} of ${name}`, 2 ** 40));
    await c.ensure(4, `type of ${name}`);
    const ggmlType = c.u32();
    const offset = await c.size(`data offset of ${name}`, source.size);
    infos.push({ name: fullName, dims, ggmlType, offset, at });
  }

  const dataStart = Math.ceil(c.pos / alignment) * alignment;
  const tensors = infos.map(({ name: fullName, dims, ggmlType, offset, at }): GgufTensorInfo => {
    const name = clip(fullName);
    const dtype = SUPPORTED[ggmlType];
    if (!dtype) {
      c.fail(`tensor ${name} has ggml type ${TYPE_NAMES[ggmlType] ?? 'unknown'} (${ggmlType}); Prunelab decodes F32, F16, BF16 and Q8_0`, at);
    }
    const elements = dims.reduce((a, b) => a * b, 1);
    if (dtype === 'Q8_0' && dims[0] % Q8_0_BLOCK !== 0) c.fail(`Q8_0 tensor ${name} has rows of ${dims[0]} values, not a multiple of 32`, at);
    const byteLength = dtype === 'Q8_0' ? (elements / Q8_0_BLOCK) * Q8_0_BLOCK_BYTES : elements * (dtype === 'F32' ? 4 : 2);
    if (offset % alignment !== 0) c.fail(`tensor ${name} data offset ${offset} is not a multiple of the alignment ${alignment}`, at);
    const byteOffset = dataStart + offset;
    if (byteOffset + byteLength > source.size) {
      c.fail(`tensor ${name} (${byteLength} bytes at ${byteOffset}) runs past the end of the ${source.size}-byte file (truncated?)`, at);
    }
    return { name: fullName, dims, ggmlType, dtype, byteOffset, byteLength };
  });
  const sorted = [...tensors].filter((t) => t.byteLength > 0).sort((a, b) => a.byteOffset - b.byteOffset);
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i].byteOffset < sorted[i - 1].byteOffset + sorted[i - 1].byteLength) {
      c.fail(`tensors ${clip(sorted[i - 1].name)} and ${clip(sorted[i].name)} overlap`, sorted[i].byteOffset);
    }
  }
  return { version, metadata, tensors, alignment, dataStart };
}

async function readValue(c: ByteCursor, type: number, key: string, depth: number): Promise<GgufValue> {
  if (type === T_STRING) return c.string(`value of ${key}`);
  if (type === T_ARRAY) {
    if (depth > 4) c.fail(`metadata ${key} nests arrays too deeply`);
    await c.ensure(4, `array type of ${key}`);
    const itemType = c.u32();
    const minItem = itemType === T_STRING || itemType === T_ARRAY ? 8 : VALUE_SIZES[itemType];
    if (minItem === undefined) c.fail(`metadata ${key} has unknown array item type ${itemType}`);
    const n = await c.size(`array length of ${key}`, Math.floor(c.remaining / minItem) + 1);
    if (n * minItem > c.remaining) c.fail(`metadata ${key}: ${n} items do not fit in the rest of the file`);
    if (VALUE_SIZES[itemType] !== undefined) await c.ensure(n * minItem, `array ${key}`);
    const out: GgufValue[] = new Array(n);
    for (let i = 0; i < n; i++) out[i] = VALUE_SIZES[itemType] !== undefined ? scalar(c, itemType) : await readValue(c, itemType, key, depth + 1);
    return out;
  }
  const size = VALUE_SIZES[type];
  if (size === undefined) c.fail(`metadata ${key} has unknown value type ${type}`);
  await c.ensure(size, `value of ${key}`);
  return scalar(c, type);
}

function scalar(c: ByteCursor, type: number): GgufValue {
  switch (type) {
    case 0: return c.u8();
    case 1: return c.i8();
    case 2: return c.u16();
    case 3: return c.i16();
    case 4: return c.u32();
    case 5: return c.i32();
    case 6: return c.f32();
    case 7: return c.u8() !== 0;
    case 10: return c.u64();
    case 11: return c.i64();
    default: return c.f64();
  }
}
