// The three stories260K tokenizers (HF tokenizer.json through @huggingface/tokenizers, llama2.c tok512.bin and
// the GGUF-embedded vocabulary, both through the score BPE) give the same ids, and decoding round-trips.
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { HfTokenizer } from '../../src/core/formats/hf-tokenizer.ts';
import { loadModel } from '../../src/core/formats/load-model.ts';
import { pathSources } from '../../src/core/formats/node-file-source.ts';
import type { TextTokenizer } from '../../src/core/model/loaded-model.ts';
import { STORIES_HF, STORIES_L2C, TINYSTORIES_TEXT } from './fixtures.ts';

let hf: TextTokenizer;
let l2c: TextTokenizer;
let gguf: TextTokenizer;
let text: string;
beforeAll(async () => {
  hf = (await loadModel(await pathSources(STORIES_HF))).tokenizer;
  l2c = (await loadModel(await pathSources(resolve(STORIES_L2C, 'stories260K.bin')))).tokenizer;
  gguf = (await loadModel(await pathSources(resolve(STORIES_L2C, 'stories260K.gguf')))).tokenizer;
  text = await readFile(TINYSTORIES_TEXT, 'utf8');
});

describe('encode', () => {
  it('gives the known ids for a TinyStories opening (no BOS: callers add it)', () => {
    for (const t of [hf, l2c, gguf]) expect(t.encode('Once upon a time, there was')).toEqual([403, 407, 261, 378, 432, 383, 286]);
  });

  it('agrees on the first TinyStories sentences and on edge cases', () => {
    const sentences = text.split('\n').filter((l) => l.length > 0).slice(0, 30);
    const edge = ['', ' ', '  two  spaces ', '\n\nnew\nlines\n', 'tab\there', 'héllo café', '日本語 🙂', 'x<0x41>y', 'ALL CAPS!!!', '"Quoted," she said.'];
    for (const s of [...sentences, ...edge]) {
      const want = hf.encode(s);
      expect(l2c.encode(s), JSON.stringify(s)).toEqual(want);
      expect(gguf.encode(s), JSON.stringify(s)).toEqual(want);
    }
  });

  it('agrees on 200 KB of TinyStories encoded in one call (the perplexity path)', () => {
    const chunk = text.slice(0, 200_000);
    const want = hf.encode(chunk);
    expect(l2c.encode(chunk)).toEqual(want);
    expect(gguf.encode(chunk)).toEqual(want);
  });

  it('agrees on random strings (any code points, byte fallback included)', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (s) => {
      const want = hf.encode(s).join();
      return l2c.encode(s).join() === want && gguf.encode(s).join() === want;
    }), { numRuns: 500 });
    const words = fc.constantFrom('the', 'The', ' ', '  ', 'Lily', 'ball', ',', '.', '!', '\n', 'é', '🙂', 'zq', 'was', 'wanted');
    fc.assert(fc.property(fc.array(words, { maxLength: 30 }), (parts) => {
      const s = parts.join('');
      return l2c.encode(s).join() === hf.encode(s).join();
    }), { numRuns: 500 });
  });
});

describe('decode', () => {
  it('drops the dummy-prefix space after BOS, keeps it otherwise', () => {
    for (const t of [hf, l2c, gguf]) {
      expect(t.decode([1, 403, 407])).toBe('Once upon');
      expect(t.decode([403, 407], 1)).toBe('Once upon');
      expect(t.decode([403, 407])).toBe(' Once upon');
      expect(t.decode([2])).toBe(''); // control tokens print nothing
    }
  });

  it('assembles multi-byte characters from <0xNN> pieces', () => {
    for (const t of [hf, l2c, gguf]) {
      const ids = t.encode('日本');
      expect(ids.length).toBeGreaterThan(2); // byte fallback: not in this 512-token vocabulary
      expect(t.decode(ids, 1)).toBe('日本');
    }
  });

  it('round-trips TinyStories text and random strings', () => {
    const chunk = text.slice(0, 20_000);
    for (const t of [hf, l2c, gguf]) expect(t.decode(t.encode(chunk), t.bosId!)).toBe(chunk);
    // U+2581 '▁' is excluded: sentencepiece normalisation makes it the same token as a space.
    const noBlock = fc.string({ unit: 'binary', maxLength: 40 }).map((s) => s.replaceAll('\u2581', ''));
    fc.assert(fc.property(noBlock, (s) => [hf, l2c, gguf].every((t) => t.decode(t.encode(s), t.bosId!) === s)), { numRuns: 300 });
  });

  it('streaming one token at a time (with the previous id) equals decoding the whole sequence', () => {
    const ids = [1, ...l2c.encode(text.slice(0, 2000))];
    for (const t of [hf, l2c, gguf]) {
      let streamed = '';
      for (let i = 1; i < ids.length; i++) streamed += t.decode([ids[i]], ids[i - 1]);
      expect(streamed).toBe(t.decode(ids));
    }
  });
});

describe('byte-level (GPT-2 style) tokenizer.json, as SmolLM / Qwen2 ship', () => {
  it('encodes without specials and decodes Ġ / byte characters back to UTF-8', () => {
    const json = {
      version: '1.0',
      added_tokens: [{ id: 7, content: '<|endoftext|>', special: true, single_word: false, lstrip: false, rstrip: false, normalized: false }],
      normalizer: null,
      pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
      post_processor: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: false, use_regex: true },
      decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
      model: { type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: null, end_of_word_suffix: null, fuse_unk: false,
        byte_fallback: false, vocab: { H: 0, i: 1, 'Ġ': 2, 'Ġw': 3, w: 4, 'Ã': 5, '©': 6, '<|endoftext|>': 7 }, merges: ['Ġ w'] },
    };
    const t = new HfTokenizer(json, { eos_token: '<|endoftext|>' }, null, null);
    expect(t.encode('Hi wé')).toEqual([0, 1, 3, 5, 6]);
    expect(t.decode([0, 1, 3, 5, 6, 7])).toBe('Hi wé');
    expect(t.addBos).toBe(false); // no BOS in the template, none in the config
    expect(t.bosId).toBeNull();
    expect(t.eosId).toBe(7);
  });
});
