import { describe, expect, it } from 'vitest';
import { formatDelta, formatMatmul, niceTicks } from './format.ts';

describe('formatDelta', () => {
  it('never prints a negative zero', () => {
    expect(formatDelta(-0.001)).toBe('0.00');
    expect(formatDelta(-0)).toBe('0.00');
    expect(formatDelta(-0.004)).toBe('0.00');
    expect(formatDelta(-0.006)).toBe('-0.01');
  });
  it('uses fewer decimals for larger differences', () => {
    expect(formatDelta(3.14159)).toBe('3.14');
    expect(formatDelta(31.4159)).toBe('31.4');
    expect(formatDelta(314.159)).toBe('314');
  });
});

describe('niceTicks', () => {
  it('covers a narrow redundancy range with evenly spaced ticks at a 1/2/5 step', () => {
    const { domain, ticks, digits } = niceTicks(0.9412, 0.9931, 5);
    expect(ticks).toEqual([0.94, 0.96, 0.98, 1]);
    expect(domain).toEqual([0.94, 1]);
    expect(digits).toBe(2);
    const steps = ticks.slice(1).map((t, i) => +(t - ticks[i]).toFixed(9));
    expect(new Set(steps).size).toBe(1);
  });
  it('handles a single value', () => {
    const { domain, ticks } = niceTicks(0.97, 0.97);
    expect(domain[0]).toBeLessThan(0.97);
    expect(domain[1]).toBeGreaterThan(0.97);
    expect(ticks.length).toBeGreaterThanOrEqual(2);
  });
});

describe('formatMatmul', () => {
  const base = { variant: 'tiled64', shader: 'matmul-tiled64', timed: 5, gflops: 7215.3, subgroupSize: 32 } as const;
  it('names the variant, how it was chosen, its rate and the subgroups', () => {
    expect(formatMatmul({ ...base, chosen: 'timed' })).toBe('tiled64 · fastest of 5 timed on this GPU (7.2 TFLOP/s) · subgroups of 32');
    expect(formatMatmul({ ...base, chosen: 'stored', gflops: 812.25 })).toBe('tiled64 · timed on this GPU before (812.3 GFLOP/s) · subgroups of 32');
    expect(formatMatmul({ ...base, variant: 'blocked16x16', shader: 'matmul-blocked16x16', chosen: 'cpu-adapter', timed: 0, gflops: null, subgroupSize: null }))
      .toBe("blocked16x16 · a software adapter's measured pick");
  });
  it('says which shader runs when the variant falls back', () => {
    expect(formatMatmul({ ...base, variant: 'subgroup', shader: 'matmul-tiled64', chosen: 'forced', gflops: null, subgroupSize: null }))
      .toBe('subgroup, runs tiled64 · forced');
  });
});
