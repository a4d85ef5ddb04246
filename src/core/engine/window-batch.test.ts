import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGpu, type Gpu } from '../gpu/device.ts';
import { bytesPerToken, MAX_BATCH_WINDOWS, windowBatchSize } from './window-batch.ts';
import { tinyLlama } from '../../../test/helpers/architecture-cases.ts';

let gpu: Gpu;
beforeAll(async () => { gpu = await createGpu(); });
afterAll(() => gpu?.destroy());

describe('windowBatchSize', () => {
  it('fills the byte budget with whole windows, capped, and falls back to 1 when two do not fit', () => {
    const S = 16;
    const per = bytesPerToken(tinyLlama, tinyLlama.vocabSize);
    const perWindow = S * (per.activations + per.kv);
    expect(windowBatchSize(gpu, tinyLlama, S, 'blocked4x4', 5 * perWindow)).toBe(5);
    expect(windowBatchSize(gpu, tinyLlama, S, 'blocked4x4', 5 * perWindow - 1)).toBe(4);
    expect(windowBatchSize(gpu, tinyLlama, S, 'blocked4x4', perWindow)).toBe(1);
    expect(windowBatchSize(gpu, tinyLlama, S, 'blocked4x4', 1e12)).toBe(MAX_BATCH_WINDOWS);
  });

  it('does not batch where a matmul variant changes shader with M (the row-blocked ones from 16 rows on)', () => {
    // subgroup needs the GPU's subgroup size to name its shader (SwiftShader: 4 lanes; without, it runs tiled64's).
    for (const [variant, g] of [['blocked16x16', gpu], ['tiled64', gpu], ['subgroup', gpu], ['subgroup', { ...gpu, subgroupSize: null }]] as const) {
      expect(windowBatchSize(g, tinyLlama, 8, variant, 1e12), variant).toBe(1);
      expect(windowBatchSize(g, tinyLlama, 16, variant, 1e12), variant).toBe(MAX_BATCH_WINDOWS);
    }
    // blocked4x4 runs one shader at every M.
    expect(windowBatchSize(gpu, tinyLlama, 8, 'blocked4x4', 1e12)).toBe(MAX_BATCH_WINDOWS);
  });

  it('budgets no logit columns for plans without lm_head (calibration): a large vocabulary no longer forces B = 1', () => {
    const S = 512;
    const bigVocab = { ...tinyLlama, vocabSize: 128256 };
    const withHead = bytesPerToken(bigVocab, 128256), layersOnly = bytesPerToken(bigVocab, 0);
    const budget = 3 * S * (layersOnly.activations + layersOnly.kv);
    expect(S * (withHead.activations + withHead.kv)).toBeGreaterThan(budget); // one window with logits exceeds it
    expect(windowBatchSize(gpu, bigVocab, S, 'blocked4x4', budget)).toBe(1);
    expect(windowBatchSize(gpu, bigVocab, S, 'blocked4x4', budget, { head: false })).toBe(3);
  });
});
