import { describe, expect, it } from 'vitest';
import { quote } from './quote.ts';

describe('quote', () => {
  it('renders small values like JSON', () => {
    expect(quote([1, 'a', null, { b: true }])).toBe('[1,"a",null,{"b":true}]');
    expect(quote(NaN)).toBe('NaN');
    expect(quote(undefined)).toBe('undefined');
  });
  it('stays short and never throws on deep or huge values', () => {
    let deep: unknown = [];
    for (let i = 0; i < 200_000; i++) deep = [deep];
    expect(quote(deep)).toBe('[[[[[…]]]]]');
    expect(quote('x'.repeat(1e6)).length).toBeLessThanOrEqual(80);
    expect(quote(Array.from({ length: 1e5 }, (_, i) => i), 200)).toMatch(/,…\]$/);
    const wide = Object.fromEntries(Array.from({ length: 1e4 }, (_, i) => [`key${i}`, i]));
    expect(quote(wide).length).toBeLessThanOrEqual(80);
  });
});
