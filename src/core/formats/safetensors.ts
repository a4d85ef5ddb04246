// safetensors: 8-byte little-endian u64 header length N, N bytes of JSON, then the data section.
// JSON: { "__metadata__"?: {str: str}, name: { dtype, shape, data_offsets: [begin, end] } } with offsets
// relative to the data section. Only the header is read here; tensor bytes stay in the source.
import { BadModelFile, BadRequest } from '../errors.ts';
import type { ByteSource } from './byte-source.ts';
import { quote } from '../quote.ts';
import { parseJsonBounded } from './bounded-json.ts';

export type SafetensorsDtype = 'F32' | 'F16' | 'BF16';
const BYTES_PER_ELEMENT: Record<SafetensorsDtype, number> = { F32: 4, F16: 2, BF16: 2 };
/** Larger headers are certainly corrupt (real ones are KBs; 100 MB would be ~1M tensors). */
export const MAX_HEADER_BYTES = 100 * 1024 * 1024;

export interface SafetensorsTensorInfo {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  /** Absolute byte range in the file (data section start already added). */
  byteOffset: number;
  byteLength: number;
}

export interface SafetensorsHeader {
  headerLength: number;
  /** File offset of the data section (8 + headerLength). */
  dataStart: number;
  tensors: Map<string, SafetensorsTensorInfo>;
  metadata: Record<string, string>;
}

export async function readSafetensorsHeader(source: ByteSource): Promise<SafetensorsHeader> {
  const file = source.name;
  if (source.size < 8) throw new BadModelFile(file, `file is ${source.size} bytes, shorter than the 8-byte safetensors length prefix`, 0);
  const prefix = await source.read(0, 8);
  const dv = new DataView(prefix.buffer, prefix.byteOffset, 8);
  const high = dv.getUint32(4, true);
  const headerLength = high * 2 ** 32 + dv.getUint32(0, true);
  if (high !== 0 || headerLength > MAX_HEADER_BYTES) {
    throw new BadModelFile(file, `header length ${headerLength} exceeds the ${MAX_HEADER_BYTES}-byte limit (not a safetensors file?)`, 0);
  }
  if (8 + headerLength > source.size) {
    throw new BadModelFile(file, `header length ${headerLength} runs past the end of the ${source.size}-byte file (truncated download?)`, 0);
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(await source.read(8, headerLength));
  } catch {
    throw new BadModelFile(file, 'header is not valid UTF-8', 8);
  }
  const parsed = parseJsonBounded(text);
  if ('error' in parsed) throw new BadModelFile(file, `header ${parsed.error.replace(/^not valid JSON/, 'is not valid JSON')}`, 8);
  const json = parsed.value;
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new BadModelFile(file, 'header JSON is not an object', 8);
  }
  const dataStart = 8 + headerLength;
  const dataSize = source.size - dataStart;
  const tensors = new Map<string, SafetensorsTensorInfo>();
  let metadata: Record<string, string> = {};
  /** Byte offset of a tensor's key in the file, so errors point at the right header entry. */
  const keyOffset = (name: string) => {
    const at = text.indexOf(JSON.stringify(name));
    return at < 0 ? 8 : 8 + new TextEncoder().encode(text.slice(0, at)).length;
  };
  for (const [name, value] of Object.entries(json as Record<string, unknown>)) {
    if (name === '__metadata__') {
      // str -> str by the format; other values are dropped rather than carried (a deep or huge value would travel on).
      if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
        metadata = Object.fromEntries(Object.entries(value).filter((e): e is [string, string] => typeof e[1] === 'string'));
      }
      continue;
    }
    const bad = (problem: string): never => { throw new BadModelFile(file, `tensor ${quote(name)}: ${problem}`, keyOffset(name)); };
    if (typeof value !== 'object' || value === null) bad('entry is not an object');
    const { dtype, shape, data_offsets: offsets } = value as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof dtype !== 'string') bad('missing dtype');
    if (!Object.hasOwn(BYTES_PER_ELEMENT, dtype as string)) bad(`dtype ${quote(dtype)} is not supported (supported: F32, F16, BF16)`);
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) bad(`shape ${quote(shape)} is not a list of non-negative integers`);
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0)) {
      bad(`data_offsets ${quote(offsets)} is not a pair of non-negative integers`);
    }
    const [begin, end] = offsets as number[];
    if (begin > end) bad(`data_offsets [${begin}, ${end}] begin after end`);
    if (end > dataSize) bad(`data_offsets [${begin}, ${end}] run past the ${dataSize}-byte data section (truncated file?)`);
    const dims = shape as number[];
    const expected = dims.reduce((a, b) => a * b, 1) * BYTES_PER_ELEMENT[dtype as SafetensorsDtype];
    if (expected !== end - begin) bad(`${dtype}${dims.length > 8 ? quote(dims) : `[${dims.join(', ')}]`} needs ${expected} bytes but data_offsets span ${end - begin}`);
    tensors.set(name, { name, dtype: dtype as SafetensorsDtype, shape: dims, byteOffset: dataStart + begin, byteLength: end - begin });
  }
  checkNoOverlap(file, [...tensors.values()]);
  return { headerLength, dataStart, tensors, metadata };
}

