import { describe, expect, it } from 'vitest';
import { paddedTokens } from './loglikelihood.ts';

describe('padded run sizes', () => {
  it('are at least the token count, at least 8, from the 2^k / 3 * 2^(k-2) ladder, with at most a third of padding', () => {
    const sizes = new Set<number>();
    for (let n = 1; n <= 4096; n++) {
      const T = paddedTokens(n);
      expect(T).toBeGreaterThanOrEqual(Math.max(n, 8));
      if (n > 8) expect((T - n) / T).toBeLessThan(1 / 3);
      sizes.add(T);
    }
    // Few distinct sizes, so few forward plans: two per octave.
    expect([...sizes].slice(0, 8)).toEqual([8, 12, 16, 24, 32, 48, 64, 96]);
    expect(sizes.size).toBe(19);
  });
});
