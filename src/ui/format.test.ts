import { describe, expect, it } from 'vitest';
import { formatDelta, niceTicks } from './format.ts';

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
