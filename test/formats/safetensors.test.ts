// safetensors header parsing: every malformed input gives a BadModelFile naming the file, the problem and a
// byte offset; random corruption never yields anything else; the writer round-trips.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bytesSource } from '../../src/core/formats/byte-source.ts';
import { concatBytes, encodeSafetensors, readSafetensorsHeader, type SafetensorsDtype } from '../../src/core/formats/safetensors.ts';
import { BadModelFile } from '../../src/core/errors.ts';

/** A file with the given header text (or object) and `dataLength` zero bytes of data. */
function rawFile(header: unknown, dataLength: number): Uint8Array {
  const text = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + text.length + dataLength);
  new DataView(out.buffer).setUint32(0, text.length, true);
  out.set(text, 8);
  return out;
}

async function parseError(bytes: Uint8Array): Promise<BadModelFile> {
  try {
    await readSafetensorsHeader(bytesSource(bytes, 'model.safetensors'));
  } catch (e) {
    expect(e).toBeInstanceOf(BadModelFile);
    expect((e as BadModelFile).file).toBe('model.safetensors');
    return e as BadModelFile;
  }
  throw new Error('expected a BadModelFile');
}

const ok = { a: { dtype: 'F32', shape: [2, 2], data_offsets: [0, 16] }, b: { dtype: 'BF16', shape: [3], data_offsets: [16, 22] } };

describe('readSafetensorsHeader', () => {
  it('reads a valid header with absolute offsets and metadata', async () => {
    const h = await readSafetensorsHeader(bytesSource(rawFile({ __metadata__: { format: 'pt' }, ...ok }, 22), 'm.safetensors'));
    const start = 8 + JSON.stringify({ __metadata__: { format: 'pt' }, ...ok }).length;
    expect(h.dataStart).toBe(start);
    expect(h.metadata).toEqual({ format: 'pt' });
    expect(h.tensors.get('b')).toEqual({ name: 'b', dtype: 'BF16', shape: [3], byteOffset: start + 16, byteLength: 6 });
  });

  it.each([
    ['a file shorter than 8 bytes', new Uint8Array(5), /5 bytes, shorter than the 8-byte/, 0],
    ['a header length past the end', (() => { const b = rawFile(ok, 22); new DataView(b.buffer).setUint32(0, 5000, true); return b; })(), /header length 5000 runs past the end/, 0],
    ['an absurd header length', (() => { const b = rawFile(ok, 22); new DataView(b.buffer).setUint32(4, 1, true); return b; })(), /exceeds the 104857600-byte limit/, 0],
    ['a non-JSON header', rawFile('{"a": nope', 0), /header is not valid JSON/, 8],
    ['a header that is not an object', rawFile('[1,2]', 0), /header JSON is not an object/, 8],
    ['a header that is not UTF-8', rawFile(String.fromCharCode(0xff), 0).map((b, i) => (i === 8 ? 0xff : b)), /not valid UTF-8/, 8],
  ])('rejects %s', async (_label, bytes, message, offset) => {
    const e = await parseError(bytes);
    expect(e.message).toMatch(message);
    expect(e.offset).toBe(offset);
  });

  it.each([
    ['offsets past the end', { a: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } }, 8, /run past the 8-byte data section/],
    ['begin after end', { a: { dtype: 'F32', shape: [0], data_offsets: [8, 4] } }, 8, /begin after end/],
    ['an unknown dtype', { a: { dtype: 'I64', shape: [1], data_offsets: [0, 8] } }, 8, /dtype "I64" is not supported/],
    ['a missing dtype', { a: { shape: [1], data_offsets: [0, 4] } }, 4, /missing dtype/],
    ['a negative dimension', { a: { dtype: 'F32', shape: [-1], data_offsets: [0, 4] } }, 4, /shape \[-1\] is not a list of non-negative integers/],
    ['a fractional dimension', { a: { dtype: 'F32', shape: [1.5], data_offsets: [0, 4] } }, 4, /not a list of non-negative integers/],
    ['malformed data_offsets', { a: { dtype: 'F32', shape: [1], data_offsets: [0] } }, 4, /data_offsets \[0\] is not a pair/],
    ['a shape / size mismatch', { a: { dtype: 'F16', shape: [3, 2], data_offsets: [0, 8] } }, 12, /F16\[3, 2\] needs 12 bytes but data_offsets span 8/],
    ['overlapping tensors', { a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] } }, 12, /tensors "a" and "b" overlap/],
  ])('rejects %s, naming the tensor', async (_label, header, dataLength, message) => {
    const e = await parseError(rawFile(header, dataLength));
    expect(e.message).toMatch(message);
    if (!/overlap/.test(e.message)) {
      expect(e.message).toContain('tensor "a"');
      expect(e.offset).toBe(8 + JSON.stringify(header).indexOf('"a"')); // points at the entry's key
    }
  });

  it('never throws anything but BadModelFile on random corruption, and never hangs', async () => {
    const valid = rawFile(ok, 22);
    await fc.assert(fc.asyncProperty(
      fc.integer({ min: 0, max: valid.length }),
      fc.array(fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }),
      async (cut, flips) => {
        const bytes = valid.slice(0, cut);
        for (const [i, v] of flips) if (i < bytes.length) bytes[i] = v;
        try {
          await readSafetensorsHeader(bytesSource(bytes, 'x.safetensors'));
        } catch (e) {
          return e instanceof BadModelFile;
        }
        return true;
      }), { numRuns: 500 });
  });
});

