// llama2.c checkpoints and tokenizer files: size validation, unshared classifiers, tokenizer matching, and
// corrupt inputs giving typed errors.
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { bytesSource } from '../../src/core/formats/byte-source.ts';
import { readTensorF32 } from '../../src/core/formats/decode-tensor.ts';
import { loadModel } from '../../src/core/formats/load-model.ts';
import { BadModelFile } from '../../src/core/errors.ts';
import { tensorNames } from '../../src/core/model/spec.ts';
import { STORIES_L2C } from './fixtures.ts';

let legacy: Uint8Array;
let v1: Uint8Array;
let tok: Uint8Array;
beforeAll(async () => {
  [legacy, v1, tok] = await Promise.all(['stories260K.bin', 'stories260K.v1.bin', 'tok512.bin'].map(async (f) => new Uint8Array(await readFile(resolve(STORIES_L2C, f)))));
});
const load = (ckpt: Uint8Array, name = 'stories260K.bin', tokenizer: Uint8Array | null = tok, opts = {}) =>
  loadModel([bytesSource(ckpt, name), ...(tokenizer ? [bytesSource(tokenizer, 'tok512.bin')] : [])], opts);

describe('llama2.c checkpoints', () => {
  it('report a truncated legacy file with expected vs actual size', async () => {
    const e = await load(legacy.slice(0, legacy.length - 100)).catch((x) => x);
    expect(e).toBeInstanceOf(BadModelFile);
    expect(e.message).toBe('stories260K.bin: llama2.c legacy header (dim 64, hidden 172, 5 layers, 8 heads, 4 kv heads, vocab 512, seq_len 512) ' +
      'implies 1056540 bytes but the file has 1056440 (truncated?) (at byte 1056440)');
  });

  it('report a truncated version-1 file and trailing garbage', async () => {
    await expect(load(v1.slice(0, 5000), 'm.v1.bin')).rejects.toThrow(/version-1 header .* implies 1040384 bytes but the file has 5000 \(truncated\?\)/);
    const longer = new Uint8Array(legacy.length + 4);
    longer.set(legacy);
    await expect(load(longer)).rejects.toThrow('implies 1056540 bytes but the file has 1056544 (at byte 1056540)');
  });

  it('refuse export versions other than 1 (e.g. int8 version 2)', async () => {
    const v2 = v1.slice();
    new DataView(v2.buffer).setInt32(4, 2, true);
    await expect(load(v2)).rejects.toThrow('stories260K.bin: llama2.c export version 2 is not supported (only the legacy format and version 1, fp32) (at byte 4)');
  });

  it('read an unshared classifier (negative vocab_size) as an untied lm_head after the RoPE tables', async () => {
    const embedBytes = legacy.subarray(28, 28 + 512 * 64 * 4);
    const cls = Float32Array.from(new Float32Array(embedBytes.slice().buffer), (v) => v * 2);
    const unshared = new Uint8Array(legacy.length + cls.byteLength);
    unshared.set(legacy);
    unshared.set(new Uint8Array(cls.buffer), legacy.length);
    new DataView(unshared.buffer).setInt32(20, -512, true);
    const m = await load(unshared);
    expect(m.spec.tieWordEmbeddings).toBe(false);
    expect(m.spec.vocabSize).toBe(512);
    expect(await readTensorF32(m.tensors.get(tensorNames.lmHead)!)).toEqual(cls);
  });

  it('need their tokenizer unless told otherwise, and a tokenizer of the right size', async () => {
    await expect(load(legacy, 'stories260K.bin', null)).rejects.toThrow(/needs its tokenizer file \(tokenizer.bin or tok\*.bin/);
    const m = await load(legacy, 'stories260K.bin', null, { requireTokenizer: false });
    expect(m.files).toEqual(['stories260K.bin']);
    // Drop the last token entry: 511 tokens no longer match vocab_size 512.
    const t511 = tok.slice(0, tok.length - 8 - lastEntryLength(tok));
    await expect(load(legacy, 'stories260K.bin', t511)).rejects.toThrow('stories260K.bin: needs a tokenizer with 512 tokens; tok512.bin has 511');
  });

  it('never give anything but BadModelFile for corrupted headers (or a clean "not recognised")', async () => {
    await fc.assert(fc.asyncProperty(fc.nat(35), fc.integer({ min: 0, max: 255 }), fc.boolean(), async (i, v, useV1) => {
      const bytes = (useV1 ? v1 : legacy).slice();
      bytes[i] = v;
      try { await load(bytes); } catch (e) { return e instanceof BadModelFile; }
      return true;
    }), { numRuns: 200 });
  });
});

/** Byte length of the last piece in a llama2.c tokenizer file (walks the entries). */
function lastEntryLength(t: Uint8Array): number {
  const dv = new DataView(t.buffer, t.byteOffset, t.byteLength);
  let at = 4;
  let len = 0;
  while (at < t.length) { len = dv.getInt32(at + 4, true); at += 8 + len; }
  return len;
}
