// The WGSL engine against an INDEPENDENT float64 forward written from transformers' modeling code
// (test/helpers/hf-reference: it reads the raw config.json and the safetensors bytes itself, and shares nothing with
// the product's config parsing, spec or reference forward). Every architecture case as a seeded random Hub-layout
// model, plus the real stories260K: perplexity within 1e-4 relative, the argmax at every position of a window, and
// greedy decoding through the KV cache.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGpu, type Gpu } from '../../src/core/gpu/device.ts';
import { bytesSource } from '../../src/core/formats/byte-source.ts';
import { loadModel } from '../../src/core/formats/load-model.ts';
import { pathSources } from '../../src/core/formats/node-file-source.ts';
import { randomHfModel } from '../../src/core/model/random-model.ts';
import { Engine } from '../../src/core/engine/engine.ts';
import { evalWindows, tokenizeForEval } from '../../src/core/engine/windows.ts';
import { ARCH_SEQ, architectureCases, argmax, randomTokens } from '../helpers/architecture-cases.ts';
import { STORIES_HF, TINYSTORIES_TEXT } from '../helpers/fixtures.ts';
import { hfLogits, hfWindowNll, readHubTensors, type HubTensor } from '../helpers/hf-reference/models.ts';

const GREEDY = 12; // prompt + generated positions, as architectures.test.ts decodes

let gpu: Gpu;
beforeAll(async () => { gpu = await createGpu(); });
afterAll(() => gpu?.destroy());



interface Subject { config: Record<string, unknown>; tensors: Map<string, HubTensor>; engine: Engine }

async function perplexities(s: Subject, windows: number[][]): Promise<{ gpu: number; ref: number }> {
  let gs = 0, rs = 0, n = 0;
  for (const w of windows) {
    const g = await s.engine.windowNll(w), r = hfWindowNll(s.config, s.tensors, w);
    expect(g.count).toBe(r.count);
    gs += g.sum; rs += r.sum; n += r.count;
  }
  return { gpu: Math.exp(gs / n), ref: Math.exp(rs / n) };
}

/** The engine's argmax at every position of the window (one full-logits pass) against the reference's. */
async function expectArgmaxes(s: Subject, window: number[]): Promise<void> {
  const V = s.engine.spec.vocabSize, got = await s.engine.logits(window), ref = hfLogits(s.config, s.tensors, window);
  const engineArgmax = ref.map((_, t) => argmax(got.subarray(t * V, (t + 1) * V)));
  expect(engineArgmax).toEqual(ref.map(argmax));
}

describe.each(architectureCases)('%s', (_name, spec, layout) => {
  const windows = [randomTokens(ARCH_SEQ, spec.vocabSize, 1), randomTokens(ARCH_SEQ, spec.vocabSize, 2)];
  let s: Subject;
  beforeAll(async () => {
    const { configJson, safetensors } = randomHfModel(spec, { seed: 11, dtype: 'F32', layout });
    const configBytes = new TextEncoder().encode(configJson);
    const model = await loadModel([bytesSource(configBytes, 'config.json'), bytesSource(safetensors, 'model.safetensors')],
      { requireTokenizer: false });
    s = { config: JSON.parse(configJson), tensors: readHubTensors(safetensors), engine: await Engine.create(gpu, model) };
  });
  afterAll(() => s?.engine.destroy());

  it('perplexity equals the transformers-derived float64 reference within 1e-4 over two windows', async () => {
    const { gpu: ppl, ref } = await perplexities(s, windows);
    expect(Math.abs(ppl / ref - 1)).toBeLessThan(1e-4);
  });

  it('the argmax at every position of a window, and greedy decoding through the KV cache, match the reference', async () => {
    await expectArgmaxes(s, windows[0]);
    // Prompt of 3 tokens in one prefill, then one token per decode step against the same cache.
    const ids = randomTokens(3, spec.vocabSize, 5);
    let logits = await s.engine.lastLogits(ids, 0, GREEDY);
    while (ids.length < GREEDY) {
      const ref = hfLogits(s.config, s.tensors, ids);
      expect(argmax(logits)).toBe(argmax(ref[ref.length - 1]));
      ids.push(argmax(logits));
      if (ids.length < GREEDY) logits = await s.engine.lastLogits([ids[ids.length - 1]], ids.length - 1, GREEDY);
    }
  });
});

describe('stories260K (trained, Hub folder) on TinyStories text', () => {
  const SEQ = 128;
  let s: Subject, window: number[];
  beforeAll(async () => {
    const model = await loadModel(await pathSources(STORIES_HF));
    window = evalWindows(tokenizeForEval(model.tokenizer, readFileSync(TINYSTORIES_TEXT, 'utf8').slice(0, 4000)), SEQ, 1)[0];
    s = {
      config: JSON.parse(readFileSync(join(STORIES_HF, 'config.json'), 'utf8')),
      tensors: readHubTensors(new Uint8Array(readFileSync(join(STORIES_HF, 'model.safetensors')))),
      engine: await Engine.create(gpu, model),
    };
  });
  afterAll(() => s?.engine.destroy());

  it(`perplexity on a ${SEQ}-token window equals the reference within 1e-4, and so does every position's argmax`, async () => {
    const { gpu: ppl, ref } = await perplexities(s, [window]);
    expect(Math.abs(ppl / ref - 1)).toBeLessThan(1e-4);
    expect(ref).toBeGreaterThan(2); // in-distribution text: the fixture README's ~3.9
    expect(ref).toBeLessThan(8);
    await expectArgmaxes(s, window);
  });
});
