// RoPE inverse frequencies and attention scaling against values from a plain transcription of transformers'
// modeling_rope_utils.py (float64, same formulas; printed once and pasted here), at the real configs' numbers:
// Llama-3.2-1B's llama3 scaling, a Qwen-style yarn, DeepSeek-style yarn with mscale and no truncation, Phi-3-style
// longrope on both sides of its original context, dynamic NTK below and above max_position_embeddings.
// The engine and the float64 reference forward share ropeFrequencies, so this file is what pins it to transformers.
import { describe, expect, it } from 'vitest';
import { ropeFrequencies, ropeTableValues, type RopeParams, type RopeScaling } from './rope.ts';

const at = (v: Float64Array) => [0, v.length >> 2, v.length >> 1, (3 * v.length) >> 2, v.length - 1].map((i) => v[i]);
const params = (theta: number, dim: number, scaling: RopeScaling, maxPositions = 1 << 17): RopeParams =>
  ({ theta, rotaryDim: dim, maxPositions, scaling });

const cases: Array<[string, RopeParams, number, number, number[]]> = [
  ['llama3 (Llama-3.2-1B: theta 5e5, head 64, factor 32, low 1, high 4, original 8192)',
    params(500000, 64, { type: 'llama3', factor: 32, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositions: 8192 }), 512,
    1, [1.0, 0.03760603093086393, 0.00042955679655936815, 1.661967467795309e-06, 9.418306725434909e-08]],
  ['yarn (theta 1e6, head 128, factor 4, original 32768, truncated)',
    params(1e6, 128, { type: 'yarn', factor: 4, originalMaxPositions: 32768, betaFast: 32, betaSlow: 1, truncate: true }), 512,
    1.138629436111989, [1.0, 0.03162277660168379, 0.0006029411764705882, 7.905694150420949e-06, 3.102344401879299e-07]],
  ['yarn with mscale 0.707 / mscale_all_dim 1, truncate false',
    params(10000, 64, { type: 'yarn', factor: 40, originalMaxPositions: 4096, betaFast: 32, betaSlow: 1, truncate: false, mscale: 0.707, mscaleAllDim: 1 }), 512,
    0.9210423553163399, [1.0, 0.1, 0.005524062977468265, 2.5e-05, 3.33380358040831e-06]],
  ['longrope within the original context: short factors',
    params(10000, 8, { type: 'longrope', shortFactor: [1, 1.2, 1.9, 3], longFactor: [1.5, 2.5, 4, 7], factor: 4, originalMaxPositions: 16 }, 64), 16,
    1.224744871391589, [1.0, 0.08333333333333333, 0.005263157894736842, 0.0003333333333333333, 0.0003333333333333333]],
  ['longrope past the original context: long factors',
    params(10000, 8, { type: 'longrope', shortFactor: [1, 1.2, 1.9, 3], longFactor: [1.5, 2.5, 4, 7], factor: 4, originalMaxPositions: 16 }, 64), 17,
    1.224744871391589, [0.6666666666666666, 0.04, 0.0025, 0.00014285714285714287, 0.00014285714285714287]],
  ['dynamic NTK beyond max_position_embeddings (2048 -> 4096, factor 2)',
    params(10000, 64, { type: 'dynamic', factor: 2 }, 2048), 4096,
    1, [1.0, 0.07531334453008262, 0.005672099864306926, 0.00042718481128958244, 4.445071440544414e-05]],
  ['dynamic NTK within max_position_embeddings = plain RoPE',
    params(10000, 64, { type: 'dynamic', factor: 2 }, 2048), 100,
    1, [1.0, 0.1, 0.01, 0.001, 0.0001333521432163324]],
];

describe('ropeFrequencies', () => {
  it.each(cases)('%s', (_name, rope, seqLen, scaling, expected) => {
    const { invFreq, attentionScaling } = ropeFrequencies(rope, seqLen);
    expect(invFreq.length).toBe(rope.rotaryDim / 2);
    expect(attentionScaling).toBeCloseTo(scaling, 14);
    at(invFreq).forEach((v, i) => expect(Math.abs(v / expected[i] - 1)).toBeLessThan(1e-12));
  });

  it('linear divides every plain frequency by the factor; the table carries cos and sin times the scaling', () => {
    const plain = ropeFrequencies(params(10000, 16, { type: 'default' }), 8).invFreq;
    const linear = ropeFrequencies(params(10000, 16, { type: 'linear', factor: 2.5 }), 8).invFreq;
    linear.forEach((f, i) => expect(f).toBeCloseTo(plain[i] / 2.5, 15));
    const yarn = params(10000, 8, { type: 'yarn', factor: 4, originalMaxPositions: 16, betaFast: 32, betaSlow: 1, truncate: true });
    const { invFreq, attentionScaling } = ropeFrequencies(yarn, 5);
    const table = ropeTableValues(yarn, 5); // [5, 4] x (cos, sin)
    expect(table[(3 * 4 + 1) * 2]).toBeCloseTo(Math.cos(3 * invFreq[1]) * attentionScaling, 6);
    expect(table[(3 * 4 + 1) * 2 + 1]).toBeCloseTo(Math.sin(3 * invFreq[1]) * attentionScaling, 6);
  });
});