function checkNoOverlap(file: string, infos: SafetensorsTensorInfo[]): void {
  const sorted = infos.filter((t) => t.byteLength > 0).sort((a, b) => a.byteOffset - b.byteOffset);
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1];
    const cur = sorted[i];
    if (cur.byteOffset < prev.byteOffset + prev.byteLength) {
      throw new BadModelFile(file, `tensors ${quote(prev.name)} and ${quote(cur.name)} overlap in the data section`, cur.byteOffset);
    }
  }
}

// ---- writing ----

export interface SafetensorsInput {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  data: Uint8Array;
}

/**
 * The 8-byte prefix + JSON header for tensors laid out back to back in the given order, and each tensor's
 * offset in the data section. The JSON is padded with spaces so the data section starts 8-byte aligned,
 * as the reference implementation does.
 */
export function safetensorsHeaderBytes(
  tensors: { name: string; dtype: SafetensorsDtype; shape: number[] }[],
  metadata?: Record<string, string>,
): { header: Uint8Array; offsets: number[]; dataLength: number } {
  const json: Record<string, unknown> = {};
  if (metadata) json.__metadata__ = metadata;
  const offsets: number[] = [];
  let at = 0;
  for (const t of tensors) {
    const len = t.shape.reduce((a, b) => a * b, 1) * BYTES_PER_ELEMENT[t.dtype];
    json[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [at, at + len] };
    offsets.push(at);
    at += len;
  }
  const text = new TextEncoder().encode(JSON.stringify(json));
  const padded = Math.ceil(text.length / 8) * 8;
  const header = new Uint8Array(8 + padded).fill(0x20, 8);
  new DataView(header.buffer).setUint32(0, padded, true); // high word stays 0: headers are < 4 GiB
  header.set(text, 8);
  return { header, offsets, dataLength: at };
}

/** Serializes tensors as safetensors chunks (header first, then each tensor's bytes); Blob- and stream-friendly. */
export function encodeSafetensors(tensors: SafetensorsInput[], metadata?: Record<string, string>): Uint8Array[] {
  const { header } = safetensorsHeaderBytes(tensors, metadata);
  for (const t of tensors) {
    const need = t.shape.reduce((a, b) => a * b, 1) * BYTES_PER_ELEMENT[t.dtype];
    if (t.data.byteLength !== need) throw new BadRequest(`safetensors tensor ${t.name}: ${t.dtype}[${t.shape.join(', ')}] needs ${need} bytes, got ${t.data.byteLength}`);
  }
  return [header, ...tensors.map((t) => t.data)];
}

export function concatBytes(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0));
  let at = 0;
  for (const c of chunks) { out.set(c, at); at += c.byteLength; }
  return out;
}
