// Greedy decoding of stories260K reproduces karpathy/llama2.c's known output, for every format.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGpu, type Gpu } from '../../src/core/gpu/device.ts';
import { loadModel } from '../../src/core/formats/load-model.ts';
import { pathSources } from '../../src/core/formats/node-file-source.ts';
import { Engine } from '../../src/core/engine/engine.ts';
import { generateGreedy } from '../../src/core/engine/generate.ts';
import { goldenGreedyText, STORIES_GGUF, STORIES_HF, STORIES_LLAMA2C, STORIES_LLAMA2C_V1 } from '../helpers/fixtures.ts';

let gpu: Gpu;
beforeAll(async () => { gpu = await createGpu(); });
afterAll(() => gpu?.destroy());

describe('greedy generation of stories260K, 200 steps from BOS', () => {
  const golden = goldenGreedyText();
  for (const [format, path] of [['HF safetensors', STORIES_HF], ['llama2.c legacy', STORIES_LLAMA2C],
    ['llama2.c v1', STORIES_LLAMA2C_V1], ['GGUF', STORIES_GGUF]] as const) {
    it(`matches the golden text (${format})`, async () => {
      const engine = await Engine.create(gpu, await loadModel(await pathSources(path)));
      try {
        const out = await generateGreedy(engine, { steps: 200 });
        expect(out.text).toBe(golden);
      } finally {
        engine.destroy();
      }
    });
  }
});
