// tokenizer.json is untrusted input: fuzzing found loops to a 2^31 vocabulary id (96 s), raw TypeErrors from
// malformed parts (at load and at encode time) and an exponential Split regex. Each now ends in a typed
// BadModelFile at load; a seeded fuzz over random subtree replacements of a real tokenizer.json checks that every
// outcome is success or a PrunelabError, in bounded time.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BadModelFile, PrunelabError } from '../../src/core/errors.ts';
import { HfTokenizer } from '../../src/core/formats/hf-tokenizer.ts';
import { hasNestedQuantifier } from '../../src/core/formats/tokenizer-json-check.ts';
import { STORIES_HF } from './fixtures.ts';

type Json = Record<string, unknown>;
const base = JSON.parse(readFileSync(join(STORIES_HF, 'tokenizer.json'), 'utf8')) as Json;
const config = JSON.parse(readFileSync(join(STORIES_HF, 'tokenizer_config.json'), 'utf8')) as Json;
const load = (t: Json) => { const tok = new HfTokenizer(t, config, 1, 2); tok.encode('Once upon a time, Lily'); return tok; };
const mutated = (f: (t: Json & { model: Json; post_processor: Json }) => void) => { const t = structuredClone(base) as never; f(t); return t; };

describe('tokenizer.json checks', () => {
  it('refuses what fuzzing found, each with a typed error at load', () => {
    const cases: Array<[Json, RegExp]> = [
      [mutated((t) => { (t.model.vocab as Json).zzz = 2 ** 31; }), /model.vocab holds the id 2147483648/],
      [mutated((t) => { t.post_processor.single = null; }), /post_processor.single must be a list/],
      [mutated((t) => { t.pre_tokenizer = { type: 'Split', pattern: { Regex: '(a+)+$' }, behavior: 'Isolated', invert: false }; }), /repeats a repeated group/],
      [mutated((t) => { t.model = null as never; }), /"model" must be an object/],
      [mutated((t) => { t.added_tokens = [{ id: 'x' }]; }), /added_tokens\[0\] must be/],
    ];
    for (const [t, message] of cases) {
      const e = (() => { try { load(t); return null; } catch (x) { return x; } })();
      expect(e, String(message)).toBeInstanceOf(BadModelFile);
      expect((e as Error).message).toMatch(message);
    }
  });

  it('finds nested quantifiers, and passes the pre-tokenizer patterns real models ship', () => {
    for (const p of ['(a+)+$', '(?:\\s*x)*', '(a|b+){2,}', '((ab)*c)+']) expect(hasNestedQuantifier(p), p).toBe(true);
    const real = [
      "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+", // GPT-2, SmolLM
      "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+", // Llama 3
      "[!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+|[^\\r\\n\\p{L}\\p{P}\\p{S}]?[\\p{L}\\p{M}]+| ?[\\p{P}\\p{S}]+[\\r\\n]*", // classes holding ( ) + *
      '(?:\\r?\\n)+',
    ];
    for (const p of real) expect(hasNestedQuantifier(p), p).toBe(false);
  });

  it('random subtree replacements end in a tokenizer or a PrunelabError, never a raw error or a hang', () => {
    const paths = ['model', 'model.vocab', 'model.merges', 'model.type', 'model.byte_fallback', 'model.unk_token', 'normalizer',
      'pre_tokenizer', 'post_processor', 'post_processor.single', 'post_processor.special_tokens', 'decoder', 'decoder.decoders',
      'added_tokens', 'truncation', 'padding'];
    const junk = fc.oneof(fc.constant(null), fc.integer(), fc.double(), fc.string({ maxLength: 8 }), fc.boolean(),
      fc.array(fc.oneof(fc.integer(), fc.string({ maxLength: 4 }), fc.constant(null)), { maxLength: 4 }),
      fc.dictionary(fc.constantFrom('type', 'Regex', 'id', 'content', 'decoders', 'single'), fc.oneof(fc.string({ maxLength: 6 }), fc.integer(), fc.constant(null))));
    fc.assert(fc.property(fc.constantFrom(...paths), junk, (path, value) => {
      const t = structuredClone(base) as Json;
      const keys = path.split('.');
      let at = t;
      for (const k of keys.slice(0, -1)) { if (typeof at[k] !== 'object' || at[k] === null) at[k] = {}; at = at[k] as Json; }
      at[keys[keys.length - 1]] = value;
      const t0 = performance.now();
      try { load(t); } catch (e) { expect(e, `${path} = ${JSON.stringify(value)}: ${String(e)}`).toBeInstanceOf(PrunelabError); }
      expect(performance.now() - t0).toBeLessThan(2_000);
    }), { seed: 20261205, numRuns: 300 });
  });
});
