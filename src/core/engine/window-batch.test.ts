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

  it('does not batch where a matmul variant changes shader with M (blocked16x16 from 16 rows on)', () => {
    expect(windowBatchSize(gpu, tinyLlama, 8, 'blocked16x16', 1e12)).toBe(1);
    expect(windowBatchSize(gpu, tinyLlama, 16, 'blocked16x16', 1e12)).toBe(MAX_BATCH_WINDOWS);
    // subgroup likewise (SwiftShader has 4-lane subgroups); without subgroups it is tiled64, which never changes with M.
    expect(windowBatchSize(gpu, tinyLlama, 8, 'subgroup', 1e12)).toBe(1);
    expect(windowBatchSize(gpu, tinyLlama, 16, 'subgroup', 1e12)).toBe(MAX_BATCH_WINDOWS);
    expect(windowBatchSize({ ...gpu, subgroupSize: null }, tinyLlama, 8, 'subgroup', 1e12)).toBe(MAX_BATCH_WINDOWS);
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
