// Cancellable tokenization (issue 16 §4): the score BPE (llama2.c and GGUF vocabularies) encodes a text in parts
// cut after characters that never merge, and the parts concatenate to exactly the one-call ids; the worker's
// tokenization (tokenizeForEvalCancellable) checks its job's signal between those parts.
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { Cancelled } from '../../src/core/errors.ts';
import { tokenizeForEval, tokenizeForEvalCancellable } from '../../src/core/engine/windows.ts';
import { loadModel } from '../../src/core/formats/load-model.ts';
import { pathSources } from '../../src/core/formats/node-file-source.ts';
import type { ScoreBpeTokenizer } from '../../src/core/formats/score-bpe-tokenizer.ts';
import { STORIES_L2C, TINYSTORIES_TEXT } from './fixtures.ts';

let l2c: ScoreBpeTokenizer, gguf: ScoreBpeTokenizer, text: string;
beforeAll(async () => {
  l2c = (await loadModel(await pathSources(resolve(STORIES_L2C, 'stories260K.bin')))).tokenizer as ScoreBpeTokenizer;
  gguf = (await loadModel(await pathSources(resolve(STORIES_L2C, 'stories260K.gguf')))).tokenizer as ScoreBpeTokenizer;
  text = (await readFile(TINYSTORIES_TEXT, 'utf8')).slice(0, 300_000);
});

const joined = (t: ScoreBpeTokenizer, s: string, chars?: number) => [...t.encodeParts(s, chars)].flat();

describe('ScoreBpeTokenizer.encodeParts', () => {
  it('300 KB of TinyStories: the parts are the one-call ids, for several part sizes', () => {
    for (const t of [l2c, gguf]) {
      const whole = t.encode(text);
      for (const chars of [1, 200, 16_384]) {
        const parts = [...t.encodeParts(text, chars)];
        expect(parts.length).toBeGreaterThan(1);
        expect(parts.flat()).toEqual(whole);
      }
    }
  });

  it('random texts with newlines, accents, emoji and unknown characters, cut as often as possible', () => {
    const words = fc.constantFrom('the', 'The', ' ', '  ', 'Lily', 'ball', ',', '.', '!', '\n', '\n\n', 'é', '🙂', '日本', 'zq', 'was', '\t');
    fc.assert(fc.property(fc.array(words, { maxLength: 40 }), fc.integer({ min: 1, max: 8 }), (w, chars) => {
      const s = w.join('');
      expect(joined(l2c, s, chars)).toEqual(l2c.encode(s));
    }), { seed: 16, numRuns: 400 });
  });
});

describe('tokenizeForEvalCancellable', () => {
  it('gives tokenizeForEval\'s ids (BOS included)', async () => {
    const s = text.slice(0, 50_000);
    expect(await tokenizeForEvalCancellable(l2c, s, new AbortController().signal)).toEqual(tokenizeForEval(gguf, s));
  });

  it('stops between parts once its signal is aborted, and on an aborted signal before any work', async () => {
    const ac = new AbortController();
    let parts = 0;
    const stopping = Object.create(l2c, { encodeParts: { value: function* (s: string) {
      for (const p of l2c.encodeParts(s, 1000)) { parts++; if (parts === 3) ac.abort(); yield p; }
    } } });
    await expect(tokenizeForEvalCancellable(stopping, text.slice(100_000), ac.signal)).rejects.toBeInstanceOf(Cancelled);
    expect(parts).toBe(3); // no part after the abort
    await expect(tokenizeForEvalCancellable(l2c, 'never tokenized', ac.signal)).rejects.toBeInstanceOf(Cancelled);
  });
});
