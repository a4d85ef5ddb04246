// The WGSL engine's perplexity equals an independent float64 CPU evaluation (same token windows).
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGpu, type Gpu } from '../../src/core/gpu/device.ts';
import { loadModel } from '../../src/core/formats/load-model.ts';
import { pathSources } from '../../src/core/formats/node-file-source.ts';
import { Engine } from '../../src/core/engine/engine.ts';
import { evaluatePerplexity } from '../../src/core/engine/perplexity.ts';
import { evalWindows, tokenizeForEval } from '../../src/core/engine/windows.ts';
import { referenceWindowNll } from '../../src/core/engine/reference-forward.ts';
import { loadReferenceWeights } from '../../src/core/engine/reference-weights.ts';
import { STORIES_HF, TINYSTORIES_TEXT } from '../helpers/fixtures.ts';

let gpu: Gpu;
beforeAll(async () => { gpu = await createGpu(); });
afterAll(() => gpu?.destroy());

// A slice of the TinyStories text: enough for 2 windows of 512 tokens.
const text = readFileSync(TINYSTORIES_TEXT, 'utf8').slice(0, 12_000);

describe('stories260K perplexity vs float64 reference', async () => {
  const model = await loadModel(await pathSources(STORIES_HF));
  const reference = await loadReferenceWeights(model);
  const ids = tokenizeForEval(model.tokenizer, text);

  for (const seqLen of [128, 256, 512]) {
    it(`agrees within 0.1% at seqLen ${seqLen}`, async () => {
      const maxWindows = 2;
      const engine = await Engine.create(gpu, model);
      try {
        const gpuReport = await evaluatePerplexity(engine, text, { seqLen, maxWindows });
        let sum = 0, count = 0;
        for (const w of evalWindows(ids, seqLen, maxWindows)) {
          const r = referenceWindowNll(model.spec, reference, w);
          sum += r.sum; count += r.count;
        }
        const refPpl = Math.exp(sum / count);
        expect(gpuReport.tokens).toBe(count);
        expect(Math.abs(gpuReport.ppl / refPpl - 1)).toBeLessThan(1e-3);
        // In-distribution text: the model is good at it (fixture README: ~3.9 at 256 tokens).
        expect(refPpl).toBeGreaterThan(2);
        expect(refPpl).toBeLessThan(8);
      } finally {
        engine.destroy();
      }
    });
  }
});
