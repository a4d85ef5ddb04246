import { describe, expect, it } from 'vitest';
import { flapGlobalRemovals, removedFraction } from './flap-global.ts';

// Hand-worked cases: d = 4, hd = 2, f = 4, one layer. Scores are chosen so that the standardized ranking is obvious.
const heads = [Float32Array.of(1, 2, 3, 4)], channels = [Float32Array.of(10, 20, 30, 40)];

describe('flapGlobalRemovals', () => {
  it('GQA (4 heads, 2 kv heads): a head costs q rows + o columns (2 d hd = 16), a kv-group keeps one head', () => {
    const dims = { hiddenSize: 4, headDim: 2, numKvHeads: 2, intermediateSize: 4 };
    // Removable: 4 heads x 16 + 4 channels x 12 = 112. Ranking (z-scores tie head i with channel i): h0, c0, h1, c1, ...
    // 50% = 56: h0 (16), c0 (28), h1 is group 0's last head (skipped), c1 (40), h2 (56).
    expect(flapGlobalRemovals(heads, channels, dims, 0.5)).toEqual([{ heads: 2, channels: 2 }]);
    expect(removedFraction({ heads: 2, channels: 2 }, { ...dims, numHeads: 4 })).toBeCloseTo(56 / 112, 12);
  });

  it('multi-head attention (4 heads, 4 kv heads): a head also takes its k / v rows (4 d hd = 32), a layer keeps one head', () => {
    const dims = { hiddenSize: 4, headDim: 2, numKvHeads: 4, intermediateSize: 4, plainMlp: true };
    // Removable: 4 heads x 32 + 4 channels x 8 (up row + down column) = 160. 50% = 80:
    // h0 (32), c0 (40), h1 (72), c1 (80); the rest would overshoot by more than half a unit.
    expect(flapGlobalRemovals(heads, channels, dims, 0.5)).toEqual([{ heads: 2, channels: 2 }]);
    expect(removedFraction({ heads: 2, channels: 2 }, { ...dims, numHeads: 4 })).toBeCloseTo(80 / 160, 12);
    // 99%: every channel but one and every head but one.
    expect(flapGlobalRemovals(heads, channels, dims, 0.99)).toEqual([{ heads: 3, channels: 3 }]);
  });
});