describe('encodeSafetensors', () => {
  const dtypeArb = fc.constantFrom<SafetensorsDtype>('F32', 'F16', 'BF16');
  const tensorArb = fc.tuple(dtypeArb, fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 })).chain(([dtype, shape]) => {
    const n = shape.reduce((a, b) => a * b, 1) * (dtype === 'F32' ? 4 : 2);
    return fc.record({ dtype: fc.constant(dtype), shape: fc.constant(shape), data: fc.uint8Array({ minLength: n, maxLength: n }) });
  });

  it('round-trips random tensors through readSafetensorsHeader with an 8-byte aligned data section', async () => {
    await fc.assert(fc.asyncProperty(fc.array(tensorArb, { maxLength: 5 }), fc.option(fc.dictionary(fc.string(), fc.string())), async (ts, metadata) => {
      const tensors = ts.map((t, i) => ({ name: `t${i}.weight`, ...t }));
      const chunks = encodeSafetensors(tensors, metadata ?? undefined);
      const file = concatBytes(chunks);
      const h = await readSafetensorsHeader(bytesSource(file, 'rt.safetensors'));
      expect(h.dataStart % 8).toBe(0);
      expect(new TextDecoder().decode(file.subarray(8, h.dataStart))).toMatch(/^\{.*\} *$/);
      expect(h.metadata).toEqual(metadata ?? {});
      for (const t of tensors) {
        const info = h.tensors.get(t.name)!;
        expect(info.dtype).toBe(t.dtype);
        expect(info.shape).toEqual(t.shape);
        expect(file.subarray(info.byteOffset, info.byteOffset + info.byteLength)).toEqual(t.data);
      }
    }), { numRuns: 100 });
  });

  it('refuses data of the wrong size', () => {
    expect(() => encodeSafetensors([{ name: 'a', dtype: 'F32', shape: [2], data: new Uint8Array(4) }])).toThrow(/needs 8 bytes, got 4/);
  });
});

describe('untrusted headers (fuzzing found the error path itself throwing)', () => {
  it('a shape nested 100,000 deep is a BadModelFile with a short message, not a RangeError', async () => {
    const header = new TextEncoder().encode(`{"a":{"dtype":"F32","shape":${'['.repeat(100_000)}${']'.repeat(100_000)},"data_offsets":[0,4]}}`);
    const bytes = new Uint8Array(8 + header.length + 4);
    new DataView(bytes.buffer).setBigUint64(0, BigInt(header.length), true);
    bytes.set(header, 8);
    const e = await readSafetensorsHeader(bytesSource(bytes, 'model.safetensors')).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(BadModelFile);
    // Refused before JSON.parse builds it (the depth pre-scan), naming where the 65th level opens.
    expect((e as Error).message).toMatch(/header nests deeper than 64 levels \(at character \d+\)/);
    expect((e as Error).message.length).toBeLessThan(200);
  });
});

